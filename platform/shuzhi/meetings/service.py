"""On-site selection as a recorded decision (CO-03): prepare → commit → draw → confirm.

A public draw (YZ-02) goes through every step: the candidates are listed with
each exclusion and its reason (prepare), ``sha256(seed)`` is published and the
list frozen (commit), the seed is revealed and the result computed by the
public algorithm in front of the witnesses (draw), and the result becomes final
and sets the reporters' modes through the cycle engine (confirm). A named list
(SX-02) is prepared, named and confirmed; everyone (TJ-01, GH-02) is prepared
and confirmed. The selection comes from the ``shuzhi_select_onsite`` hook.

A confirmed decision never changes (YZ-02: 一经确定，不能更改). A change is a
new decision (:func:`redecide`) with a reason; the old one stays, marked
superseded. Every step is audited with the clause. Functions leave committing
to the caller and raise ``ShuzhiError`` (4xx, Chinese) before writing anything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.audit.service import record
from shuzhi.cycles import access
from shuzhi.cycles import service as cycles
from shuzhi.cycles.access import Who
from shuzhi.cycles.models import Campaign, Mode, Reporter
from shuzhi.cycles.models import Selection as CycleSelection
from shuzhi.errors import Conflict, NotFound, ValidationFailed
from shuzhi.meetings import algorithm
from shuzhi.meetings.models import Draw, DrawStatus, Method, OnsiteHistory
from shuzhi.meetings.selection import Candidate
from shuzhi.orgs.models import Org, Person, Post
from shuzhi.plugins import hooks
from shuzhi.policy.pinning import pinned_policy

MAX_WITNESSES = 20
ACTIVE = (DrawStatus.PREPARED, DrawStatus.COMMITTED, DrawStatus.DRAWN, DrawStatus.CONFIRMED)
SELECTION_OF = {
    Method.DRAW: CycleSelection.DRAW,
    Method.NAMED: CycleSelection.NAMED,
    Method.ALL: CycleSelection.ALL,
}


def _now() -> datetime:
    return datetime.now(UTC)


# --- reading -----------------------------------------------------------------------


def get_draw(session: Session, draw_id: int) -> Draw:
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise NotFound(_("找不到该现场述职人选记录。"))
    return draw


def draws_of(session: Session, campaign: Campaign) -> list[Draw]:
    """Every decision of the campaign, newest first (superseded ones included)."""
    return list(session.scalars(select(Draw).where(Draw.campaign_id == campaign.id).order_by(Draw.id.desc())))


def current_draw(session: Session, campaign: Campaign) -> Draw | None:
    return session.scalar(
        select(Draw)
        .where(Draw.campaign_id == campaign.id, Draw.status.in_(ACTIVE))
        .order_by(Draw.id.desc())
        .limit(1)
    )


def public_record(draw: Draw) -> dict[str, Any]:
    """What is published and what :func:`algorithm.verify` re-runs: the seed only once drawn."""
    revealed = draw.status in (DrawStatus.DRAWN, DrawStatus.CONFIRMED) or (
        draw.status is DrawStatus.SUPERSEDED and draw.drawn_at is not None
    )
    return {
        "id": draw.id,
        "campaign_id": draw.campaign_id,
        "method": draw.method.value,
        "status": draw.status.value,
        "clause": draw.clause,
        "places": draw.places,
        "algorithm": draw.algorithm,
        "candidates": [
            {
                "key": c["key"],
                "org": c["org"],
                "person": c["person"],
                "title": c["title"],
                "excluded": c.get("excluded", ""),
                "named": bool(c.get("named")),
            }
            for c in draw.candidates
        ],
        "candidates_digest": draw.candidates_digest,
        "commitment": draw.commitment,
        "seed": draw.seed if revealed else "",
        "public_input": draw.public_input if revealed else "",
        "result": list(draw.result),
        "witnesses": list(draw.witnesses),
        "decision": draw.decision,
        "committed_at": _iso(draw.committed_at),
        "drawn_at": _iso(draw.drawn_at),
        "confirmed_at": _iso(draw.confirmed_at),
        "confirmed_by": draw.confirmed_by,
        "supersedes_id": draw.supersedes_id,
        "superseded_at": _iso(draw.superseded_at),
        "superseded_by": draw.superseded_by,
        "superseded_reason": draw.superseded_reason,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- candidates --------------------------------------------------------------------


def onsite_years(session: Session, org_ids: list[int], before_year: int) -> dict[int, set[int]]:
    """org id → the earlier years its reporter reported on site: campaigns here, and recorded history.

    Only reports to a campaign's top body count (level 1): reporting on site at a
    sub-review's own meeting (SX-13) is not the meeting a draw selects for.
    """
    found: dict[int, set[int]] = {}
    rows = session.execute(
        select(Reporter.org_id, Campaign.year)
        .join(Campaign, Campaign.id == Reporter.campaign_id)
        .where(
            Campaign.year < before_year,
            Reporter.level == 1,
            Reporter.mode == Mode.ONSITE,
            Reporter.org_id.in_(org_ids),
        )
    )
    for org_id, year in rows:
        found.setdefault(org_id, set()).add(year)
    rows = session.execute(
        select(OnsiteHistory.org_id, OnsiteHistory.year).where(
            OnsiteHistory.year < before_year, OnsiteHistory.org_id.in_(org_ids)
        )
    )
    for org_id, year in rows:
        found.setdefault(org_id, set()).add(year)
    return found


def candidates(session: Session, campaign: Campaign) -> list[Candidate]:
    """The top review's reporters as candidates, by unit code (the key the public list shows)."""
    review = cycles.root_review(session, campaign)
    rows = session.execute(
        select(Reporter, Org.code, Org.name, Person.name, Post.start_date)
        .join(Org, Org.id == Reporter.org_id)
        .outerjoin(Person, Person.id == Reporter.person_id)
        .outerjoin(Post, Post.id == Reporter.post_id)
        .where(Reporter.review_id == review.id)
        .order_by(Org.code, Reporter.id)
    ).all()
    history = onsite_years(session, [r.org_id for r, *_rest in rows], campaign.year)
    out = []
    for reporter, code, org_name, person, start in rows:
        out.append(
            Candidate(
                key=code or f"#{reporter.org_id}",
                reporter_id=reporter.id,
                org_id=reporter.org_id,
                org=org_name,
                person=person or "",
                title=reporter.title,
                vacant=reporter.vacant,
                post_start=start,
                period_start=campaign.period_start,
                period_end=campaign.period_end,
                onsite_years=tuple(sorted(history.get(reporter.org_id, ()))),
            )
        )
    return out


