"""The cycle engine's operations: open a campaign, move reporters and reviews through
their steps, adjust deadlines, grant extensions, close reviews and report upward.

The only module that writes the cycles tables. Every function works in the
caller's tenant scope and leaves committing to the caller; a refused
operation raises before writing anything (``ShuzhiError``: 4xx with a
Chinese message).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shuzhi.audit.service import record
from shuzhi.cycles import access, build, tallies
from shuzhi.cycles import timeline as tl
from shuzhi.cycles.access import Who
from shuzhi.cycles.calendar import SpecError, parse_spec, today_in_china
from shuzhi.cycles.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    Extension,
    Mode,
    Reporter,
    ReporterTally,
    Review,
    ReviewTally,
    Scope,
    Selection,
)
from shuzhi.cycles.rollup import Progress, Rollup
from shuzhi.cycles.stages import RANK, Step, Workflow, before, label
from shuzhi.errors import Conflict, NotFound, ValidationFailed
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org, Person, Post
from shuzhi.policy import pinning
from shuzhi.policy.models import PolicyPin
from shuzhi.policy.pinning import pin_policy, pinned_policy
from shuzhi.tenancy.models import Tenant
from shuzhi.tenancy.scope import tenant_of

BATCH = 5000


# --- reading -----------------------------------------------------------------------


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())))


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("找不到该述职评议工作。"))
    return campaign


def policy_upgrade(session: Session, campaign: Campaign) -> pinning.Upgrade | None:
    """What a newer plugin version would change in this campaign's pinned policy."""
    pin = session.get(PolicyPin, campaign.pin_id)
    return pinning.pending_upgrade(pin) if pin is not None else None


def apply_policy_upgrade(session: Session, campaign: Campaign, *, actor: str, reason: str) -> PolicyPin:
    """Re-pin the campaign to the loaded plugin's policy on an admin's reasoned choice.

    The old pin stays (superseded, visible); the change is audited by pinning
    and, through the campaign row, by the automatic audit trail.
    """
    if campaign.status.value != "open":
        raise Conflict(_("已结束的述职评议不能更换方案版本。"))
    pin = session.get(PolicyPin, campaign.pin_id)
    new = pinning.apply_upgrade(session, pin, actor=actor, reason=reason)
    campaign.pin_id = new.id
    session.flush()
    return new


def campaign_for_year(session: Session, year: int) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.year == year).order_by(Campaign.id.desc()))


def get_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound(_("找不到该述职评议单元。"))
    return review


def get_reporter(session: Session, reporter_id: int) -> Reporter:
    reporter = session.get(Reporter, reporter_id)
    if reporter is None:
        raise NotFound(_("找不到该述职人。"))
    return reporter


def root_review(session: Session, campaign: Campaign) -> Review:
    review = session.scalar(
        select(Review).where(Review.campaign_id == campaign.id, Review.parent_id.is_(None))
    )
    if review is None:
        raise NotFound(_("该述职评议工作没有评议单元。"))
    return review


#: What a review's row in a listing needs (read as plain rows: a page lists dozens).
REVIEW_COLUMNS = (
    Review.id,
    Review.campaign_id,
    Review.parent_id,
    Review.receiver_org_id,
    Review.path,
    Review.level,
    Review.receiver_kind,
    Review.stage,
    Review.meeting_date,
    Review.results,
)


def top_reviews(session: Session, campaign: Campaign) -> list[tuple[Any, str]]:
    """The top review and the reviews right under it (as rows), with the receiving orgs' names."""
    top = select(Review.id).where(Review.campaign_id == campaign.id, Review.parent_id.is_(None))
    rows = session.execute(
        select(*REVIEW_COLUMNS, Org.name.label("receiver_name"), Org.code.label("receiver_code"))
        .join(Org, Org.id == Review.receiver_org_id)
        .where(
            Review.campaign_id == campaign.id,
            # by parent (the index), not by level (every review of the campaign)
            or_(Review.parent_id.is_(None), Review.parent_id == top.scalar_subquery()),
        )
    ).all()
    rows.sort(key=lambda row: (row.level, row.receiver_code))
    return [(row, row.receiver_name) for row in rows]


def child_reviews(session: Session, review: Review) -> list[Review]:
    return list(
        session.scalars(
            select(Review)
            .join(Org, Org.id == Review.receiver_org_id)
            .where(Review.campaign_id == review.campaign_id, Review.parent_id == review.id)
            .order_by(Org.code)
        )
    )


def review_reporters(session: Session, review: Review) -> list[Reporter]:
    return list(
        session.scalars(
            select(Reporter)
            .join(Org, Org.id == Reporter.org_id)
            .where(Reporter.review_id == review.id)
            .order_by(Org.code)
        )
    )


