"""The reports room's operations: drafts, submit, return, approve, comments, members, diff.

The only module that writes the reports tables. Every function works in the
caller's tenant scope and leaves committing to the caller; a refused operation
raises (a ``ShuzhiError``: 4xx with a Chinese message) before it writes anything.

The reporter's steps belong to the cycle engine: reports moves them through
``shuzhi.cycles.service`` (so tallies, locks and the audit trail stay the
cycle engine's), imported when a function runs, never at import time — cycles
may import reports, not the other way round at import (ADR 0018).

``user`` is whoever acts: a ``User``, a cycles ``Who`` or an
:class:`~shuzhi.reports.access.Actor`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzhi.audit.service import record
from shuzhi.db import utcnow
from shuzhi.errors import Conflict, NotFound, ValidationFailed
from shuzhi.reports import access
from shuzhi.reports.access import Actor, actor_of
from shuzhi.reports.check import CheckResult, check_text
from shuzhi.reports.models import (
    AttachmentKind,
    CommentKind,
    DecisionAction,
    MemberRole,
    Report,
    ReportAttachment,
    ReportComment,
    ReportDecision,
    ReportMember,
    ReportStatus,
    ReportVersion,
    VersionKind,
)
from shuzhi.reports.parse import parse_report
from shuzhi.reports.requirements import Requirements, derive
from shuzhi.reports.uploads import text_blocks
from shuzhi.tenancy.scope import TENANT_KEY, tenant_of

if TYPE_CHECKING:
    from shuzhi.policy.model import Policy

#: Largest report text accepted (a 30,000字 report is ~90,000 bytes of UTF-8).
MAX_TEXT_CHARS = 200_000
MAX_COMMENT_CHARS = 2000

#: Statuses in which the secretary writes (a submitted report waits for its reviewer).
WRITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})

STATUS_LABELS = {
    ReportStatus.DRAFT: _l("撰写中"),
    ReportStatus.PRE_REVIEW: _l("待审核"),
    ReportStatus.SUBMITTED: _l("已提交"),
    ReportStatus.RETURNED: _l("已退回修改"),
    ReportStatus.APPROVED: _l("审核通过"),
}


def status_label(status: ReportStatus | str) -> str:
    return str(STATUS_LABELS[ReportStatus(status)])


def _cycles() -> Any:
    """The cycle engine's service, imported on use (see the module docstring)."""
    from shuzhi.cycles import service

    return service


def _actor(user: Any, session: Session) -> Actor:
    return actor_of(user, session.info.get(TENANT_KEY))


def _who(actor: Actor) -> Any:
    """The cycles' ``Who`` for the same actor (cycles asks it about campaigns)."""
    from shuzhi.cycles.access import Who

    if isinstance(actor, Who):
        return actor
    return Who(actor.label, actor.user_id, actor.principal, actor.tenant_id, actor.operator)


# --- the policy a report is checked against ------------------------------------------

_POLICY_CACHE: OrderedDict[tuple[int, str], tuple[Any, dict[str, Any]]] = OrderedDict()
_POLICY_LOCK = threading.Lock()


def policy_of(session: Session, report: Report) -> tuple[Policy, dict[str, Any]]:
    """The campaign's pinned policy and resolved parameters (kept per pin: pins never change)."""
    from shuzhi.policy.pinning import pinned_params, pinned_policy

    cycles = _cycles()
    pin = cycles.pin_of(session, cycles.get_campaign(session, report.campaign_id))
    key = (
        pin.id,
        hashlib.sha256(f"{pin.source}\0{json.dumps(pin.overrides, sort_keys=True)}".encode()).hexdigest(),
    )
    with _POLICY_LOCK:
        hit = _POLICY_CACHE.get(key)
    if hit is None:
        hit = (pinned_policy(pin), pinned_params(pin))
        with _POLICY_LOCK:
            _POLICY_CACHE[key] = hit
            while len(_POLICY_CACHE) > 32:
                _POLICY_CACHE.popitem(last=False)
    return hit


def requirements(session: Session, report: Report) -> Requirements:
    """What the plan asks of this report's way to the meeting (pre-review, seal, 核查组)."""
    cycles = _cycles()
    campaign = cycles.get_campaign(session, report.campaign_id)
    policy, _params = policy_of(session, report)
    return derive(policy, cycles.timeline(session, campaign).stages, list(campaign.steps))


