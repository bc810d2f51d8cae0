"""Dashboards (issue 7 item 7): a reviewer's reporters, a secretary's own steps with a countdown.

The tenant admin's dashboard is the campaign tree (:mod:`shuzhi.cycles.views`).
Each role's dashboard is the first item of its menu, so signing in lands there.

- **我的述职人** (reviewers): the reporters of the open campaigns whose orgs are in the
  reviewer's scope (``reports.review``), except the reviewer's own (a town secretary
  reviews his villages but reports to the county himself): stage, mode, the next
  deadline and whether it has passed (locked, extended, overdue).
- **我的述职** (secretaries): the reporter rows whose secretary is this account, each
  with its dated steps (its own and its review's: the meeting, the results) and a
  countdown in days — in working days where the policy counts working days (``wd``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, current_app, g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.auth.permissions import Perm, org_condition, require
from shuzhi.cycles import access, service
from shuzhi.cycles import timeline as tl
from shuzhi.cycles.calendar import is_working_day, parse_spec, today_in_china
from shuzhi.cycles.models import Campaign, CampaignStatus, Extension, Mode, Reporter, Review, Scope
from shuzhi.cycles.stages import RANK, Step, label
from shuzhi.db import db
from shuzhi.orgs.models import Org, Person
from shuzhi.tenancy.models import Role
from shuzhi.web import nav

bp = Blueprint("cycles_dash", __name__, url_prefix="/t/<tenant>", template_folder="templates")

# Each role's dashboard first in its menu (and so its landing page).
nav.register(nav.NavItem("cycles_dash.my_reporters", _l("我的述职人"), (Role.REVIEWER,), 2))
nav.register(nav.NavItem("cycles_dash.my_steps", _l("我的述职"), (Role.SECRETARY,), 3))


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is past)."""
    if end == start:
        return 0
    sign, a, b = (1, start, end) if end > start else (-1, end, start)
    n, day = 0, a + timedelta(days=1)
    while day <= b:
        n += is_working_day(day)
        day += timedelta(days=1)
    return sign * n