def reporters_of_user(session: Session, user_id: int) -> list[Reporter]:
    """The reporters whose secretary is this account (a secretary's own steps)."""
    return list(
        session.scalars(
            select(Reporter)
            .join(Person, Person.id == Reporter.person_id)
            .where(Person.user_id == user_id)
            .order_by(Reporter.campaign_id.desc())
        )
    )


def workflow(campaign: Campaign) -> Workflow:
    return Workflow(tuple(Step(s) for s in campaign.steps))


def pin_of(session: Session, campaign: Campaign) -> PolicyPin:
    pin = session.get(PolicyPin, campaign.pin_id)
    assert pin is not None
    return pin


def deadlines(session: Session, campaign: Campaign) -> list[Deadline]:
    return list(
        session.scalars(
            select(Deadline).where(Deadline.campaign_id == campaign.id).order_by(Deadline.position)
        )
    )


def campaign_and_timeline(session: Session, campaign_id: int) -> tuple[Campaign, tl.Timeline]:
    """A campaign with its timeline, in one query (the campaign page reads both)."""
    rows = session.execute(
        select(Campaign, Deadline)
        .outerjoin(Deadline, Deadline.campaign_id == Campaign.id)
        .where(Campaign.id == campaign_id)
        .order_by(Deadline.position)
    ).all()
    if not rows:
        raise NotFound(_("找不到该述职评议工作。"))
    campaign = rows[0][0]
    stages = [tl.StagePlan.from_row(d) for _c, d in rows if d is not None]
    return campaign, tl.Timeline(stages, campaign.opened_on)


def timeline(session: Session, campaign: Campaign) -> tl.Timeline:
    return tl.Timeline([tl.StagePlan.from_row(d) for d in deadlines(session, campaign)], campaign.opened_on)


def org_names(session: Session, org_ids: Iterable[int]) -> dict[int, Org]:
    return orgs.orgs_by_id(session, org_ids)


def people_names(session: Session, person_ids: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({p for p in person_ids if p is not None})
    if not ids:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


# --- opening -----------------------------------------------------------------------


def default_title(year: int) -> str:
    return _("%(year)s年度党组织书记抓基层党建工作述职评议考核", year=year)


def _receiver(session: Session, receiver_org_id: int | None, pairs: dict[int, int]) -> Org:
    if receiver_org_id is not None:
        return orgs.get_org(session, receiver_org_id)
    tops = orgs.roots(session)
    with_reporters = [o for o in tops if o.id in set(pairs.values())]
    if len(tops) == 1:
        return tops[0]
    if len(with_reporters) == 1:
        return with_reporters[0]
    if not tops:
        raise ValidationFailed(_("还没有组织数据，请先导入组织树和述职关系。"))
    raise ValidationFailed(
        _("有多个顶层组织，请指定接受述职的组织。"), errors={"receiver_org_id": [_("必填")]}
    )


def _reserve_ids(session: Session, table: str, n: int) -> list[int]:
    """``n`` fresh ids, so a review's path (which holds its id) is known before its INSERT."""
    if n == 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return list(
            conn.execute(
                text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),
                {"n": n},
            ).scalars()
        )
    # SQLite numbers rows max(id) + 1; raw SQL so the maximum is over every tenant's rows.
    top = conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
    return list(range(top + 1, top + n + 1))