def _corrections(raw: dict[str, Any] | None) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    for k, v in (raw or {}).items():
        try:
            out[int(k)] = v if v else None
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("提纲更正的标题序号应为数字。"), errors={"corrections": [str(k)]}
            ) from None
    return out


def run_check(
    session: Session,
    report: Report,
    text: str,
    corrections: dict[Any, Any] | None = None,
    speech: str = "",
) -> CheckResult:
    """Check ``text`` (and the on-site speech, SX-06) against the pinned policy with the org's 必答题,
    and (TJ-07, JX-03, SX-12) whether it answers the org's unfinished rectification items of last year."""
    from shuzhi.rectification import matching

    policy, params = policy_of(session, report)
    parsed = parse_report(
        text_blocks(text), policy, corrections=_corrections(corrections), documents=speech_documents(speech)
    )
    carried: list[Any] = []
    if matching.clause_of(c.id for c in policy.clauses):
        from shuzhi.rectification import service as rectification

        carried = rectification.carried_for(session, report.campaign_id, report.org_id)
    return check_text(policy, params, parsed, report.topics or (), carried)


def speech_documents(speech: str | None) -> dict[str, str]:
    """The other documents checked with the report: the on-site speech when there is one (SX-06).

    An empty speech is no speech: written reporters have none, and a plan's speech rule
    says nothing about a report without one."""
    return {"speech": speech} if speech and speech.strip() else {}


# --- reading -------------------------------------------------------------------------


def get_report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)  # within the tenant scope (shuzhi.db.ScopedSession)
    if report is None:
        raise NotFound(_("找不到该述职报告。"))
    return report


def report_of(session: Session, reporter_id: int) -> Report | None:
    return session.scalar(select(Report).where(Report.reporter_id == reporter_id))


def get_or_create_report(session: Session, reporter: Any) -> Report:
    """The reporter's report, made on first use (one per reporter per campaign)."""
    found = report_of(session, reporter.id)
    if found is not None:
        return found
    report = Report(
        reporter_id=reporter.id,
        campaign_id=reporter.campaign_id,
        org_id=reporter.org_id,
        status=ReportStatus.DRAFT,
        topics=[],
    )
    session.add(report)
    session.flush()
    return report


def versions(session: Session, report: Report) -> list[ReportVersion]:
    return list(
        session.scalars(
            select(ReportVersion).where(ReportVersion.report_id == report.id).order_by(ReportVersion.number)
        )
    )


def get_version(session: Session, report: Report, number: int) -> ReportVersion:
    version = session.scalar(
        select(ReportVersion).where(ReportVersion.report_id == report.id, ReportVersion.number == number)
    )
    if version is None:
        raise NotFound(_("找不到第 %(n)d 版。", n=number))
    return version


def latest(session: Session, report: Report, kind: VersionKind | None = None) -> ReportVersion | None:
    stmt = select(ReportVersion).where(ReportVersion.report_id == report.id)
    if kind is not None:
        stmt = stmt.where(ReportVersion.kind == kind)
    return session.scalar(stmt.order_by(ReportVersion.number.desc()).limit(1))


def current_draft(session: Session, report: Report) -> ReportVersion | None:
    """The draft being written: the latest version if it is a draft (a submit starts a new one)."""
    last = latest(session, report)
    return last if last is not None and last.kind is VersionKind.DRAFT else None


def comments(session: Session, report: Report) -> list[ReportComment]:
    return list(
        session.scalars(
            select(ReportComment)
            .where(ReportComment.report_id == report.id)
            .order_by(ReportComment.version_id, ReportComment.paragraph, ReportComment.id)
        )
    )


def decisions(session: Session, report: Report) -> list[ReportDecision]:
    return list(
        session.scalars(
            select(ReportDecision).where(ReportDecision.report_id == report.id).order_by(ReportDecision.id)
        )
    )


def members(session: Session, report: Report) -> list[ReportMember]:
    return list(
        session.scalars(
            select(ReportMember).where(ReportMember.report_id == report.id).order_by(ReportMember.id)
        )
    )


def attachments(session: Session, report: Report) -> list[ReportAttachment]:
    return list(
        session.scalars(
            select(ReportAttachment)
            .where(ReportAttachment.report_id == report.id)
            .order_by(ReportAttachment.id)
        )
    )