@dataclass
class Countdown:
    """One dated step for one reporter, as the dashboards show it."""

    name: str
    step: Step | None
    clause: str
    due: date | None
    extended_until: date | None = None
    reached: bool = False
    scope: Scope = Scope.REPORTER
    working: bool = False  # counted in working days (the policy's ``wd``)
    days_left: int | None = None  # calendar or working days, by ``working``

    @property
    def effective(self) -> date | None:
        if self.due is not None and self.extended_until is not None:
            return max(self.due, self.extended_until)
        return self.due

    @property
    def passed(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def locked(self) -> bool:
        """A reporter's step whose deadline has passed before it was reached: no late submit."""
        return self.scope is Scope.REPORTER and self.passed and not self.reached

    @property
    def overdue(self) -> bool:
        return self.passed and not self.reached

    @property
    def state(self) -> str:
        if self.reached:
            return "done"
        if self.locked:
            return "locked"
        if self.passed:
            return "overdue"
        if self.extended_until is not None:
            return "extended"
        if self.days_left is not None and self.days_left <= 7:
            return "soon"
        return "open" if self.due is not None else "undated"


def _countdown(d: tl.Due, reached: bool, ext: Extension | None, today: date) -> Countdown:
    s = d.stage
    working = False
    if s.spec:
        try:
            working = parse_spec(s.spec).working_days
        except ValueError:
            working = False
    c = Countdown(
        name=s.name,
        step=s.step,
        clause=s.clause,
        due=d.due,
        extended_until=ext.until if ext is not None else None,
        reached=reached,
        scope=s.scope,
        working=working,
    )
    eff = c.effective
    if eff is not None:
        c.days_left = working_days_between(today, eff) if working else (eff - today).days
    return c


def countdowns(
    reporter: Reporter,
    review: Review,
    tline: tl.Timeline,
    exts: dict[Step, Extension],
    today: date,
    *,
    with_review: bool = True,
) -> list[Countdown]:
    """The reporter's dated steps in timeline order: its own, and (``with_review``) its review's."""
    rank = RANK[Step(reporter.stage)]
    written = reporter.mode is Mode.WRITTEN
    out = []
    for d in tline.for_class(review.level, review.receiver_kind, review.meeting_date):
        s = d.stage
        if s.step is None or (s.scope is Scope.REVIEW and not with_review):
            continue
        if written and s.step is Step.MEETING and s.scope is Scope.REPORTER:
            continue  # written reporters pass the meeting by (CO-03)
        mine = s.scope is Scope.REPORTER
        reached = rank >= RANK[s.step] if mine else RANK[Step(review.stage)] >= RANK[s.step]
        out.append(_countdown(d, reached, exts.get(s.step) if mine else None, today))
    return out


def next_due(items: list[Countdown]) -> Countdown | None:
    """The first dated step not yet reached (the one that matters now)."""
    for c in items:
        if not c.reached and c.due is not None:
            return c
    return None


def _extensions(session: Session, reporter_ids: list[int]) -> dict[int, dict[Step, Extension]]:
    out: dict[int, dict[Step, Extension]] = defaultdict(dict)
    if reporter_ids:
        for e in session.scalars(select(Extension).where(Extension.reporter_id.in_(reporter_ids))):
            out[e.reporter_id][Step(e.step)] = e
    return out


def report_link(reporter_id: int, campaign_id: int) -> str:
    """The reporter's report in the editor (reports room) when it is installed, else the campaign."""
    if "report_editor.edit" in current_app.view_functions:
        return url_for("report_editor.edit", reporter_id=reporter_id)
    if "cycles_portal.campaign" in current_app.view_functions:
        return url_for("cycles_portal.campaign", campaign_id=campaign_id)
    return ""


@dataclass
class CampaignBlock:
    campaign: Campaign
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r["overdue"])


def _open_campaigns(session: Session) -> dict[int, Campaign]:
    return {c.id: c for c in session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.OPEN))}


def reviewer_rows(session: Session, who: access.Who, *, today: date | None = None) -> list[CampaignBlock]:
    """The reviewer's reporters (scope ``reports.review``), open campaigns, overdue first."""
    today = today or today_in_china()
    campaigns = _open_campaigns(session)
    if not campaigns:
        return []
    scope = org_condition(who.principal, Perm.REPORTS_REVIEW, who.tenant_id)
    rows = session.execute(
        select(Reporter, Org.name, Person.name, Person.user_id)
        .join(Org, Org.id == Reporter.org_id)
        .outerjoin(Person, Person.id == Reporter.person_id)
        .where(Reporter.campaign_id.in_(list(campaigns)), scope)
        .order_by(Reporter.campaign_id.desc(), Reporter.level, Org.code)
    ).all()
    # A reviewer is never their own reviewer: their own reporter row is on "my steps".
    rows = [r for r in rows if who.user_id is None or r[3] != who.user_id]
    reviews = (
        {
            rv.id: rv
            for rv in session.scalars(select(Review).where(Review.id.in_({r[0].review_id for r in rows})))
        }
        if rows
        else {}
    )
    receivers = service.org_names(session, {rv.receiver_org_id for rv in reviews.values()})
    exts = _extensions(session, [r[0].id for r in rows])
    tlines = {cid: service.timeline(session, c) for cid, c in campaigns.items()}
    blocks: dict[int, CampaignBlock] = {}
    for reporter, org_name, person_name, _uid in rows:
        review = reviews[reporter.review_id]
        items = countdowns(
            reporter,
            review,
            tlines[reporter.campaign_id],
            exts.get(reporter.id, {}),
            today,
            with_review=False,
        )
        nxt = next_due(items)
        block = blocks.setdefault(reporter.campaign_id, CampaignBlock(campaigns[reporter.campaign_id]))
        receiver = receivers.get(review.receiver_org_id)
        block.rows.append(
            {
                "reporter": reporter,
                "org_name": org_name,
                "person_name": person_name or "",
                "receiver_name": receiver.name if receiver is not None else "",
                "stage_label": label(reporter.stage),
                "onsite": reporter.mode is Mode.ONSITE,
                "next": nxt,
                "overdue": any(c.overdue for c in items),
                "locked": any(c.locked for c in items),
                "extended": any(c.extended_until is not None for c in items),
                "waiting_review": Step(reporter.stage) in (Step.PRE_REVIEW,),
                "link": report_link(reporter.id, reporter.campaign_id),
            }
        )
    for block in blocks.values():
        block.rows.sort(
            key=lambda r: (not r["overdue"], not r["waiting_review"], RANK[Step(r["reporter"].stage)])
        )
    return sorted(blocks.values(), key=lambda b: -b.campaign.year)


