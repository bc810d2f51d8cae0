"""Reading the audit trail: filters, pages, readable changes, xlsx export.

Read-only (the trail is written by :mod:`shuzhi.audit.service` only); every
query runs in the caller's tenant scope, newest first.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shuzhi.audit.models import AuditEvent

#: Times are shown and filtered in China's time (UTC+8, no daylight saving).
CHINA = timezone(timedelta(hours=8))
PER_PAGE = 50
MAX_EXPORT_ROWS = 100_000
TEXT_MAX = 100
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CELL_MAX = 32_767  # Excel's limit for one cell
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

TARGET_LABELS: dict[str, Any] = {
    "orgs": _l("组织"),
    "people": _l("人员"),
    "posts": _l("任职"),
    "reporting_relations": _l("述职关系"),
    "memberships": _l("成员"),
    "users": _l("用户"),
    "tenants": _l("本单位"),
    "api_tokens": _l("API 令牌"),
    "tokens": _l("API 令牌"),
    "policy": _l("述职方案"),
    "policy_pins": _l("方案锁定"),
    "sso_providers": _l("单点登录"),
    "audit": _l("审计日志"),
    "auth": _l("账号"),
}

VERB_LABELS: dict[str, Any] = {
    "create": _l("新建"),
    "update": _l("修改"),
    "delete": _l("删除"),
    "import": _l("导入"),
    "export": _l("导出"),
    "revoke": _l("吊销"),
    "adopt": _l("采用"),
    "overrides": _l("调整参数"),
    "upgrade": _l("升级"),
    "login": _l("登录"),
    "logout": _l("退出"),
    "sign_in": _l("登录"),
    "sign_out": _l("退出登录"),
}

FIELD_LABELS: dict[str, Any] = {
    "name": _l("名称"),
    "code": _l("编码"),
    "kind": _l("类型"),
    "parent_id": _l("上级组织"),
    "path": _l("路径"),
    "depth": _l("层级"),
    "title": _l("职务"),
    "person_id": _l("人员"),
    "org_id": _l("组织"),
    "start_date": _l("开始日期"),
    "end_date": _l("结束日期"),
    "reporter_id": _l("述职组织"),
    "receiver_id": _l("接受述职组织"),
    "valid_from": _l("开始日期"),
    "valid_to": _l("结束日期"),
    "note": _l("备注"),
    "role": _l("角色"),
    "user_id": _l("用户"),
    "org_ids": _l("负责组织"),
    "scopes": _l("权限"),
    "expires_at": _l("有效期至"),
    "revoked_at": _l("吊销时间"),
    "tenant_id": _l("租户"),
    "id": _l("编号"),
}

#: Action prefixes offered in the filter (the field accepts any prefix).
ACTION_PREFIXES = (
    "orgs.",
    "people.",
    "posts.",
    "reporting_relations.",
    "memberships.",
    "tenants.",
    "tokens.",
    "api_tokens.",
    "policy.",
    "audit.",
)


def action_label(action: str) -> str:
    """ "orgs.update" -> "组织 · 修改" (unknown parts stay as they are)."""
    noun, _sep, verb = action.partition(".")
    noun_label = TARGET_LABELS.get(noun)
    verb_label = VERB_LABELS.get(verb)
    if noun_label is None and verb_label is None:
        return action
    return f"{noun_label or noun} · {verb_label or verb}" if verb else str(noun_label or noun)


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return f"{label}（{key}）" if label is not None else key


def local_time(ts: datetime) -> datetime:
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(CHINA)


def show_time(ts: datetime) -> str:
    return local_time(ts).strftime("%Y-%m-%d %H:%M:%S")


# --- filters ----------------------------------------------------------------------


@dataclass
class Filters:
    start: date | None = None
    end: date | None = None
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def query_args(self) -> dict[str, str]:
        """The filters as URL query values (for paging and export links)."""
        out = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "q": self.q,
        }
        return {k: v for k, v in out.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.query_args())

    def describe(self) -> str:
        return "；".join(f"{k}={v}" for k, v in self.query_args().items()) or _("全部")


def _text(args: Mapping[str, Any], key: str) -> str:
    # Control characters match nothing in the trail, and PostgreSQL refuses NUL outright.
    return _CONTROL.sub("", str(args.get(key) or "")).strip()[:TEXT_MAX]


def _day(args: Mapping[str, Any], key: str, label: str, errors: dict[str, str]) -> date | None:
    raw = str(args.get(key) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = _("%(label)s格式不正确，应为 YYYY-MM-DD（例如 2024-01-31）。", label=label)
        return None


def parse_filters(args: Mapping[str, Any]) -> Filters:
    """Filters from a query string; problems are collected (in Chinese), never raised."""
    errors: dict[str, str] = {}
    f = Filters(
        start=_day(args, "from", _("起始日期"), errors),
        end=_day(args, "to", _("截止日期"), errors),
        actor=_text(args, "actor"),
        action=_text(args, "action"),
        target_type=_text(args, "target_type"),
        target_id=_text(args, "target_id"),
        q=_text(args, "q"),
        errors=errors,
    )
    if f.actor == _("系统"):
        f.actor = "system"  # the page shows the system actor by its Chinese name
    if f.start and f.end and f.start > f.end:
        errors["to"] = _("截止日期不能早于起始日期。")
    return f


def parse_page(raw: Any) -> int:
    try:
        return max(1, min(int(str(raw or "1")), 1_000_000))
    except ValueError:
        return 1


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _bound(day: date, session: Session) -> datetime:
    """Midnight of ``day`` in China, as the stored (UTC) column compares it."""
    ts = datetime.combine(day, datetime.min.time(), CHINA).astimezone(UTC)
    # SQLite stores naive UTC text: compare like with like.
    return ts.replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite" else ts


def filtered(session: Session, f: Filters) -> Select[tuple[AuditEvent]]:
    stmt = select(AuditEvent)
    if f.start:
        stmt = stmt.where(AuditEvent.created_at >= _bound(f.start, session))
    if f.end:
        stmt = stmt.where(AuditEvent.created_at < _bound(f.end + timedelta(days=1), session))
    if f.actor:
        stmt = stmt.where(AuditEvent.actor.ilike(f"%{_like(f.actor)}%", escape="\\"))
    if f.action:
        stmt = stmt.where(AuditEvent.action.like(f"{_like(f.action)}%", escape="\\"))
    if f.target_type:
        stmt = stmt.where(AuditEvent.target_type == f.target_type)
    if f.target_id:
        stmt = stmt.where(AuditEvent.target_id == f.target_id)
    if f.q:
        stmt = stmt.where(AuditEvent.summary.ilike(f"%{_like(f.q)}%", escape="\\"))
    return stmt


def count(session: Session, f: Filters) -> int:
    sub = filtered(session, f).with_only_columns(AuditEvent.id).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


@dataclass
class Page:
    events: list[AuditEvent]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page(session: Session, f: Filters, number: int = 1, per_page: int = PER_PAGE) -> Page:
    total = count(session, f)
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    events = list(
        session.scalars(
            filtered(session, f)
            .order_by(AuditEvent.seq.desc())
            .offset((number - 1) * per_page)
            .limit(per_page)
        )
    )
    return Page(events, total, number, per_page)


def get_event(session: Session, event_id: int) -> AuditEvent | None:
    return session.get(AuditEvent, event_id)


# --- readable changes -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str
    changed: bool


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if value == "":
        return _("（空）")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(event: AuditEvent) -> list[Change]:
    """One row per field of before/after; fields whose value differs are marked."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    is_update = event.before is not None and event.after is not None
    rows = []
    for key in keys:
        b, a = before.get(key), after.get(key)
        # Only an update (both sides present) has changed fields to mark;
        # a create or a delete shows one side.
        changed = is_update and ((key in before) != (key in after) or b != a)
        rows.append(
            Change(
                key,
                field_label(key),
                _show(b) if key in before else "",
                _show(a) if key in after else "",
                changed,
            )
        )
    if is_update:
        rows.sort(key=lambda c: not c.changed)  # what changed first
    return rows