def paragraphs(text: str) -> list[str]:
    """The version's paragraphs as comments and the diff number them: its non-empty lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- writing -------------------------------------------------------------------------


def _ensure_open(session: Session, report: Report) -> Any:
    cycles = _cycles()
    campaign = cycles.get_campaign(session, report.campaign_id)
    if campaign.status.value != "open":
        raise Conflict(_("该述职评议工作已结束，报告不能再修改。"))
    return campaign


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise ValidationFailed(_("报告内容应为文本。"), errors={"text": [_("应为文本")]})
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationFailed(
            _("报告太长（%(n)d 字符），不能超过 %(limit)d 字符。", n=len(text), limit=MAX_TEXT_CHARS),
            errors={"text": [_("太长")]},
        )
    if "\x00" in text:
        raise ValidationFailed(_("报告内容含有无法识别的字符。"), errors={"text": [_("含有无效字符")]})
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _to_drafting(session: Session, report: Report, actor: Actor) -> None:
    """The reporter reaches the drafting step when its report is first written."""
    from shuzhi.cycles.stages import RANK, Step

    cycles = _cycles()
    reporter = cycles.get_reporter(session, report.reporter_id)
    flow = cycles.workflow(cycles.get_campaign(session, report.campaign_id))
    # bookkeeping on the writer's behalf (co-authors included): the edit right was checked above
    mover = _who(Actor(actor.label, actor.user_id, operator=True))
    while RANK[Step(reporter.stage)] < RANK[Step.DRAFTING]:
        nxt = flow.next_step(Step(reporter.stage), written=reporter.mode.value == "written")
        if nxt is None or RANK[nxt] > RANK[Step.DRAFTING]:
            break
        cycles.move_reporter(session, mover, reporter, nxt)


def save_draft(
    session: Session,
    report: Report,
    text: str,
    *,
    user: Any,
    corrections: dict[Any, Any] | None = None,
    source: str = "editor",
    speech: str | None = None,
    fresh: bool = False,
) -> ReportVersion:
    """Autosave: rewrite the current draft, or start a new draft after a submit (CO-02).

    ``speech`` is the on-site speech version (SX-06; None keeps the one saved before).
    ``fresh`` (a file read in) starts a new draft rather than rewriting one that has
    other text, so the text it replaces stays a version of its own.
    """
    actor = _actor(user, session)
    access.ensure_edit(session, report, actor)
    _ensure_open(session, report)
    if report.status not in WRITABLE:
        raise Conflict(
            _(
                "报告已提交（%(status)s），等待审核，不能再修改；如需修改，请审核人退回。",
                status=status_label(report.status),
            )
        )
    text = _check_text(text)
    draft = current_draft(session, report)
    if speech is None:
        before = draft or latest(session, report)
        speech = before.speech if before is not None else ""
    speech = _check_text(speech).strip("\n")
    result = run_check(session, report, text, corrections, speech)
    if fresh and draft is not None and draft.text.strip() and draft.text != text:
        draft = None
    if draft is None:
        number = (
            session.scalar(select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report.id))
            or 0
        )
        draft = ReportVersion(
            report_id=report.id, number=number + 1, kind=VersionKind.DRAFT, created_by=actor.label
        )
        session.add(draft)
    draft.text = text
    draft.speech = speech
    draft.corrections = {str(k): v for k, v in _corrections(corrections).items()}
    _store_check(draft, result)
    draft.source = source[:16]
    session.flush()
    _to_drafting(session, report, actor)
    return draft


def _store_check(version: ReportVersion, result: CheckResult) -> None:
    version.check = json.loads(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
    version.words = result.parsed.total.words
    version.errors = sum(f.severity == "error" for f in result.findings)
    version.warnings = sum(f.severity == "warning" for f in result.findings)


def content_hash(
    text: str,
    corrections: dict[str, Any] | None,
    attestation: dict[str, Any] | None,
    speech: str = "",
) -> str:
    """SHA-256 of what a submitted version freezes, in a canonical form anyone can recompute.

    The on-site speech (SX-06) is part of it when there is one (without one, the form,
    and so every hash made before speeches were kept, is unchanged)."""
    content: dict[str, Any] = {
        "text": text,
        "corrections": corrections or {},
        "attestation": attestation or None,
    }
    if speech:
        content["speech"] = speech
    canonical = json.dumps(
        content,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def set_topics(session: Session, report: Report, topics: list[str], *, user: Any) -> Report:
    """The org's 1–2 必答题 (SX-05), chosen before writing."""
    actor = _actor(user, session)
    access.ensure_edit(session, report, actor)
    clean = [t.strip()[:100] for t in topics if t and t.strip()]
    if len(clean) > 5:
        raise ValidationFailed(_("必答题最多 5 个。"), errors={"topics": [_("太多")]})
    report.topics = clean
    session.flush()
    return report