def _select(session: Session, campaign: Campaign, cands: list[Candidate], seed: str) -> dict[str, Any]:
    """Ask the selection hook (first answer wins) for the campaign's pinned policy."""
    pin = cycles.pin_of(session, campaign)
    policy = pinned_policy(pin)
    found = hooks.first(
        "shuzhi_select_onsite", policy=policy, params=dict(pin.params), candidates=cands, seed=seed
    )
    if found is None:
        raise ValidationFailed(_("方案 %(name)s 没有提供现场述职人选的办法。", name=pin.policy_name))
    return dict(found.value)


def _snapshot(cands: list[Candidate], answer: dict[str, Any]) -> list[dict[str, Any]]:
    reasons = {c.key: reason for c, reason in answer.get("excluded", [])}
    rows = []
    for c in sorted(cands, key=lambda c: c.key):
        data = c.snapshot()
        data["excluded"] = reasons.get(c.key, "")
        rows.append(data)
    return rows


# --- the steps ---------------------------------------------------------------------


def prepare(session: Session, who: Who, campaign: Campaign, *, supersedes: Draw | None = None) -> Draw:
    """List the candidates with exclusions and reasons, or refresh a prepared list."""
    access.ensure_admin(who)
    cycles._ensure_open(campaign)
    existing = current_draw(session, campaign)
    if existing is not None and existing.status is not DrawStatus.PREPARED and existing is not supersedes:
        raise Conflict(_already(existing))
    cands = candidates(session, campaign)
    if not cands:
        raise ValidationFailed(_("该述职评议工作没有述职人，无法确定现场述职人选。"))
    answer = _select(session, campaign, cands, "")
    method = Method(answer["method"])
    snapshot = _snapshot(cands, answer)
    eligible = algorithm.eligible_keys(snapshot)
    places = int(answer.get("places") or 0)
    if method is not Method.ALL and places < 1:
        raise ValidationFailed(_("方案没有规定现场述职人数。"))
    if method is Method.DRAW and len(eligible) < places:
        raise ValidationFailed(
            _(
                "排除后候选人只有 %(n)s 人，少于抽选名额 %(places)s 人，无法抽选。",
                n=len(eligible),
                places=places,
            ),
            errors={"candidates": [_("候选人不足")]},
        )
    draw = existing if existing is not None and existing.status is DrawStatus.PREPARED else None
    before = None
    if draw is None:
        draw = Draw(campaign_id=campaign.id, review_id=cycles.root_review(session, campaign).id)
        draw.supersedes_id = supersedes.id if supersedes is not None else None
        session.add(draw)
    else:
        before = {
            "candidates": len(draw.candidates),
            "excluded": sum(1 for c in draw.candidates if c["excluded"]),
        }
    draw.method = method
    draw.status = DrawStatus.PREPARED
    draw.clause = str(answer.get("clause") or "CO-03")
    draw.places = len(eligible) if method is Method.ALL else places
    draw.algorithm = algorithm.ALGORITHM if method is Method.DRAW else ""
    draw.candidates = snapshot
    draw.result = [c.key for c in answer.get("selected", [])] if method is Method.ALL else []
    draw.prepared_by = who.label
    session.flush()
    excluded = len(snapshot) - len(eligible)
    record(
        session,
        "draw.prepare",
        target_type="draws",
        target_id=draw.id,
        summary=_(
            "列出现场述职候选人 %(n)s 人（排除 %(x)s 人），名额 %(places)s（%(clause)s）",
            n=len(snapshot),
            x=excluded,
            places=draw.places,
            clause=draw.clause,
        ),
        before=before,
        after={"method": method, "candidates": len(snapshot), "excluded": excluded, "places": draw.places},
    )
    return draw


