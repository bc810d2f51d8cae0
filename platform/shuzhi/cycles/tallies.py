"""Progress tallies: reporters and reviews by (level, stage) in every review's subtree.

A review's subtree holds everything under it (its path is a prefix of theirs), so a
reporter counts in the tally of its own review and of each review above it. The
tallies are seeded when a campaign opens and changed by the same transaction as
every move, as deltas (``n = n + delta``, rows touched in key order so concurrent
moves cannot deadlock). :func:`recount` rebuilds them from the reporters and
reviews with grouped queries, and :func:`check` says whether they agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shuzhi.cycles.models import Reporter, ReporterTally, Review, ReviewTally
from shuzhi.cycles.stages import Step

REPORTERS = ReporterTally.__table__
REVIEWS = ReviewTally.__table__

ReporterKey = tuple[int, int, str]  # review id, level, stage
ReviewKey = tuple[int, int, str, str]  # review id, level, receiver kind, stage


def ancestors(path: str) -> list[int]:
    """Review ids on a path, ``/12/40/`` → [12, 40]."""
    return [int(p) for p in path.strip("/").split("/") if p]


def reporter_deltas(moves: Iterable[tuple[str, int, str, str, int]]) -> Counter[ReporterKey]:
    """(review path, level, old stage, new stage, how many) → per-ancestor deltas."""
    out: Counter[ReporterKey] = Counter()
    for path, level, old, new, n in moves:
        for rid in ancestors(path):
            if old:
                out[(rid, level, old)] -= n
            if new:
                out[(rid, level, new)] += n
    return out


def review_deltas(moves: Iterable[tuple[str, int, str, str, str, int]]) -> Counter[ReviewKey]:
    """(review path, level, receiver kind, old stage, new stage, how many) → per-ancestor deltas."""
    out: Counter[ReviewKey] = Counter()
    for path, level, kind, old, new, n in moves:
        for rid in ancestors(path):
            if old:
                out[(rid, level, kind, old)] -= n
            if new:
                out[(rid, level, kind, new)] += n
    return out


def _upsert(session: Session, table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    conn = session.connection()
    stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={"n": table.c.n + stmt.excluded.n})
    conn.execute(stmt, rows)


def apply(
    session: Session,
    tenant_id: int,
    campaign_id: int,
    reporters: Counter[ReporterKey] | None = None,
    reviews: Counter[ReviewKey] | None = None,
) -> None:
    """Add the deltas (in key order: concurrent moves lock the same rows in the same order)."""
    base = {"tenant_id": tenant_id, "campaign_id": campaign_id}
    _upsert(
        session,
        REPORTERS,
        ("review_id", "level", "stage"),
        [
            {**base, "review_id": rid, "level": lvl, "stage": stage, "n": n}
            for (rid, lvl, stage), n in sorted((reporters or Counter()).items())
            if n
        ],
    )
    _upsert(
        session,
        REVIEWS,
        ("review_id", "level", "receiver_kind", "stage"),
        [
            {**base, "review_id": rid, "level": lvl, "receiver_kind": kind, "stage": stage, "n": n}
            for (rid, lvl, kind, stage), n in sorted((reviews or Counter()).items())
            if n
        ],
    )


# --- rebuilding and checking -------------------------------------------------------------


def counted(session: Session, campaign_id: int) -> tuple[Counter[ReporterKey], Counter[ReviewKey]]:
    """The tallies as the reporters and reviews are now: two grouped queries."""
    reporters = reporter_deltas(
        (path, level, "", stage.value, n)
        for path, level, stage, n in session.execute(
            select(Reporter.review_path, Reporter.level, Reporter.stage, func.count())
            .where(Reporter.campaign_id == campaign_id)
            .group_by(Reporter.review_path, Reporter.level, Reporter.stage)
        )
    )
    reviews = review_deltas(
        (path, level, kind, "", stage.value, 1)
        for path, level, kind, stage in session.execute(
            select(Review.path, Review.level, Review.receiver_kind, Review.stage).where(
                Review.campaign_id == campaign_id
            )
        )
    )
    return reporters, reviews


def stored(session: Session, campaign_id: int) -> tuple[Counter[ReporterKey], Counter[ReviewKey]]:
    reporters: Counter[ReporterKey] = Counter(
        {
            (rid, lvl, Step(stage).value): n
            for rid, lvl, stage, n in session.execute(
                select(
                    ReporterTally.review_id, ReporterTally.level, ReporterTally.stage, ReporterTally.n
                ).where(ReporterTally.campaign_id == campaign_id, ReporterTally.n != 0)
            )
        }
    )
    reviews: Counter[ReviewKey] = Counter(
        {
            (rid, lvl, kind, Step(stage).value): n
            for rid, lvl, kind, stage, n in session.execute(
                select(
                    ReviewTally.review_id,
                    ReviewTally.level,
                    ReviewTally.receiver_kind,
                    ReviewTally.stage,
                    ReviewTally.n,
                ).where(ReviewTally.campaign_id == campaign_id, ReviewTally.n != 0)
            )
        }
    )
    return reporters, reviews


def check(session: Session, campaign_id: int) -> bool:
    """Do the stored tallies agree with the reporters and reviews?"""
    return stored(session, campaign_id) == counted(session, campaign_id)


def recount(session: Session, tenant_id: int, campaign_id: int) -> None:
    """Rebuild the campaign's tallies from its reporters and reviews."""
    session.execute(delete(ReporterTally).where(ReporterTally.campaign_id == campaign_id))
    session.execute(delete(ReviewTally).where(ReviewTally.campaign_id == campaign_id))
    reporters, reviews = counted(session, campaign_id)
    apply(session, tenant_id, campaign_id, reporters, reviews)