def attest(
    session: Session,
    report: Report,
    *,
    user: Any,
    name: str,
    body: str = "",
    on: date | None = None,
    attachment_id: int | None = None,
) -> Report:
    """Record who attests the approval and seal for the next submit (YZ-05, SX-03)."""
    actor = _actor(user, session)
    access.ensure_submit(report, actor)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("必填")]
    scan = None
    if attachment_id is not None:
        scan = session.get(ReportAttachment, attachment_id)
        if scan is None or scan.report_id != report.id:
            errors["attachment_id"] = [_("找不到该附件")]
        elif scan.kind is not AttachmentKind.SCAN:
            errors["attachment_id"] = [_("应为盖章件的扫描件")]
    if errors:
        raise ValidationFailed(_("盖章确认信息不完整：请填写确认人，并选择盖章件的扫描件。"), errors=errors)
    report.attestation = {
        "name": name.strip()[:100],
        "body": body.strip()[:100],
        "on": on.isoformat() if on else None,
        "attachment_id": attachment_id,
        "by": actor.label,
    }
    session.flush()
    return report


def _attestation_problem(session: Session, report: Report, req: Requirements) -> str | None:
    if not req.seal:
        return None
    att = report.attestation or {}
    scan_id = att.get("attachment_id")
    scan = session.get(ReportAttachment, scan_id) if scan_id else None
    if not att.get("name") or scan is None or scan.report_id != report.id:
        if req.approving_body:
            return _(
                "按方案（%(clause)s）要求，述职报告须经%(body)s讨论通过并盖章：请填写确认人并上传盖章件扫描件后再提交。",
                clause=req.seal_clause,
                body=req.approving_body,
            )
        return _(
            "按方案（%(clause)s）要求，书面述职材料须%(what)s加盖党组织公章：请上传签字盖章件的扫描件并填写确认人后再提交。",
            clause=req.seal_clause,
            what=_("由书记签字并") if req.signed else "",
        )
    return None