def commit(session: Session, who: Who, draw: Draw, *, at: datetime | None = None) -> Draw:
    """Publish ``sha256(seed)`` and freeze the candidate list (YZ-02: seed committed before the draw)."""
    access.ensure_admin(who)
    _ensure_method(draw, Method.DRAW)
    if draw.status is not DrawStatus.PREPARED:
        raise Conflict(_already(draw))
    cycles._ensure_open(cycles.get_campaign(session, draw.campaign_id))
    seed = algorithm.new_seed()
    draw.seed = seed
    draw.commitment = algorithm.commitment(seed)
    draw.candidates_digest = algorithm.candidates_digest(algorithm.eligible_keys(draw.candidates))
    draw.status = DrawStatus.COMMITTED
    draw.committed_at, draw.committed_by = at or _now(), who.label
    session.flush()
    record(
        session,
        "draw.commit",
        target_type="draws",
        target_id=draw.id,
        summary=_("公布抽选承诺值 %(c)s（候选名单摘要 %(d)s）", c=draw.commitment, d=draw.candidates_digest),
        after={"commitment": draw.commitment, "candidates_digest": draw.candidates_digest},
    )
    return draw


def run_draw(
    session: Session, who: Who, draw: Draw, *, public_input: str = "", at: datetime | None = None
) -> Draw:
    """Reveal the seed and draw through the selection hook; the result must equal the public algorithm's."""
    access.ensure_admin(who)
    _ensure_method(draw, Method.DRAW)
    if draw.status is not DrawStatus.COMMITTED:
        if draw.status is DrawStatus.PREPARED:
            raise Conflict(_("请先公布承诺值（种子的哈希值），再进行抽选。"))
        raise Conflict(_already(draw))
    public_input = public_input.strip()
    if len(public_input) > 64:
        raise ValidationFailed(_("现场数字最多 64 个字符。"), errors={"public_input": [_("过长")]})
    campaign = cycles.get_campaign(session, draw.campaign_id)
    cycles._ensure_open(campaign)
    cands = [Candidate.from_snapshot(c) for c in draw.candidates]
    answer = _select(session, campaign, cands, algorithm.material(draw.seed, public_input))
    expected = algorithm.draw(draw.seed, algorithm.eligible_keys(draw.candidates), draw.places, public_input)
    got = [c.key for c in answer.get("selected", [])]
    frozen = {c["key"] for c in draw.candidates if c["excluded"]}
    if got != expected or {c.key for c, _r in answer.get("excluded", [])} != frozen:
        # A plugin that draws differently from the published rule would make the draw unverifiable.
        raise Conflict(_("插件的抽选结果与公布的算法或候选名单不一致，已停止抽选，请联系平台运维。"))
    draw.public_input = public_input
    draw.result = got
    draw.status = DrawStatus.DRAWN
    draw.drawn_at, draw.drawn_by = at or _now(), who.label
    session.flush()
    record(
        session,
        "draw.run",
        target_type="draws",
        target_id=draw.id,
        summary=_("公开抽选：种子 %(seed)s，抽中 %(result)s", seed=draw.seed, result="、".join(got)),
        after={"seed": draw.seed, "public_input": public_input, "result": got},
    )
    return draw