def open_campaign(
    session: Session,
    who: Who,
    *,
    year: int,
    period_start: date | None = None,
    period_end: date | None = None,
    receiver_org_id: int | None = None,
    title: str | None = None,
    today: date | None = None,
) -> Campaign:
    """Open the tenant's campaign for ``year`` under its adopted policy (CO-01).

    Pins the policy with the tenant's overrides, lays out its timeline, and creates
    one review per receiving body with reporters (nested by the reporting relations
    valid at the end of the period) and one reporter per reporting org, in bulk.
    """
    access.ensure_admin(who)
    tenant_id = tenant_of(session)
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    if not tenant.policy_name:
        raise ValidationFailed(_("请先在“述职方案”页面选择本单位采用的方案，再开启述职评议。"))
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度应为 2000 到 2100 之间的年份。"), errors={"year": [_("年份不正确")]})
    start = period_start or date(year, 1, 1)
    end = period_end or date(year, 12, 31)
    if end < start:
        raise ValidationFailed(
            _("述职期间的结束日期不能早于开始日期。"), errors={"period_end": [_("早于开始日期")]}
        )
    existing = session.scalar(
        select(Campaign).where(Campaign.year == year, Campaign.policy_name == tenant.policy_name)
    )
    if existing is not None:
        raise Conflict(
            _(
                "%(year)s 年度已按“%(policy)s”方案开启过述职评议（%(title)s），不能重复开启。",
                year=year,
                policy=tenant.policy_name,
                title=existing.title,
            )
        )

    pairs = orgs.relation_pairs(session, end)
    cycle = build.find_cycle(pairs)
    if cycle is not None:
        names = orgs.orgs_by_id(session, cycle)
        ring = " → ".join(names[i].name for i in [*cycle, cycle[0]] if i in names)
        raise ValidationFailed(
            _("述职关系存在循环：%(ring)s。请先在“述职关系”中修正后再开启。", ring=ring),
            errors={"relations": [ring]},
        )
    receiver = _receiver(session, receiver_org_id, pairs)
    nodes = build.review_tree(receiver.id, pairs)
    if not nodes:
        raise ValidationFailed(
            _("%(day)s 没有组织向 %(org)s 述职，请先导入述职关系。", day=end.isoformat(), org=receiver.name)
        )

    pin = pin_policy(session, tenant.policy_name, dict(tenant.policy_choices or {}) or None, actor=who.label)
    policy = pinned_policy(pin)
    params = pin.params
    opened = today or today_in_china()
    campaign = Campaign(
        year=year,
        title=(title or "").strip()[:200] or default_title(year),
        receiver_org_id=receiver.id,
        pin_id=pin.id,
        policy_name=pin.policy_name,
        period_start=start,
        period_end=end,
        opened_on=opened,
        status=CampaignStatus.OPEN,
        opened_by=who.label,
    )
    stages, flow = tl.plan(policy, params, campaign)
    campaign.steps = flow.as_list()
    session.add(campaign)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent opening won the race
        raise Conflict(_("%(year)s 年度的述职评议已由他人开启。", year=year)) from exc
    for s in stages:
        session.add(
            Deadline(
                campaign_id=campaign.id,
                key=s.key,
                name=s.name[:300],
                clause=s.clause,
                position=s.position,
                step=s.step,
                scope=s.scope,
                levels=list(s.levels) if s.levels is not None else None,
                receiver_kinds=list(s.receiver_kinds) if s.receiver_kinds is not None else None,
                spec=s.spec,
                policy_spec=s.policy_spec,
                reminders=list(s.reminders),
                source=s.source,
            )
        )
    session.flush()

    counts = _insert_tree(session, tenant_id, campaign, nodes, build.reporter_rules(policy, params))
    record(
        session,
        "campaign.open",
        target_type="campaigns",
        target_id=campaign.id,
        summary=_(
            "开启%(title)s：评议单元 %(reviews)s 个，述职人 %(reporters)s 人",
            title=campaign.title,
            reviews=counts["reviews"],
            reporters=counts["reporters"],
        ),
        after={
            "year": year,
            "policy": f"{pin.policy_name} {pin.policy_version}",
            "pin": pin.id,
            "period": [start, end],
            "receiver": receiver.id,
            "steps": campaign.steps,
            **counts,
        },
    )
    return campaign