def submit(session: Session, report: Report, *, user: Any, today: date | None = None) -> ReportVersion:
    """Freeze the current draft as a submitted version with its content hash (CO-02).

    Refused while an error-level finding remains (warnings never block), when the
    plan's seal/approval is not attested (YZ-05, SX-03), and after the step's
    deadline unless the reporter has an extension (the cycle engine's lock). With
    a pre-review step (TJ-02, GH-01) the report goes to its reviewer first.
    """
    from shuzhi.cycles.stages import RANK, Step

    actor = _actor(user, session)
    access.ensure_submit(report, actor)
    cycles = _cycles()
    campaign = _ensure_open(session, report)
    if report.status not in WRITABLE:
        raise Conflict(_("报告已提交（%(status)s），不能重复提交。", status=status_label(report.status)))
    draft = current_draft(session, report)
    if draft is None or not draft.text.strip():
        raise ValidationFailed(
            _("还没有可提交的草稿：请先撰写或上传报告。"), errors={"text": [_("没有草稿")]}
        )
    result = run_check(session, report, draft.text, draft.corrections, draft.speech)
    if result.blocking:
        listed = "；".join(f"[{f.rule_id}] {f.message}" for f in result.blocking[:5])
        raise ValidationFailed(
            _("还有 %(n)d 项须修改后才能提交：%(list)s", n=len(result.blocking), list=listed),
            errors={"findings": [f.to_dict() for f in result.blocking]},
        )
    req = requirements(session, report)
    problem = _attestation_problem(session, report, req)
    if problem:
        raise ValidationFailed(problem, errors={"attestation": [_("必填")]})
    reporter = cycles.get_reporter(session, report.reporter_id)
    flow = cycles.workflow(campaign)
    target = Step.PRE_REVIEW if flow.uses(Step.PRE_REVIEW) else Step.SUBMITTED
    # Refuse on a passed deadline before anything moves (the engine's lock, with extensions).
    # A pre-review (TJ-02) leads to "submitted", whose deadline the reviewer's approval must
    # meet: sending a report for pre-review after it has passed would only be refused there.
    # A reporter an admin already moved past the step is not held back by its deadline.
    reached = RANK[Step(reporter.stage)] >= RANK[target]
    locked = None if reached else cycles.reporter_lock(session, reporter, target, today=today)
    if locked is None and not reached and target is Step.PRE_REVIEW:
        locked = cycles.reporter_lock(session, reporter, Step.SUBMITTED, today=today)
    if locked is not None:
        raise Conflict(
            _(
                "「%(name)s」的截止日期 %(due)s 已过，报告不能再提交；如确有特殊情况，请管理员为您办理延期。",
                name=locked.stage.name,
                due=locked.due.isoformat(),
            )
        )
    who = _who(actor)
    while RANK[Step(reporter.stage)] < RANK[target]:
        nxt = flow.next_step(Step(reporter.stage), written=reporter.mode.value == "written")
        if nxt is None or RANK[nxt] > RANK[target]:
            break
        mover = who if nxt is target else _who(Actor(actor.label, actor.user_id, operator=True))
        cycles.move_reporter(session, mover, reporter, nxt, today=today)
    _store_check(draft, result)
    draft.attestation = dict(report.attestation) if req.seal and report.attestation else None
    draft.content_hash = content_hash(draft.text, draft.corrections, draft.attestation, draft.speech)
    draft.kind = VersionKind.SUBMITTED
    draft.submitted_at = utcnow()
    draft.submitted_by = actor.label
    report.status = ReportStatus.PRE_REVIEW if target is Step.PRE_REVIEW else ReportStatus.SUBMITTED
    session.flush()
    for row in attachments(session, report):
        if row.version_id is None and row.kind is not AttachmentKind.ORIGINAL:
            row.version_id = draft.id  # submitted with this version: kept, no longer deletable
    session.flush()
    _decide(session, report, draft, DecisionAction.SUBMIT, actor, "", step=target.value)
    return draft


def _decide(
    session: Session,
    report: Report,
    version: ReportVersion,
    action: DecisionAction,
    actor: Actor,
    note: str,
    *,
    step: str,
) -> ReportDecision:
    decision = ReportDecision(
        report_id=report.id,
        version_id=version.id,
        action=action,
        step=step,
        note=note,
        actor=actor.label,
        actor_user_id=actor.user_id,
    )
    session.add(decision)
    session.flush()
    summaries = {
        DecisionAction.SUBMIT: _("提交述职报告第 %(n)d 版", n=version.number),
        DecisionAction.RETURN: _("退回述职报告第 %(n)d 版修改", n=version.number),
        DecisionAction.APPROVE: _("通过述职报告第 %(n)d 版", n=version.number),
    }
    record(
        session,
        f"report.{action.value}",
        target_type="reports",
        target_id=report.id,
        summary=summaries[action] + (f"：{note}" if note else ""),
        after={"version": version.number, "hash": version.content_hash, "step": step, "note": note[:500]},
    )
    return decision


def _submitted_version(session: Session, report: Report) -> ReportVersion:
    version = latest(session, report, VersionKind.SUBMITTED)
    if version is None:
        raise Conflict(_("报告还没有提交过。"))
    return version


def add_comment(
    session: Session,
    report: Report,
    *,
    user: Any,
    body: str,
    paragraph: int | None = None,
    excerpt: str = "",
    version: ReportVersion | None = None,
    kind: CommentKind | str = CommentKind.COMMENT,
) -> ReportComment:
    """A comment anchored to a paragraph (index and quoted words) of a version (CO-02, YZ-06)."""
    actor = _actor(user, session)
    access.ensure_comment(session, report, actor)
    kind = CommentKind(kind)
    version = version or latest(session, report, VersionKind.SUBMITTED) or latest(session, report)
    if version is None:
        raise Conflict(_("报告还没有内容，无法提意见。"))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("意见不能为空。"), errors={"body": [_("必填")]})
    if len(body) > MAX_COMMENT_CHARS:
        raise ValidationFailed(
            _("意见太长，不能超过 %(n)d 字。", n=MAX_COMMENT_CHARS), errors={"body": [_("太长")]}
        )
    excerpt = (excerpt or "").strip()
    if paragraph is not None:
        paras = paragraphs(version.text)
        if not 0 <= paragraph < len(paras):
            raise ValidationFailed(
                _("第 %(n)d 段不存在（这一版共 %(total)d 段）。", n=paragraph + 1, total=len(paras)),
                errors={"paragraph": [_("不存在")]},
            )
        if excerpt and excerpt not in paras[paragraph]:
            raise ValidationFailed(
                _("引用的文字不在第 %(n)d 段中。", n=paragraph + 1), errors={"excerpt": [_("不在该段中")]}
            )
        excerpt = excerpt or paras[paragraph][:40]
    elif excerpt:
        raise ValidationFailed(_("引用文字时须指明段落。"), errors={"paragraph": [_("必填")]})
    comment = ReportComment(
        report_id=report.id,
        version_id=version.id,
        paragraph=paragraph,
        excerpt=excerpt[:300],
        body=body,
        kind=kind,
        author=actor.label,
        author_user_id=actor.user_id,
    )
    session.add(comment)
    session.flush()
    return comment