def add_witness(session: Session, who: Who, draw: Draw, *, name: str, role: str) -> Draw:
    """Record a witness of the draw (name and role) before the result is confirmed."""
    access.ensure_admin(who)
    if draw.status in (DrawStatus.CONFIRMED, DrawStatus.SUPERSEDED):
        raise Conflict(_already(draw))
    name, role = name.strip(), role.strip()
    errors = {}
    if not name:
        errors["name"] = [_("必填")]
    if not role:
        errors["role"] = [_("必填")]
    if len(name) > 50 or len(role) > 100:
        errors.setdefault("name", []).append(_("过长"))
    if errors:
        raise ValidationFailed(_("请填写见证人的姓名和身份（如：党代表、纪检干部）。"), errors=errors)
    if len(draw.witnesses) >= MAX_WITNESSES:
        raise ValidationFailed(_("见证人最多 %(n)s 人。", n=MAX_WITNESSES))
    if any(w["name"] == name for w in draw.witnesses):
        raise Conflict(_("见证人“%(name)s”已登记。", name=name))
    draw.witnesses = [*draw.witnesses, {"name": name, "role": role}]
    session.flush()
    record(
        session,
        "draw.witness",
        target_type="draws",
        target_id=draw.id,
        summary=_("登记见证人：%(name)s（%(role)s）", name=name, role=role),
        after={"name": name, "role": role},
    )
    return draw


def name_list(session: Session, who: Who, draw: Draw, *, keys: list[str], decision: str) -> Draw:
    """Record the list the body named (SX-02: 12 named by the 工委), with its decision."""
    access.ensure_admin(who)
    _ensure_method(draw, Method.NAMED)
    if draw.status is not DrawStatus.PREPARED:
        raise Conflict(_already(draw))
    decision = decision.strip()
    wanted = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    known = {c["key"] for c in draw.candidates}
    unknown = [k for k in wanted if k not in known]
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["keys"] = [_("不在候选名单中：%(keys)s", keys="、".join(unknown))]
    if len(wanted) != draw.places:
        errors.setdefault("keys", []).append(
            _("名单须为 %(places)s 人，现为 %(n)s 人。", places=draw.places, n=len(wanted))
        )
    if not decision:
        errors["decision"] = [_("请写明作出该名单的决定（会议、文号或日期）。")]
    if len(decision) > 500:
        errors["decision"] = [_("过长")]
    if errors:
        raise ValidationFailed(
            _("现场述职名单须为 %(places)s 人，且写明作出名单的决定。", places=draw.places), errors=errors
        )
    chosen = set(wanted)
    draw.candidates = [{**c, "named": c["key"] in chosen} for c in draw.candidates]
    draw.result = sorted(wanted)
    draw.decision = decision
    session.flush()
    record(
        session,
        "draw.named",
        target_type="draws",
        target_id=draw.id,
        summary=_("登记现场述职名单 %(n)s 人：%(decision)s", n=len(wanted), decision=decision),
        after={"result": draw.result, "decision": decision},
    )
    return draw


def confirm(session: Session, who: Who, draw: Draw, *, at: datetime | None = None) -> Draw:
    """Make the decision final and set the reporters' modes from it (CO-03)."""
    access.ensure_admin(who)
    if draw.status in (DrawStatus.CONFIRMED, DrawStatus.SUPERSEDED):
        raise Conflict(_already(draw))
    if draw.method is Method.DRAW:
        if draw.status is not DrawStatus.DRAWN:
            raise Conflict(_("尚未抽选，不能确认。"))
        if not draw.witnesses:
            raise ValidationFailed(
                _("公开抽选须至少登记一名见证人后才能确认。"), errors={"witnesses": [_("必填")]}
            )
    elif draw.method is Method.NAMED and not draw.result:
        raise ValidationFailed(_("请先登记现场述职名单。"), errors={"keys": [_("必填")]})
    campaign = cycles.get_campaign(session, draw.campaign_id)
    review = cycles.get_review(session, draw.review_id)
    by_key = {c["key"]: c["reporter_id"] for c in draw.candidates}
    onsite = [by_key[k] for k in draw.result]
    how = {
        Method.DRAW: _("公开随机抽选（%(clause)s，记录 #%(id)s）", clause=draw.clause, id=draw.id),
        Method.NAMED: _("名单：%(decision)s（%(clause)s）", decision=draw.decision, clause=draw.clause),
        Method.ALL: _("全部现场述职（%(clause)s）", clause=draw.clause),
    }[draw.method]
    cycles.apply_selection(session, who, review, onsite, SELECTION_OF[draw.method], decision=how)
    draw.status = DrawStatus.CONFIRMED
    draw.confirmed_at, draw.confirmed_by = at or _now(), who.label
    session.flush()
    record(
        session,
        "draw.confirm",
        target_type="draws",
        target_id=draw.id,
        summary=_("确认现场述职人选（%(title)s）：%(how)s", title=campaign.title, how=how),
        after={"result": list(draw.result), "witnesses": list(draw.witnesses)},
    )
    return draw


