"""Progress of reviews, own and rolled up over their sub-reviews, with overdue counts.

Read from the tallies (:mod:`shuzhi.cycles.tallies`): reporters and reviews by
(level, stage) in each review's subtree, so a review's progress costs a few rows
whatever its size; its own reporters are the subtree's rows at its own level.
A reporter is overdue when a passed deadline guards a step it has not reached,
unless an admin extended that step for it (CO-06). Deadlines that depend on one
review (its meeting date, its receiving org's kind) are worked out per review,
for the reviews where one has passed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    String,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from shuzhi.cycles.models import Extension, Reporter, ReporterTally, Review, ReviewTally, Scope
from shuzhi.cycles.stages import ORDER, RANK, Step, at_least
from shuzhi.cycles.timeline import StagePlan, Timeline
from shuzhi.orgs.service import path_upper


@dataclass
class Progress:
    """Counts for a review: its reporters by stage, and how many are overdue."""

    by_stage: Counter[str] = field(default_factory=Counter)
    overdue: int = 0
    #: Reviews (in a subtree: sub-reviews too) past a deadline of their own.
    reviews_overdue: int = 0
    reviews: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())

    def reached(self, step: Step) -> int:
        return sum(self.by_stage[s] for s in at_least(step))

    @property
    def submitted(self) -> int:
        return self.reached(Step.SUBMITTED)

    @property
    def reviewed(self) -> int:
        """述职评议 held: on site at the meeting, or a written report past the meeting step."""
        return self.reached(Step.MEETING)

    @property
    def evaluated(self) -> int:
        return self.reached(Step.EVALUATED)

    @property
    def graded(self) -> int:
        return self.reached(Step.GRADED)

    @property
    def plans_in(self) -> int:
        """Rectification plans handed in."""
        return self.reached(Step.FILED)

    def as_dict(self) -> dict[str, int]:
        # One pass from the last step back: how many reached each step (the
        # properties above, without a list and a sum per figure).
        reached: dict[Step, int] = {}
        running = 0
        by_stage = self.by_stage
        for step in _BACKWARDS:
            running += by_stage.get(step.value, 0)
            reached[step] = running
        return {
            "total": running,
            "submitted": reached[Step.SUBMITTED],
            "reviewed": reached[Step.MEETING],
            "evaluated": reached[Step.EVALUATED],
            "graded": reached[Step.GRADED],
            "plans_in": reached[Step.FILED],
            "overdue": self.overdue,
            "reviews": self.reviews,
            "reviews_overdue": self.reviews_overdue,
        }


_BACKWARDS = tuple(reversed(ORDER))


@cache
def _tally_statement(dialect: str) -> Any:
    """Both tallies of some reviews and whether any extension is running, as one statement
    built once per process (parameters ``ids``, ``campaign_id``, ``today``). On PostgreSQL
    the ids go as one array (``= ANY(…)``): the same text whatever their number, so the
    driver prepares it, instead of an IN list expanded and cast at every execution."""
    r, v, e = ReporterTally, ReviewTally, Extension
    if dialect == "postgresql":
        ids: Any = any_(bindparam("ids", type_=ARRAY(BigInteger)))
        r_in, v_in = r.review_id == ids, v.review_id == ids
    else:
        r_in = r.review_id.in_(bindparam("ids", expanding=True))
        v_in = v.review_id.in_(bindparam("ids", expanding=True))
    return union_all(
        select(literal("r"), r.review_id, r.level, literal(""), cast(r.stage, String), r.n).where(r_in, r.n != 0),
        select(literal("v"), v.review_id, v.level, v.receiver_kind, cast(v.stage, String), v.n).where(
            v_in, v.n != 0
        ),
        select(literal("x"), literal(0), literal(0), literal(""), literal(""), func.count()).where(
            e.campaign_id == bindparam("campaign_id", type_=BigInteger), e.until >= bindparam("today", type_=Date)
        ),
    )


def _passed(due: date | None, today: date) -> bool:
    return due is not None and due < today


class Rollup:
    """Counts for some reviews of one campaign, as of ``today``."""

    def __init__(self, session: Session, campaign_id: int, timeline: Timeline, today: date) -> None:
        self.session = session
        self.campaign_id = campaign_id
        self.timeline = timeline
        self.today = today
        dated = [s for s in timeline.stages if s.step is not None and s.parsed is not None]
        reporter_stages = [s for s in dated if s.scope is Scope.REPORTER]
        review_stages = [s for s in dated if s.scope is Scope.REVIEW]
        #: Deadlines the same for every review of a level (and kind): read off the tallies.
        self.level_wide = [
            s for s in reporter_stages if s.receiver_kinds is None and s.parsed.base != "meeting"
        ]  # type: ignore[union-attr]
        #: Reporter deadlines that depend on the review: its meeting date or its receiving org's kind.
        self.per_review = [s for s in reporter_stages if s not in self.level_wide]
        self.review_fixed = [s for s in review_stages if s.parsed.base != "meeting"]  # type: ignore[union-attr]
        self.review_meeting = [s for s in review_stages if s not in self.review_fixed]
        self._by_level: dict[int, int] = {}
        self._by_class: dict[tuple[int, str], int] = {}
        self._overdue: dict[tuple[Any, ...], bool] = {}

    # --- thresholds ------------------------------------------------------------

    def _threshold(
        self, stages: Iterable[StagePlan], level: int, kind: str | None, meeting: date | None
    ) -> int:
        """Rank of the furthest step a passed deadline demands (-1: none)."""
        bases = self.timeline.bases(meeting)
        top = -1
        for s in stages:
            if s.levels is not None and level not in s.levels:
                continue
            if s.receiver_kinds is not None and (kind is None or kind not in s.receiver_kinds):
                continue
            if _passed(s.due(bases), self.today):
                top = max(top, RANK[s.step])  # type: ignore[index]
        return top

    def _level_threshold(self, level: int) -> int:
        if level not in self._by_level:
            self._by_level[level] = self._threshold(self.level_wide, level, None, None)
        return self._by_level[level]

    def _review_threshold(self, level: int, kind: str) -> int:
        if (level, kind) not in self._by_class:
            self._by_class[(level, kind)] = self._threshold(self.review_fixed, level, kind, None)
        return self._by_class[(level, kind)]

    # --- progress ----------------------------------------------------------------

    def progress(self, reviews: Sequence[Review]) -> tuple[dict[int, Progress], dict[int, Progress]]:
        """(own, subtree) progress of each review, from its tally rows."""
        own = {r.id: Progress(reviews=1) for r in reviews}
        sub = {r.id: Progress() for r in reviews}
        if not reviews:
            return own, sub
        by_id = {r.id: r for r in reviews}
        extensions = 0
        # One round trip: both tallies, and whether any extension is running (rarely).
        for what, rid, level, kind, stage, n in self._tally_rows(list(by_id)):
            if what == "x":
                extensions = n
            elif what == "r":
                late = RANK[stage] < self._level_threshold(level)  # Step is a StrEnum: its value finds it
                for p in (sub[rid], own[rid]) if level == by_id[rid].level else (sub[rid],):
                    p.by_stage[stage] += n
                    p.overdue += n if late else 0
            else:
                sub[rid].reviews += n
                if RANK[stage] < self._review_threshold(level, kind):
                    sub[rid].reviews_overdue += n
        self._per_review(reviews, own, sub)
        self._review_meetings(reviews, own, sub)
        if extensions:
            self._extensions(reviews, own, sub)
        for r in reviews:
            own[r.id].reviews_overdue = int(self._review_overdue(r))
        return own, sub

    def _tally_rows(self, ids: list[int]) -> Any:
        dialect = self.session.get_bind(ReporterTally.__mapper__).dialect.name
        params = {"ids": ids, "campaign_id": self.campaign_id, "today": self.today}
        return self.session.execute(_tally_statement(dialect), params)

    def own(self, reviews: Sequence[Review]) -> dict[int, Progress]:
        return self.progress(reviews)[0]

    def subtree(self, reviews: Sequence[Review]) -> dict[int, Progress]:
        return self.progress(reviews)[1]

    def _in_subtrees(self, reviews: Sequence[Review], *extra: object) -> list[tuple]:  # type: ignore[type-arg]
        conds = [and_(Review.path >= r.path, Review.path < path_upper(r.path)) for r in reviews]
        stmt = select(Review.id, Review.path, Review.level, Review.receiver_kind, Review.meeting_date).where(
            Review.campaign_id == self.campaign_id, or_(*conds), *extra
        )
        return list(self.session.execute(stmt))

    def _per_review(
        self, reviews: Sequence[Review], own: dict[int, Progress], sub: dict[int, Progress]
    ) -> None:
        """Reporter deadlines that depend on each review: only where one has passed."""
        if not self.per_review:
            return
        only_meetings = not any(s.receiver_kinds for s in self.per_review)
        found = self._in_subtrees(reviews, *([Review.meeting_date.is_not(None)] if only_meetings else []))
        extra: dict[int, tuple[str, int, int]] = {}  # review id -> (path, level, threshold rank)
        for rid, path, level, kind, meeting in found:
            thr = self._threshold(self.per_review, level, kind, meeting)
            if thr > self._level_threshold(level):
                extra[rid] = (path, level, thr)
        ids = list(extra)
        for i in range(0, len(ids), 2000):
            for rid, level, stage, n in self.session.execute(
                select(
                    ReporterTally.review_id, ReporterTally.level, ReporterTally.stage, ReporterTally.n
                ).where(ReporterTally.review_id.in_(ids[i : i + 2000]), ReporterTally.n != 0)
            ):
                path, own_level, thr = extra[rid]
                if level != own_level or not self._level_threshold(level) <= RANK[stage] < thr:
                    continue  # sub-reviews' reporters count in their own review; counted already
                for shown in reviews:
                    if path.startswith(shown.path):
                        sub[shown.id].overdue += n
                        if shown.id == rid:
                            own[shown.id].overdue += n

    def _review_meetings(
        self, reviews: Sequence[Review], own: dict[int, Progress], sub: dict[int, Progress]
    ) -> None:
        """Review deadlines relative to each review's meeting."""
        if not self.review_meeting:
            return
        stages = {
            rid: stage
            for rid, stage in self.session.execute(
                select(Review.id, Review.stage).where(
                    Review.campaign_id == self.campaign_id, Review.meeting_date.is_not(None)
                )
            )
        }
        for rid, path, level, kind, meeting in self._in_subtrees(reviews, Review.meeting_date.is_not(None)):
            thr = self._threshold(self.review_meeting, level, kind, meeting)
            fixed = self._threshold(self.review_fixed, level, kind, None)
            if RANK[stages[rid]] < thr and not RANK[stages[rid]] < fixed:
                for shown in reviews:
                    if path.startswith(shown.path):
                        sub[shown.id].reviews_overdue += 1

    def _extensions(
        self, reviews: Sequence[Review], own: dict[int, Progress], sub: dict[int, Progress]
    ) -> None:
        """Take back the reporters counted overdue whose every missed step was extended."""
        rows = list(
            self.session.execute(
                select(
                    Extension.reporter_id,
                    Extension.step,
                    Reporter.stage,
                    Reporter.level,
                    Reporter.review_id,
                    Reporter.review_path,
                    Review.receiver_kind,
                    Review.meeting_date,
                )
                .join(Reporter, Reporter.id == Extension.reporter_id)
                .join(Review, Review.id == Reporter.review_id)
                .where(Extension.campaign_id == self.campaign_id, Extension.until >= self.today)
            )
        )
        extended: dict[int, set[Step]] = {}
        info = {}
        for rid, step, stage, level, review_id, path, kind, meeting in rows:
            extended.setdefault(rid, set()).add(step)
            info[rid] = (stage, level, review_id, path, kind, meeting)
        for rid, steps in extended.items():
            stage, level, review_id, path, kind, meeting = info[rid]
            bases = self.timeline.bases(meeting)
            missed = {
                s.step
                for s in self.level_wide + self.per_review
                if s.applies(level, kind) and _passed(s.due(bases), self.today) and RANK[stage] < RANK[s.step]  # type: ignore[index]
            }
            if missed and missed <= steps:
                for shown in reviews:
                    if path.startswith(shown.path):
                        sub[shown.id].overdue -= 1
                        if shown.id == review_id:
                            own[shown.id].overdue -= 1

    # --- a review's own deadlines --------------------------------------------------

    def _review_overdue(self, review: Review) -> bool:
        key = (review.level, review.receiver_kind, review.meeting_date, review.stage)
        if key not in self._overdue:  # the same answer for every review of a class at a step
            self._overdue[key] = self._class_overdue(*key)
        return self._overdue[key]

    def _class_overdue(self, level: int, kind: str, meeting: date | None, stage: Any) -> bool:
        for d in self.timeline.for_class(level, kind, meeting):
            s = d.stage
            if (
                s.scope is Scope.REVIEW
                and s.step is not None
                and _passed(d.due, self.today)
                and RANK[stage] < RANK[s.step]
            ):
                return True
        return False