def return_report(
    session: Session,
    report: Report,
    *,
    user: Any,
    note: str,
    comments: list[dict[str, Any]] | None = None,
) -> ReportDecision:
    """Send a submitted (or pre-reviewed) report back for revision with comments (CO-02)."""
    from shuzhi.cycles.stages import Step

    actor = _actor(user, session)
    access.ensure_review(report, actor)
    _ensure_open(session, report)
    if report.status not in (ReportStatus.PRE_REVIEW, ReportStatus.SUBMITTED):
        raise Conflict(
            _("只有已提交或待审核的报告可以退回（当前：%(status)s）。", status=status_label(report.status))
        )
    note = (note or "").strip()
    if not note and not comments:
        raise ValidationFailed(_("退回修改须写明意见。"), errors={"note": [_("必填")]})
    version = _submitted_version(session, report)
    step = "pre_review" if report.status is ReportStatus.PRE_REVIEW else "review"
    for c in comments or []:
        add_comment(
            session,
            report,
            user=actor,
            body=c.get("body", ""),
            paragraph=c.get("paragraph"),
            excerpt=c.get("excerpt", ""),
            version=version,
        )
    cycles = _cycles()
    reporter = cycles.get_reporter(session, report.reporter_id)
    reason = note or _("见逐段意见")
    if Step(reporter.stage) in (Step.PRE_REVIEW, Step.SUBMITTED):
        cycles.move_reporter(session, _who(actor), reporter, Step.DRAFTING, reason=reason)
    report.status = ReportStatus.RETURNED
    session.flush()
    return _decide(session, report, version, DecisionAction.RETURN, actor, reason, step=step)


def approve(
    session: Session, report: Report, *, user: Any, note: str = "", today: date | None = None
) -> ReportDecision:
    """Approve: after a pre-review (TJ-02, GH-01) the report counts as submitted; after that, approved."""
    from shuzhi.cycles.stages import Step

    actor = _actor(user, session)
    access.ensure_review(report, actor)
    _ensure_open(session, report)
    version = (
        _submitted_version(session, report)
        if report.status
        in (
            ReportStatus.PRE_REVIEW,
            ReportStatus.SUBMITTED,
        )
        else None
    )
    if version is None:
        raise Conflict(
            _("只有已提交或待审核的报告可以通过（当前：%(status)s）。", status=status_label(report.status))
        )
    note = (note or "").strip()[:2000]
    if report.status is ReportStatus.PRE_REVIEW:
        cycles = _cycles()
        reporter = cycles.get_reporter(session, report.reporter_id)
        if Step(reporter.stage) is Step.PRE_REVIEW:
            # the engine checks the reviewer's scope and the submit deadline's lock
            cycles.move_reporter(session, _who(actor), reporter, Step.SUBMITTED, today=today)
        report.status = ReportStatus.SUBMITTED
        step = "pre_review"
    else:
        report.status = ReportStatus.APPROVED
        step = "review"
    session.flush()
    return _decide(session, report, version, DecisionAction.APPROVE, actor, note, step=step)


# --- co-authors and reviewers (TJ-08) ------------------------------------------------


