"""Campaigns, reviews and reporters as plain dicts for the API, the portal and the CLI.

Names are fetched per list in one query each (no query per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from shuzhi.cycles import service
from shuzhi.cycles.models import Campaign, Reporter, Review
from shuzhi.cycles.stages import label


def campaign(
    session: Session, c: Campaign, *, with_progress: bool = False, today: date | None = None
) -> dict[str, Any]:
    pin = service.pin_of(session, c)
    out: dict[str, Any] = {
        "id": c.id,
        "year": c.year,
        "title": c.title,
        "policy_name": c.policy_name,
        "policy_version": pin.policy_version,
        "pin_id": c.pin_id,
        "receiver_org_id": c.receiver_org_id,
        "period_start": c.period_start,
        "period_end": c.period_end,
        "opened_on": c.opened_on,
        "status": c.status,
        "steps": list(c.steps),
        **service.review_counts(session, c),
        "progress": None,
    }
    if with_progress:
        root = service.root_review(session, c)
        out["progress"] = service.progress(session, c, [root], today=today)[1][root.id].as_dict()
    return out


def reviews(
    session: Session,
    c: Campaign,
    items: Sequence[Review],
    *,
    names: dict[int, str] | None = None,
    tline: Any = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Reviews with their own and rolled-up progress; ``sub_reviews`` counts every review below."""
    own, sub = service.progress(session, c, items, today=today, tline=tline)
    if names is None:
        names = {
            o.id: o.name for o in service.org_names(session, [r.receiver_org_id for r in items]).values()
        }
    stage_labels: dict[Any, str] = {}
    for r in items:
        if r.stage not in stage_labels:
            stage_labels[r.stage] = label(r.stage, review=True)
    return [
        {
            "id": r.id,
            "campaign_id": r.campaign_id,
            "parent_id": r.parent_id,
            "receiver_org_id": r.receiver_org_id,
            "receiver_name": names.get(r.receiver_org_id, ""),
            "level": r.level,
            "stage": r.stage,
            "stage_label": stage_labels[r.stage],
            "meeting_date": r.meeting_date,
            "sub_reviews": sub[r.id].reviews - 1,
            "own": own[r.id].as_dict(),
            "subtree": sub[r.id].as_dict(),
            "results": r.results,
        }
        for r in items
    ]


def reporters(session: Session, items: Sequence[Reporter]) -> list[dict[str, Any]]:
    orgs = service.org_names(session, [r.org_id for r in items])
    people = service.people_names(session, [r.person_id for r in items])
    return [
        {
            "id": r.id,
            "review_id": r.review_id,
            "org_id": r.org_id,
            "org_name": orgs[r.org_id].name if r.org_id in orgs else "",
            "person_id": r.person_id,
            "person_name": people.get(r.person_id) if r.person_id is not None else None,
            "title": r.title,
            "level": r.level,
            "stage": r.stage,
            "stage_label": label(r.stage),
            "mode": r.mode,
            "selection": r.selection,
            "subject": r.subject,
            "in_org_name": r.in_org_name,
            "tenure_days": r.tenure_days,
            "vacant": r.vacant,
            "note": r.note,
        }
        for r in items
    ]
