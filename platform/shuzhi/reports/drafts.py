"""What the editor needs of a report's versions: the latest text, its status, save and submit.

Reading is done here (the editor shows the latest version, its corrections,
the reviewers' comments); every change goes through the report service
(:mod:`shuzhi.reports.service`), the one place that writes the report tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.reports.models import (
    DecisionAction,
    MemberRole,
    Report,
    ReportComment,
    ReportDecision,
    ReportMember,
    ReportStatus,
    ReportVersion,
    VersionKind,
)

CHINA = ZoneInfo("Asia/Shanghai")

#: Statuses in which the secretary may change the text.
EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


def status_label(status: ReportStatus | None) -> str:
    return {
        None: _("尚未开始"),
        ReportStatus.DRAFT: _("撰写中"),
        ReportStatus.PRE_REVIEW: _("待审核"),
        ReportStatus.SUBMITTED: _("已提交"),
        ReportStatus.RETURNED: _("已退回修改"),
        ReportStatus.APPROVED: _("审核通过"),
    }[status]


def _when(at: datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("UTC"))
    return at.astimezone(CHINA).strftime("%m-%d %H:%M")


@dataclass
class Saved:
    number: int
    at: str


@dataclass
class DraftState:
    """The editor's view of a report: what to show in the textarea and may it change."""

    status: ReportStatus | None = None
    text: str = ""
    speech: str = ""  # the on-site speech version (SX-06), for plans that limit one
    corrections: dict[int, str | None] = field(default_factory=dict)
    number: int = 0
    saved_at: str = ""
    comments: list[Any] = field(default_factory=list)
    return_note: str = ""  # the reviewer's reason for returning the report (CO-02)
    returned_by: str = ""
    topics: tuple[str, ...] = ()  # the org's own 必答题 (SX-05), checked live as on submit
    report_id: int | None = None  # for the link to attachments and the seal attestation

    @property
    def editable(self) -> bool:
        return self.status is None or self.status in EDITABLE

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def submit_label(self) -> str:
        return _("重新提交") if self.status is ReportStatus.RETURNED else _("提交")

    @property
    def blocked_reason(self) -> str:
        if self.status in (ReportStatus.SUBMITTED, ReportStatus.PRE_REVIEW):
            return _("报告已提交，提交的版本已锁定；审核人退回后才能修改。")
        if self.status is ReportStatus.APPROVED:
            return _("报告已审核通过，不能再修改。")
        return ""


def report_of(session: Session, reporter: Any) -> Report | None:
    return session.scalar(select(Report).where(Report.reporter_id == reporter.id))


def latest_version(session: Session, report: Report) -> ReportVersion | None:
    return session.scalar(
        select(ReportVersion)
        .where(ReportVersion.report_id == report.id)
        .order_by(ReportVersion.number.desc())
        .limit(1)
    )


def state(session: Session, reporter: Any) -> DraftState:
    report = report_of(session, reporter)
    if report is None:
        return DraftState()
    version = latest_version(session, report)
    out = DraftState(status=report.status, topics=tuple(report.topics or ()), report_id=report.id)
    if version is not None:
        out.text = version.text
        out.speech = version.speech or ""
        out.corrections = {int(k): v for k, v in (version.corrections or {}).items()}
        out.number = version.number
        out.saved_at = _when(version.updated_at or version.created_at)
    if report.status is ReportStatus.RETURNED:
        decision = session.scalar(
            select(ReportDecision)
            .where(ReportDecision.report_id == report.id, ReportDecision.action == DecisionAction.RETURN)
            .order_by(ReportDecision.created_at.desc(), ReportDecision.id.desc())
            .limit(1)
        )
        if decision is not None:
            out.return_note, out.returned_by = decision.note, decision.actor
        returned = session.scalar(
            select(ReportVersion.id)
            .where(ReportVersion.report_id == report.id, ReportVersion.kind == VersionKind.SUBMITTED)
            .order_by(ReportVersion.number.desc())
            .limit(1)
        )
        # the comments on the version that was returned, in the order of its paragraphs
        out.comments = list(
            session.scalars(
                select(ReportComment)
                .where(ReportComment.report_id == report.id, ReportComment.version_id == returned)
                .order_by(ReportComment.paragraph.nulls_first(), ReportComment.id)
                .limit(100)
            )
        )
    return out


def is_coauthor(session: Session, reporter_id: int, user: Any) -> bool:
    """TJ-08: a co-author the secretary added may edit the report too."""
    if user is None:
        return False
    return (
        session.scalar(
            select(ReportMember.id)
            .join(Report, Report.id == ReportMember.report_id)
            .where(
                Report.reporter_id == reporter_id,
                ReportMember.user_id == user.id,
                ReportMember.role == MemberRole.CO_AUTHOR,
            )
        )
        is not None
    )


def save(
    session: Session,
    reporter: Any,
    text: str,
    corrections: dict[int, str | None],
    *,
    user: Any,
    speech: str | None = None,
) -> Saved:
    """Save the editor's text (and speech version, SX-06) as the report's draft.

    The service decides new draft or rewrite; ``speech`` None keeps the saved one."""
    from shuzhi.reports import service

    report = service.get_or_create_report(session, reporter)
    version = service.save_draft(
        session, report, text, user=user, corrections=dict(corrections), speech=speech
    )
    return _saved(version)


def _saved(version: Any) -> Saved:
    return Saved(version.number, _when(version.updated_at or version.created_at or datetime.now(CHINA)))


def save_upload(
    session: Session, reporter: Any, text: str, imported: Any, *, filename: str, user: Any
) -> Saved:
    """A file read into the editor: its text as a draft, the original file kept with that version."""
    from shuzhi.reports import service

    report = service.get_or_create_report(session, reporter)
    version, _row = service.save_upload(
        session, report, user=user, text=text, kind=imported.kind, filename=filename, data=imported.original
    )
    return _saved(version)


def submit(session: Session, reporter: Any, *, user: Any) -> Any:
    """Submit the saved draft; the service refuses while error findings remain (CO-02)."""
    from shuzhi.reports import service

    report = service.get_or_create_report(session, reporter)
    return service.submit(session, report, user=user)


__all__ = ["DraftState", "Saved", "VersionKind", "is_coauthor", "save", "save_upload", "state", "submit"]