def _insert_tree(
    session: Session,
    tenant_id: int,
    campaign: Campaign,
    nodes: list[build.ReviewNode],
    rules: build.ReporterRules,
) -> dict[str, int]:
    """Reviews and reporters with Core INSERTs in batches (a province has 100,000 reporters)."""
    all_ids = {n.receiver_id for n in nodes} | {r for n in nodes for r in n.reporters}
    kinds = {oid: kind.value for oid, kind in session.execute(select(Org.id, Org.kind)) if oid in all_ids}
    titles = sorted({build.SECRETARY, *build.REPORTING_TITLE.values()})
    end = campaign.period_end
    post_rows = session.execute(
        select(Post.org_id, Post.id, Post.person_id, Post.title, Post.start_date, Post.end_date).where(
            Post.title.in_(titles),
            Post.start_date <= end,
            (Post.end_date.is_(None)) | (Post.end_date >= end),
        )
    )
    posts = build.latest_posts(post_rows, kinds)

    ids = _reserve_ids(session, "reviews", len(nodes))
    review_of: dict[int, tuple[int, str]] = {}  # receiver org id -> (review id, path)
    review_rows = []
    now = datetime.now(UTC)
    for node, rid in zip(nodes, ids, strict=True):
        parent = review_of.get(node.parent_receiver_id) if node.parent_receiver_id is not None else None
        path = f"{parent[1] if parent else '/'}{rid}/"
        review_of[node.receiver_id] = (rid, path)
        review_rows.append(
            {
                "id": rid,
                "tenant_id": tenant_id,
                "campaign_id": campaign.id,
                "parent_id": parent[0] if parent else None,
                "receiver_org_id": node.receiver_id,
                "path": path,
                "level": node.level,
                "receiver_kind": kinds.get(node.receiver_id, ""),
                "stage": Step.PREPARE.value,
                "meeting_date": None,
                "results": None,
                "reported_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    conn = session.connection()
    for chunk in _chunks(review_rows, BATCH):
        conn.execute(insert(Review.__table__), chunk)

    reporter_rows = []
    onsite = 0
    for node in nodes:
        rid, path = review_of[node.receiver_id]
        # The policy's selection applies to the top review; sub-reviews meet in full (SX-13).
        selection = rules.selection if node.level == 1 else Selection.ALL
        mode = (Mode.ONSITE if selection is Selection.ALL else Mode.WRITTEN).value
        for org_id in node.reporters:
            info = build.reporter_info(
                kinds.get(org_id, ""), posts.get(org_id), rules, campaign.period_start, campaign.period_end
            )
            onsite += mode == Mode.ONSITE.value
            reporter_rows.append(
                {
                    "tenant_id": tenant_id,
                    "campaign_id": campaign.id,
                    "review_id": rid,
                    "review_path": path,
                    "org_id": org_id,
                    "person_id": info.person_id,
                    "post_id": info.post_id,
                    "title": info.title,
                    "level": node.level,
                    "stage": Step.PREPARE.value,
                    "mode": mode,
                    "selection": selection.value,
                    "subject": info.subject.value,
                    "in_org_name": info.in_org_name,
                    "tenure_days": info.tenure_days,
                    "vacant": info.vacant,
                    "note": info.note[:300],
                    "meeting_order": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    for chunk in _chunks(reporter_rows, BATCH):
        conn.execute(insert(Reporter.__table__), chunk)
    by_group = Counter((r["review_path"], r["level"]) for r in reporter_rows)
    tallies.apply(
        session,
        tenant_id,
        campaign.id,
        tallies.reporter_deltas(
            (path, lvl, "", Step.PREPARE.value, n) for (path, lvl), n in by_group.items()
        ),
        tallies.review_deltas(
            (r["path"], r["level"], r["receiver_kind"], "", Step.PREPARE.value, 1) for r in review_rows
        ),
    )
    return {
        "reviews": len(review_rows),
        "reporters": len(reporter_rows),
        "levels": max(n.level for n in nodes),
        "in_org_name": sum(r["in_org_name"] for r in reporter_rows),
        "vacant": sum(r["vacant"] for r in reporter_rows),
        "onsite": onsite,
    }


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- deadlines ---------------------------------------------------------------------


def _classes(
    session: Session, campaign: Campaign
) -> tuple[list[tuple[int, str]], list[tuple[tuple[int, str], tuple[int, str]]]]:
    """The campaign's review classes (level, receiving kind) and which nest in which."""
    classes = [
        (lvl, kind)
        for lvl, kind in session.execute(
            select(Review.level, Review.receiver_kind).where(Review.campaign_id == campaign.id).distinct()
        )
    ]
    parent = Review.__table__.alias("p")
    nesting = [
        ((cl, ck), (pl, pk))
        for cl, ck, pl, pk in session.execute(
            select(Review.level, Review.receiver_kind, parent.c.level, parent.c.receiver_kind)
            .join(parent, parent.c.id == Review.parent_id)
            .where(Review.campaign_id == campaign.id)
            .distinct()
        )
    ]
    return classes, nesting


def _meeting_classes(session: Session, campaign: Campaign) -> list[tuple[int, str, date]]:
    return [
        (lvl, kind, day)
        for lvl, kind, day in session.execute(
            select(Review.level, Review.receiver_kind, Review.meeting_date)
            .where(Review.campaign_id == campaign.id, Review.meeting_date.is_not(None))
            .distinct()
        )
    ]


def set_deadline(
    session: Session, who: Who, campaign: Campaign, key: str, spec: str | date | None, *, reason: str = ""
) -> Deadline:
    """Change one stage's deadline for this campaign (a date or a spec like ``meeting+10wd``).

    Refused (422) when it would fall after a later step's deadline, or a
    sub-review's after its parent's, for any review of the campaign.
    """
    access.ensure_admin(who)
    _ensure_open(campaign)
    row = session.scalar(select(Deadline).where(Deadline.campaign_id == campaign.id, Deadline.key == key))
    if row is None:
        raise NotFound(_("该述职评议工作没有名为 %(key)s 的阶段。", key=key))
    if isinstance(spec, date):
        text_spec: str | None = spec.isoformat()
    else:
        text_spec = (spec or "").strip() or None
    if text_spec is not None:
        try:
            parse_spec(text_spec)
        except SpecError as exc:
            raise ValidationFailed(
                _("截止日期应写成日期（2024-01-22）或相对写法（meeting+1m、open+10wd）。"),
                errors={"deadline": [_("写法不正确")]},
            ) from exc
    before_spec = row.spec
    if before_spec == text_spec:
        return row
    stages = [tl.StagePlan.from_row(d) for d in deadlines(session, campaign)]
    stages = [s.with_spec(text_spec) if s.key == key else s for s in stages]
    classes, nesting = _classes(session, campaign)
    tl.check(tl.Timeline(stages, campaign.opened_on), classes, nesting, _meeting_classes(session, campaign))
    row.spec = text_spec
    row.adjusted_by = who.label
    row.adjusted_reason = reason.strip()[:500]
    session.flush()
    record(
        session,
        "campaign.deadline",
        target_type="campaign_deadlines",
        target_id=row.id,
        summary=_(
            "调整「%(name)s」截止日期：%(before)s → %(after)s",
            name=row.name,
            before=before_spec or "-",
            after=text_spec or "-",
        ),
        before={"spec": before_spec},
        after={"spec": text_spec, "reason": reason.strip()[:500]},
    )
    return row


def set_meeting_date(session: Session, who: Who, review: Review, day: date | None) -> Review:
    """The review's meeting date (relative deadlines such as YZ-12's meeting+1m follow it)."""
    access.ensure_admin(who)
    campaign = get_campaign(session, review.campaign_id)
    _ensure_open(campaign)
    if day is not None:
        if day < campaign.period_start:
            raise ValidationFailed(
                _("会议日期不能早于述职期间的开始日期 %(day)s。", day=campaign.period_start.isoformat()),
                errors={"meeting_date": [_("日期太早")]},
            )
        tl.check(timeline(session, campaign), [], [], [(review.level, review.receiver_kind, day)])
    before_day = review.meeting_date
    review.meeting_date = day
    session.flush()
    record(
        session,
        "review.meeting_date",
        target_type="reviews",
        target_id=review.id,
        summary=_("会议日期：%(before)s → %(after)s", before=before_day or "-", after=day or "-"),
        before={"meeting_date": before_day},
        after={"meeting_date": day},
    )
    return review


def grant_extension(
    session: Session, who: Who, reporter: Reporter, step: Step, until: date, *, reason: str
) -> Extension:
    """Let one reporter take ``step`` after its deadline, until ``until`` (admins, with a reason)."""
    access.ensure_admin(who)
    if not reason.strip():
        raise ValidationFailed(_("延期须写明理由。"), errors={"reason": [_("必填")]})
    campaign = get_campaign(session, reporter.campaign_id)
    _ensure_open(campaign)
    review = get_review(session, reporter.review_id)
    guard = timeline(session, campaign).guard(
        step, Scope.REPORTER, review.level, review.receiver_kind, review.meeting_date
    )
    if guard is None:
        raise ValidationFailed(
            _("“%(step)s”阶段对该述职人没有截止日期，无需延期。", step=label(step)),
            errors={"step": [_("无截止日期")]},
        )
    if until <= guard.due:  # type: ignore[operator]
        raise ValidationFailed(
            _("延期后的日期应晚于原截止日期 %(due)s。", due=guard.due.isoformat()),  # type: ignore[union-attr]
            errors={"until": [_("应晚于原截止日期")]},
        )
    ext = session.scalar(
        select(Extension).where(Extension.reporter_id == reporter.id, Extension.step == step)
    )
    before_until = ext.until if ext else None
    if ext is None:
        ext = Extension(
            campaign_id=campaign.id,
            reporter_id=reporter.id,
            step=step,
            until=until,
            reason=reason.strip()[:500],
            granted_by=who.label,
        )
        session.add(ext)
    else:
        ext.until, ext.reason, ext.granted_by = until, reason.strip()[:500], who.label
    session.flush()
    record(
        session,
        "reporter.extension",
        target_type="reporters",
        target_id=reporter.id,
        summary=_(
            "“%(step)s”截止日期延至 %(until)s：%(reason)s",
            step=label(step),
            until=until.isoformat(),
            reason=reason.strip(),
        ),
        before={"until": before_until, "due": guard.due},
        after={"step": step, "until": until, "reason": reason.strip()[:500]},
    )
    return ext


def extensions_of(session: Session, reporter: Reporter) -> dict[Step, Extension]:
    return {e.step: e for e in session.scalars(select(Extension).where(Extension.reporter_id == reporter.id))}


# --- moving reporters and reviews ----------------------------------------------------


def _ensure_open(campaign: Campaign) -> None:
    if campaign.status is not CampaignStatus.OPEN:
        raise Conflict(_("该述职评议工作已结束，不能再修改。"))


def _check_step(flow: Workflow, step: Step) -> None:
    if not flow.uses(step):
        raise ValidationFailed(
            _("本次述职评议的方案没有“%(step)s”这一环节。", step=label(step)),
            errors={"to": [_("方案中没有该环节")]},
        )


def reporter_lock(
    session: Session,
    reporter: Reporter,
    step: Step,
    *,
    today: date | None = None,
    tline: tl.Timeline | None = None,
    review: Review | None = None,
) -> tl.Due | None:
    """The passed deadline that locks ``step`` for this reporter (None: open, or extended)."""
    today = today or today_in_china()
    review = review or get_review(session, reporter.review_id)
    tline = tline or timeline(session, get_campaign(session, reporter.campaign_id))
    guard = tline.guard(step, Scope.REPORTER, review.level, review.receiver_kind, review.meeting_date)
    if guard is None or guard.due is None or guard.due >= today:
        return None
    ext = session.scalar(
        select(Extension).where(Extension.reporter_id == reporter.id, Extension.step == step)
    )
    if ext is not None and ext.until >= today:
        return None
    return guard


def move_reporter(
    session: Session,
    who: Who,
    reporter: Reporter,
    target: Step,
    *,
    reason: str = "",
    today: date | None = None,
) -> Reporter:
    """Move one reporter to ``target``: the next step of its path, or back (admins, with a reason)."""
    campaign = get_campaign(session, reporter.campaign_id)
    _ensure_open(campaign)
    flow = workflow(campaign)
    _check_step(flow, target)
    current = Step(reporter.stage)
    if target is current:
        raise Conflict(_("述职人已处于“%(step)s”阶段。", step=label(target)))
    access.ensure_move_reporter(who, reporter.org_id, current=current, target=target, reason=reason)
    written = reporter.mode is Mode.WRITTEN
    if RANK[target] > RANK[current]:
        expected = flow.next_step(current, written=written)
        if target is not expected:
            if written and target is Step.MEETING:
                raise ValidationFailed(
                    _("书面述职的述职人不参加现场述职，请直接进入测评。"), errors={"to": [_("书面述职")]}
                )
            raise ValidationFailed(
                _(
                    "述职人只能从“%(current)s”进入下一环节“%(next)s”，不能跳到“%(to)s”。",
                    current=label(current),
                    next=label(expected) if expected else "-",
                    to=label(target),
                ),
                errors={"to": [_("不是下一环节")]},
            )
        locked = reporter_lock(session, reporter, target, today=today)
        if locked is not None:
            raise Conflict(
                _(
                    "「%(name)s」的截止日期 %(due)s 已过，不能再进入“%(step)s”；如确有特殊情况，请管理员为该述职人办理延期。",
                    name=locked.stage.name,
                    due=locked.due.isoformat(),  # type: ignore[union-attr]
                    step=label(target),
                )
            )
    reporter.stage = target
    session.flush()
    tallies.apply(
        session,
        reporter.tenant_id,
        reporter.campaign_id,
        tallies.reporter_deltas([(reporter.review_path, reporter.level, current.value, target.value, 1)]),
    )
    record(
        session,
        "reporter.transition",
        target_type="reporters",
        target_id=reporter.id,
        summary=_("%(from)s → %(to)s", **{"from": label(current), "to": label(target)})
        + (f"：{reason.strip()}" if reason.strip() else ""),
        before={"stage": current},
        after={"stage": target, "reason": reason.strip()[:500]},
    )
    return reporter


def set_mode(session: Session, who: Who, reporter: Reporter, mode: Mode, *, reason: str) -> Reporter:
    """An admin's recorded decision on how one reporter reports (CO-03: never silently)."""
    access.ensure_admin(who)
    campaign = get_campaign(session, reporter.campaign_id)
    _ensure_open(campaign)
    if not reason.strip():
        raise ValidationFailed(_("改变述职方式须写明理由。"), errors={"reason": [_("必填")]})
    if RANK[Step(reporter.stage)] >= RANK[Step.MEETING]:
        raise Conflict(_("述职人已进入述职评议环节，不能再改变述职方式。"))
    if reporter.mode is mode:
        return reporter
    before_mode, before_sel = reporter.mode, reporter.selection
    reporter.mode, reporter.selection = mode, Selection.MANUAL
    session.flush()
    record(
        session,
        "reporter.mode",
        target_type="reporters",
        target_id=reporter.id,
        summary=_(
            "述职方式改为%(mode)s：%(reason)s",
            mode=_("现场述职") if mode is Mode.ONSITE else _("书面述职"),
            reason=reason.strip(),
        ),
        before={"mode": before_mode, "selection": before_sel},
        after={"mode": mode, "selection": Selection.MANUAL, "reason": reason.strip()[:500]},
    )
    return reporter


def apply_selection(
    session: Session,
    who: Who,
    review: Review,
    onsite: Iterable[int],
    selection: Selection,
    *,
    decision: str,
) -> int:
    """Set the modes of a review's reporters from a recorded selection (CO-03): the reporters
    in ``onsite`` (ids) on site, every other in writing, all marked with how it was decided.

    The selection itself (a draw, a named list) is recorded by the meetings room; this
    refuses once a reporter is at the meeting, and audits each changed reporter (automatic)
    and the decision as one event. Returns how many reporters changed.
    """
    access.ensure_admin(who)
    campaign = get_campaign(session, review.campaign_id)
    _ensure_open(campaign)
    chosen = set(onsite)
    reporters = review_reporters(session, review)
    unknown = chosen - {r.id for r in reporters}
    if unknown:
        raise ValidationFailed(_("所选述职人不属于该评议单元。"), errors={"onsite": sorted(str(i) for i in unknown)})
    late = [r for r in reporters if RANK[Step(r.stage)] >= RANK[Step.MEETING]]
    if late:
        raise Conflict(_("已有述职人进入述职评议环节，不能再改变述职方式。"))
    changed = 0
    for r in reporters:
        mode = Mode.ONSITE if r.id in chosen else Mode.WRITTEN
        if r.mode is not mode or r.selection is not selection:
            r.mode, r.selection = mode, selection
            changed += 1
    session.flush()
    record(
        session,
        "review.selection",
        target_type="reviews",
        target_id=review.id,
        summary=_(
            "确定现场述职人 %(n)s 人，其余书面述职：%(decision)s",
            n=len(chosen),
            decision=decision,
        ),
        after={"selection": selection, "onsite": sorted(chosen), "changed": changed},
    )
    return changed


def _short_of(session: Session, review: Review, step: Step, *, onsite_only: bool = False) -> int:
    stmt = select(func.count()).where(Reporter.review_id == review.id, Reporter.stage.in_(before(step)))
    if onsite_only:
        stmt = stmt.where(Reporter.mode == Mode.ONSITE)
    return session.scalar(stmt) or 0


def move_review(
    session: Session, who: Who, review: Review, target: Step, *, reason: str = "", today: date | None = None
) -> Review:
    """Move a review to ``target``. Forward moves wait for its reporters (and, to close, for
    its sub-reviews: bottom-up, JX-04); closing reports its results upward (JX-04, SX-14)."""
    campaign = get_campaign(session, review.campaign_id)
    _ensure_open(campaign)
    flow = workflow(campaign)
    _check_step(flow, target)
    current = Step(review.stage)
    if target is current:
        raise Conflict(_("该评议单元已处于“%(step)s”阶段。", step=label(target, review=True)))
    access.ensure_move_review(who, current=current, target=target, reason=reason)
    if RANK[target] > RANK[current]:
        expected = flow.next_step(current, review=True)
        if target is not expected:
            raise ValidationFailed(
                _(
                    "评议单元只能从“%(current)s”进入下一环节“%(next)s”。",
                    current=label(current, review=True),
                    next=label(expected, review=True) if expected else "-",
                ),
                errors={"to": [_("不是下一环节")]},
            )
        _review_guard(session, review, target)
    review.stage = target
    tallies.apply(
        session,
        review.tenant_id,
        review.campaign_id,
        reviews=tallies.review_deltas(
            [(review.path, review.level, review.receiver_kind, current.value, target.value, 1)]
        ),
    )
    if target is Step.CLOSED:
        _report_up(session, review, today or today_in_china())
    elif review.results is not None:
        review.results, review.reported_at = None, None  # reopened: the report upward is withdrawn
    session.flush()
    record(
        session,
        "review.transition",
        target_type="reviews",
        target_id=review.id,
        summary=_(
            "%(from)s → %(to)s", **{"from": label(current, review=True), "to": label(target, review=True)}
        )
        + (f"：{reason.strip()}" if reason.strip() else ""),
        before={"stage": current},
        after={"stage": target, "reason": reason.strip()[:500]},
    )
    if target is Step.CLOSED and review.parent_id is None:
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_at = datetime.now(UTC)
        session.flush()
    return review


def _review_guard(session: Session, review: Review, target: Step) -> None:
    if RANK[target] < RANK[Step.SUBMITTED]:
        return
    if target is Step.MEETING:
        waiting = _short_of(session, review, Step.SUBMITTED, onsite_only=True)
        if waiting:
            raise Conflict(_("还有 %(n)s 名现场述职人未提交述职报告，不能召开述职评议会议。", n=waiting))
        if review.meeting_date is None:
            raise ValidationFailed(_("请先确定会议日期。"), errors={"meeting_date": [_("必填")]})
        return
    need = Step.FILED if target is Step.CLOSED else target
    waiting = _short_of(session, review, need)
    if waiting:
        raise Conflict(
            _(
                "还有 %(n)s 名述职人未到“%(step)s”环节，评议单元不能进入“%(to)s”。",
                n=waiting,
                step=label(need),
                to=label(target, review=True),
            )
        )
    if target is Step.CLOSED:
        open_children = session.scalar(
            select(func.count()).where(Review.parent_id == review.id, Review.stage != Step.CLOSED)
        )
        if open_children:
            raise Conflict(
                _("还有 %(n)s 个下级评议单元未结束并上报结果，述职评议应自下而上完成。", n=open_children)
            )


def _report_up(session: Session, review: Review, today: date) -> None:
    """Close the review's reporters and keep the results it reports upward (JX-04, SX-14)."""
    campaign = get_campaign(session, review.campaign_id)
    tline = timeline(session, campaign)
    own_p, sub_p = Rollup(session, campaign.id, tline, today).progress([review])
    own, sub = own_p[review.id], sub_p[review.id]
    stats = session.execute(
        select(
            func.count(),
            func.sum(func.cast(Reporter.in_org_name, Integer())),
            func.sum(func.cast(Reporter.vacant, Integer())),
            func.sum(func.cast(Reporter.mode == Mode.ONSITE, Integer())),
        ).where(Reporter.review_id == review.id)
    ).one()
    moving = session.execute(
        select(Reporter.level, Reporter.stage, func.count())
        .where(Reporter.review_id == review.id, Reporter.stage != Step.CLOSED)
        .group_by(Reporter.level, Reporter.stage)
    ).all()
    tallies.apply(
        session,
        review.tenant_id,
        review.campaign_id,
        tallies.reporter_deltas(
            (review.path, lvl, stage.value, Step.CLOSED.value, n) for lvl, stage, n in moving
        ),
    )
    session.execute(
        update(Reporter)
        .where(Reporter.review_id == review.id, Reporter.stage != Step.CLOSED)
        .values(stage=Step.CLOSED)
        .execution_options(synchronize_session="fetch")
    )
    review.results = {
        "reporters": int(stats[0] or 0),
        "onsite": int(stats[3] or 0),
        "in_org_name": int(stats[1] or 0),
        "vacant": int(stats[2] or 0),
        "own": own.as_dict(),
        "subtree": sub.as_dict(),
        "closed_on": today.isoformat(),
    }
    review.reported_at = datetime.now(UTC)
    receiver = orgs.get_org(session, review.receiver_org_id)
    parent = get_review(session, review.parent_id) if review.parent_id else None
    to_org = orgs.get_org(session, parent.receiver_org_id) if parent else None
    record(
        session,
        "review.report_up",
        target_type="reviews",
        target_id=parent.id if parent else review.id,
        summary=_(
            "%(org)s 报告述职评议结果：述职 %(n)s 人，其中现场述职 %(onsite)s 人；下级评议单元 %(subs)s 个",
            org=receiver.name,
            n=review.results["reporters"],
            onsite=review.results["onsite"],
            subs=sub.reviews - 1,
        )
        + (_("（报 %(to)s）", to=to_org.name) if to_org else ""),
        after={"review": review.id, "results": review.results},
    )


# --- progress ------------------------------------------------------------------------


def rollup(session: Session, campaign: Campaign, *, today: date | None = None) -> Rollup:
    return Rollup(session, campaign.id, timeline(session, campaign), today or today_in_china())


def progress(
    session: Session,
    campaign: Campaign,
    reviews: Sequence[Review],
    *,
    today: date | None = None,
    tline: tl.Timeline | None = None,
) -> tuple[dict[int, Progress], dict[int, Progress]]:
    """(own, subtree) progress of ``reviews``."""
    tline = tline or timeline(session, campaign)
    return Rollup(session, campaign.id, tline, today or today_in_china()).progress(reviews)


def reporter_deadlines(
    session: Session, reporter: Reporter, *, today: date | None = None
) -> list[dict[str, Any]]:
    """The reporter's dated steps: due date, extension, whether passed, locked, overdue."""
    today = today or today_in_china()
    campaign = get_campaign(session, reporter.campaign_id)
    review = get_review(session, reporter.review_id)
    tline = timeline(session, campaign)
    exts = extensions_of(session, reporter)
    rank = RANK[Step(reporter.stage)]
    out = []
    for d in tline.for_class(review.level, review.receiver_kind, review.meeting_date):
        s = d.stage
        if s.scope is not Scope.REPORTER or s.step is None:
            continue
        ext = exts.get(s.step)
        effective = max(d.due, ext.until) if (d.due and ext) else d.due
        reached = rank >= RANK[s.step]
        passed = effective is not None and effective < today
        out.append(
            {
                "key": s.key,
                "name": s.name,
                "clause": s.clause,
                "step": s.step,
                "due": d.due,
                "extended_until": ext.until if ext else None,
                "reached": reached,
                "locked": passed and not reached,
                "overdue": passed and not reached,
                "days_left": (effective - today).days if effective is not None else None,
                # CO-06: reminders before the deadline (the notify room sends them)
                "reminders": [effective - timedelta(days=n) for n in s.reminders] if effective else [],
            }
        )
    return out


def review_counts(session: Session, campaign: Campaign) -> dict[str, int]:
    """Reviews and reporters of a campaign, off the top review's tallies (a listing counts no rows)."""
    top = (
        select(Review.id)
        .where(Review.campaign_id == campaign.id, Review.parent_id.is_(None))
        .scalar_subquery()
    )
    reporters, reviews = session.execute(
        select(
            select(func.coalesce(func.sum(ReporterTally.n), 0))
            .where(ReporterTally.review_id == top)
            .scalar_subquery(),
            select(func.coalesce(func.sum(ReviewTally.n), 0))
            .where(ReviewTally.review_id == top)
            .scalar_subquery(),
        )
    ).one()
    return {"reviews": int(reviews), "reporters": int(reporters)}