# --- export -------------------------------------------------------------------------


class TooManyRows(Exception):
    def __init__(self, total: int) -> None:
        super().__init__(total)
        self.total = total


def _cell(ws: Any, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:_CELL_MAX]
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with ("=", "+", "@")
    return cell


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def export_rows(session: Session, f: Filters) -> Iterator[AuditEvent]:
    stmt = filtered(session, f).order_by(AuditEvent.seq.desc()).execution_options(yield_per=2000)
    yield from session.scalars(stmt)


def export_xlsx(session: Session, f: Filters, cap: int = MAX_EXPORT_ROWS) -> tuple[io.BytesIO, int]:
    """The filtered events as an .xlsx (newest first); refuses more than ``cap`` rows."""
    total = count(session, f)
    if total > cap:
        raise TooManyRows(total)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("审计日志"))
    headers = [
        _("序号"),
        _("时间"),
        _("操作人"),
        _("操作"),
        _("操作代码"),
        _("对象类型"),
        _("对象编号"),
        _("摘要"),
        _("变更前"),
        _("变更后"),
        _("IP 地址"),
        _("哈希"),
    ]
    ws.append([_cell(ws, h) for h in headers])
    for e in export_rows(session, f):
        ws.append(
            [
                _cell(ws, e.seq),
                _cell(ws, show_time(e.created_at)),
                _cell(ws, e.actor),
                _cell(ws, action_label(e.action)),
                _cell(ws, e.action),
                _cell(ws, str(TARGET_LABELS.get(e.target_type, e.target_type))),
                _cell(ws, e.target_id),
                _cell(ws, e.summary),
                _cell(ws, _json(e.before)),
                _cell(ws, _json(e.after)),
                _cell(ws, e.ip),
                _cell(ws, e.hash),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out, total