def secretary_rows(session: Session, who: access.Who, *, today: date | None = None) -> list[dict[str, Any]]:
    """The secretary's own reporter rows in open campaigns, each with its countdowns."""
    today = today or today_in_china()
    campaigns = _open_campaigns(session)
    if who.user_id is None or not campaigns:
        return []
    mine = [r for r in service.reporters_of_user(session, who.user_id) if r.campaign_id in campaigns]
    exts = _extensions(session, [r.id for r in mine])
    orgs = service.org_names(session, [r.org_id for r in mine])
    out = []
    for reporter in mine:
        campaign = campaigns[reporter.campaign_id]
        review = service.get_review(session, reporter.review_id)
        receiver = service.org_names(session, [review.receiver_org_id]).get(review.receiver_org_id)
        items = countdowns(
            reporter, review, service.timeline(session, campaign), exts.get(reporter.id, {}), today
        )
        steps = service.workflow(campaign).path(written=reporter.mode is Mode.WRITTEN)
        out.append(
            {
                "campaign": campaign,
                "reporter": reporter,
                "org_name": orgs[reporter.org_id].name if reporter.org_id in orgs else "",
                "receiver_name": receiver.name if receiver is not None else "",
                "review": review,
                "stage_label": label(reporter.stage),
                "onsite": reporter.mode is Mode.ONSITE,
                "steps": [(s, label(s), RANK[s] <= RANK[Step(reporter.stage)]) for s in steps],
                "countdowns": items,
                "next": next_due(items),
                "link": report_link(reporter.id, reporter.campaign_id),
            }
        )
    return out


def state_labels() -> dict[str, str]:
    return {
        "done": _("已完成"),
        "locked": _("已截止，已锁定"),
        "overdue": _("已逾期"),
        "extended": _("已延期"),
        "soon": _("即将截止"),
        "open": _("进行中"),
        "undated": _("无截止日期"),
    }


def _who() -> access.Who:
    return access.current()


@bp.get("/my/reporters")
@require(Perm.REPORTS_REVIEW)
def my_reporters(tenant: str) -> str:
    """A reviewer's reporters: stage, mode, next deadline, overdue first."""
    today = today_in_china()
    blocks = reviewer_rows(db.session, _who(), today=today)
    return render_template(
        "cycles/my_reporters.html", blocks=blocks, today=today, states=state_labels(), demo=_demo_note()
    )


@bp.get("/my/steps")
@require(Perm.TENANT_READ)
def my_steps(tenant: str) -> str:
    """A secretary's own steps and deadlines with a countdown."""
    today = today_in_china()
    rows = secretary_rows(db.session, _who(), today=today)
    return render_template(
        "cycles/my_steps.html", rows=rows, today=today, states=state_labels(), demo=_demo_note()
    )


def _demo_note() -> bool:
    """Whether the page is seen on the demo's clock (say so, rather than show a wrong 'today')."""
    days = current_app.config.get("SHUZHI_DEMO_DAYS") or {}
    tenant = g.get("tenant")
    return tenant is not None and tenant.slug in days