def redecide(session: Session, who: Who, draw: Draw, *, reason: str) -> Draw:
    """Start a new decision replacing a confirmed one (the old one stays, superseded, with the reason)."""
    access.ensure_admin(who)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("重新确定现场述职人选须写明理由（如经会议研究的决定）。"), errors={"reason": [_("必填")]}
        )
    if len(reason) > 500:
        raise ValidationFailed(_("理由最多 500 字。"), errors={"reason": [_("过长")]})
    if draw.status is not DrawStatus.CONFIRMED:
        raise Conflict(_("只有已确认的人选才需要重新决定；未确认的可以直接继续办理。"))
    campaign = cycles.get_campaign(session, draw.campaign_id)
    draw.status = DrawStatus.SUPERSEDED
    draw.superseded_at, draw.superseded_by, draw.superseded_reason = _now(), who.label, reason
    session.flush()
    new = prepare(session, who, campaign, supersedes=draw)
    record(
        session,
        "draw.redecide",
        target_type="draws",
        target_id=draw.id,
        summary=_("重新确定现场述职人选（原记录 #%(old)s 保留）：%(reason)s", old=draw.id, reason=reason),
        before={"status": DrawStatus.CONFIRMED, "result": list(draw.result)},
        after={"status": DrawStatus.SUPERSEDED, "new": new.id, "reason": reason},
    )
    return new


def record_history(session: Session, who: Who, *, org_id: int, year: int, note: str = "") -> OnsiteHistory:
    """Record that a unit reported on site in an earlier year the platform did not run (YZ-02)."""
    access.ensure_admin(who)
    if session.get(Org, org_id) is None:
        raise NotFound(_("找不到该组织。"))
    if not 1990 <= year <= 2100:
        raise ValidationFailed(_("年度有误。"), errors={"year": [_("年度有误")]})
    exists = session.scalar(
        select(OnsiteHistory).where(OnsiteHistory.org_id == org_id, OnsiteHistory.year == year)
    )
    if exists is not None:
        return exists
    row = OnsiteHistory(org_id=org_id, year=year, note=note.strip()[:300], recorded_by=who.label)
    session.add(row)
    session.flush()
    return row


def _ensure_method(draw: Draw, method: Method) -> None:
    if draw.method is not method:
        raise Conflict(_("该记录的办法是“%(m)s”，不能进行此操作。", m=method_label(draw.method)))


def _already(draw: Draw) -> str:
    if draw.status is DrawStatus.CONFIRMED:
        return _("现场述职人选已确认，不能再抽选或更改；如确需变更，请作出新的决定并写明理由。")
    if draw.status is DrawStatus.SUPERSEDED:
        return _("该记录已被新的决定取代，不能再更改。")
    if draw.status is DrawStatus.DRAWN:
        return _("已经抽选，结果不能重抽；请登记见证人并确认。")
    if draw.status is DrawStatus.COMMITTED:
        return _("已公布承诺值，候选名单和种子不能再改；请进行抽选。")
    return _("该记录正在准备中。")


def method_label(method: Method) -> str:
    return {
        Method.DRAW: _("公开随机抽选"),
        Method.NAMED: _("确定名单"),
        Method.ALL: _("全部现场述职"),
    }[method]


def status_label(status: DrawStatus) -> str:
    return {
        DrawStatus.PREPARED: _("候选名单已列出"),
        DrawStatus.COMMITTED: _("已公布承诺值，待抽选"),
        DrawStatus.DRAWN: _("已抽选，待确认"),
        DrawStatus.CONFIRMED: _("已确认"),
        DrawStatus.SUPERSEDED: _("已被新的决定取代"),
    }[status]