def add_member(
    session: Session,
    report: Report,
    *,
    user: Any,
    member_user_id: int,
    role: MemberRole | str,
    note: str = "",
) -> ReportMember:
    from shuzhi.tenancy.models import Membership

    actor = _actor(user, session)
    access.ensure_manage_members(report, actor)
    role = MemberRole(role)
    member = session.scalar(
        select(Membership).where(
            Membership.tenant_id == tenant_of(session), Membership.user_id == member_user_id
        )
    )
    if member is None:
        raise NotFound(_("该用户不是本单位的成员，请先邀请其加入。"))
    found = session.scalar(
        select(ReportMember).where(
            ReportMember.report_id == report.id, ReportMember.user_id == member_user_id
        )
    )
    if found is not None:
        raise Conflict(_("该成员已在这份报告中。"))
    row = ReportMember(
        report_id=report.id, user_id=member_user_id, role=role, note=note.strip()[:100], added_by=actor.label
    )
    session.add(row)
    session.flush()
    return row


def remove_member(session: Session, report: Report, member_id: int, *, user: Any) -> None:
    actor = _actor(user, session)
    access.ensure_manage_members(report, actor)
    row = session.get(ReportMember, member_id)
    if row is None or row.report_id != report.id:
        raise NotFound(_("找不到该成员。"))
    session.delete(row)
    session.flush()


# --- diff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    op: str  # equal | insert | delete | replace
    old_no: int | None  # 1-based paragraph numbers
    new_no: int | None
    old: str
    new: str


def diff(old: ReportVersion, new: ReportVersion) -> list[DiffRow]:
    """Paragraph-by-paragraph differences between two versions (difflib)."""
    a, b = paragraphs(old.text), paragraphs(new.text)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(
                DiffRow("equal", i1 + k + 1, j1 + k + 1, a[i1 + k], b[j1 + k]) for k in range(i2 - i1)
            )
        elif op == "delete":
            rows.extend(DiffRow("delete", i + 1, None, a[i], "") for i in range(i1, i2))
        elif op == "insert":
            rows.extend(DiffRow("insert", None, j + 1, "", b[j]) for j in range(j1, j2))
        else:
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                i, j = i1 + k, j1 + k
                old_t = a[i] if i < i2 else ""
                new_t = b[j] if j < j2 else ""
                op_k = "replace" if old_t and new_t else ("delete" if old_t else "insert")
                rows.append(DiffRow(op_k, i + 1 if old_t else None, j + 1 if new_t else None, old_t, new_t))
    return rows


def inline_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Character-level pieces of a replaced paragraph: (op, text) with op equal | delete | insert."""
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", old[i1:i2]))
        else:
            if i2 > i1:
                out.append(("delete", old[i1:i2]))
            if j2 > j1:
                out.append(("insert", new[j1:j2]))
    return out


# --- attachments (JX-06, SX-03, YZ-05) -------------------------------------------------


def add_attachment(
    session: Session, report: Report, *, user: Any, kind: AttachmentKind | str, filename: str, data: bytes
) -> ReportAttachment:
    """Store a checked file (slides, video, the stamped copy's scan) and list it on the report."""
    from shuzhi.reports import attachments as files

    actor = _actor(user, session)
    access.ensure_edit(session, report, actor)
    _ensure_open(session, report)
    checked = files.check(kind, filename, data)
    return _stored(
        session,
        report,
        data,
        kind=checked.kind,
        filename=checked.filename or f"{checked.kind.value}.{checked.type}",
        content_type=checked.content_type,
        uploaded_by=actor.label,
    )


def _stored(
    session: Session,
    report: Report,
    data: bytes,
    *,
    kind: AttachmentKind,
    filename: str,
    content_type: str,
    uploaded_by: str,
    version_id: int | None = None,
) -> ReportAttachment:
    """The file put in storage and its row flushed; the file removed again if the row fails."""
    from shuzhi.reports.storage import new_key, storage

    key = new_key(report.tenant_id, report.id)
    store = storage()
    store.put(key, data)
    try:
        row = ReportAttachment(
            report_id=report.id,
            version_id=version_id,
            kind=kind,
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            uploaded_by=uploaded_by,
        )
        session.add(row)
        session.flush()
    except Exception:
        store.delete(key)  # no file without its row
        raise
    return row


#: What a report's original file is stored as, by the kind of file it was read from.
ORIGINAL_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
}


def save_upload(
    session: Session,
    report: Report,
    *,
    user: Any,
    text: str,
    kind: str,
    filename: str,
    data: bytes,
) -> tuple[ReportVersion, ReportAttachment]:
    """A file read into the editor: its text saved as a draft, the file kept with that version.

    The file was checked (``uploads.read_upload``) before this is called, so a refused file
    reaches neither the versions nor the storage. The original (kind ``original``) is
    linked to the version its text became; it cannot be deleted (``delete_attachment``).
    """
    from shuzhi.reports.attachments import clean_filename

    if kind not in ORIGINAL_TYPES:
        raise ValidationFailed(_("只能保存 .docx 或 .txt 原件。"), errors={"file": [kind]})
    version = save_draft(session, report, text, user=user, corrections={}, source="upload", fresh=True)
    row = _stored(
        session,
        report,
        data,
        kind=AttachmentKind.ORIGINAL,
        filename=clean_filename(filename) or f"report.{kind}",
        content_type=ORIGINAL_TYPES[kind],
        uploaded_by=_actor(user, session).label,
        version_id=version.id,
    )
    return version, row


def get_attachment(session: Session, report: Report, attachment_id: int) -> ReportAttachment:
    row = session.get(ReportAttachment, attachment_id)
    if row is None or row.report_id != report.id:
        raise NotFound(_("找不到该附件。"))
    return row


def attachment_bytes(row: ReportAttachment) -> bytes:
    from shuzhi.reports.storage import storage

    return storage().get(row.storage_key)


def delete_attachment(session: Session, report: Report, attachment_id: int, *, user: Any) -> None:
    from shuzhi.reports.storage import storage

    actor = _actor(user, session)
    access.ensure_edit(session, report, actor)
    row = get_attachment(session, report, attachment_id)
    if row.kind is AttachmentKind.ORIGINAL:
        raise Conflict(_("报告原件随它读入的版本保存，不能删除。"))
    if row.version_id is not None:
        raise Conflict(_("该附件已随报告提交，不能删除。"))
    if (report.attestation or {}).get("attachment_id") == row.id:
        report.attestation = None
    key = row.storage_key
    session.delete(row)
    session.flush()
    storage().delete(key)


# --- the reviewer's list -----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    reporter_id: int
    org_id: int
    org_name: str
    stage: str
    report: Report | None


def reviewable(session: Session, principal: Any, tenant_id: int, *, limit: int = 500) -> list[ReviewRow]:
    """The reporters whose reports ``principal`` reviews (``reports.review`` scope), newest campaign first."""
    from shuzhi.auth.permissions import Perm, org_condition
    from shuzhi.cycles.models import Reporter
    from shuzhi.orgs.models import Org

    rows = session.execute(
        select(Reporter.id, Reporter.org_id, Org.name, Reporter.stage, Report)
        .join(Org, Org.id == Reporter.org_id)
        .outerjoin(Report, Report.reporter_id == Reporter.id)
        .where(org_condition(principal, Perm.REPORTS_REVIEW, tenant_id))
        .order_by(Reporter.campaign_id.desc(), Org.code)
        .limit(limit)
    ).all()
    return [ReviewRow(r[0], r[1], r[2], str(getattr(r[3], "value", r[3])), r[4]) for r in rows]


def member_rows(session: Session, report: Report) -> list[tuple[ReportMember, str]]:
    """The report's co-authors and readers with their display names (TJ-08)."""
    from shuzhi.tenancy.models import User

    rows = session.execute(
        select(ReportMember, User.display_name)
        .join(User, User.id == ReportMember.user_id)
        .where(ReportMember.report_id == report.id)
        .order_by(ReportMember.id)
    ).all()
    return [(m, name) for m, name in rows]


def display_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of these users, by id, in one query (for the people named on a page).

    The ids come from this tenant's own rows (a comment's author, a decision's actor); users
    are platform rows without a tenant, read by id like :func:`member_rows` reads them.
    """
    from shuzhi.tenancy.models import User

    ids = sorted({int(i) for i in user_ids if i is not None})
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return {int(i): str(n) for i, n in rows if n}


def invitable(session: Session, *, limit: int = 300) -> list[tuple[int, str]]:
    """Members of the tenant who may be invited onto a report: (user id, display name)."""
    from shuzhi.tenancy.models import Membership, User

    rows = session.execute(
        select(User.id, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_of(session))
        .distinct()
        .order_by(User.display_name, User.id)
        .limit(limit)
    ).all()
    return [(int(i), str(n)) for i, n in rows]
