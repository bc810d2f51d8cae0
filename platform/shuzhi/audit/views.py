"""The audit page for tenant admins: events with filters, readable changes,
the chain's status, and an .xlsx export of what the filters select."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from shuzhi.audit import search
from shuzhi.audit.service import record, verify
from shuzhi.auth.permissions import Perm, require
from shuzhi.db import db, utcnow
from shuzhi.errors import ShuzhiError
from shuzhi.tenancy.models import Role
from shuzhi.web import nav

bp = Blueprint("audit_portal", __name__, url_prefix="/t/<tenant>/audit", template_folder="templates")

nav.register(nav.NavItem("audit_portal.page", _l("审计日志"), (Role.TENANT_ADMIN,), 95))


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    return search.action_label(action)


@bp.app_template_filter("audit_target")
def audit_target(target_type: str) -> str:
    label = search.TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type


@bp.app_template_filter("audit_time")
def audit_time(ts: Any) -> str:
    return search.show_time(ts)


@bp.get("")
@require(Perm.AUDIT_READ)
def page(tenant: str) -> Any:
    filters = search.parse_filters(request.args)
    number = search.parse_page(request.args.get("page"))
    result = search.page(db.session, filters, number) if not filters.errors else None
    html = render_template(
        "audit/page.html",
        filters=filters,
        result=result,
        changes=search.changes,
        prefixes=search.ACTION_PREFIXES,
        max_export=search.MAX_EXPORT_ROWS,
    )
    return (html, 400) if filters.errors else html


@bp.get("/chain")
@require(Perm.AUDIT_READ)
def chain(tenant: str) -> str:
    """The chain's status (htmx loads it after the page: a long chain takes a moment)."""
    breaks = verify(db.session, g.tenant.id)
    return render_template("audit/_chain.html", breaks=breaks[:50], total_breaks=len(breaks))


@bp.get("/export")
@require(Perm.AUDIT_READ)
def export(tenant: str) -> Response:
    filters = search.parse_filters(request.args)
    if filters.errors:
        raise ShuzhiError(_("筛选条件有误：%(e)s", e="；".join(filters.errors.values())), status=400)
    try:
        data, total = search.export_xlsx(db.session, filters, cap=search.MAX_EXPORT_ROWS)
    except search.TooManyRows as exc:
        raise ShuzhiError(
            _(
                "筛选结果共 %(total)s 条，超过一次导出的上限 %(cap)s 条。请缩小日期范围或增加筛选条件后分批导出。",
                total=exc.total,
                cap=search.MAX_EXPORT_ROWS,
            ),
            status=400,
        ) from None
    # Who took a copy of the trail is itself part of the trail.
    record(
        db.session,
        "audit.export",
        target_type="audit",
        summary=_("导出审计日志 %(n)s 条（筛选：%(f)s）", n=total, f=filters.describe()),
    )
    db.session.commit()
    name = (
        _("审计日志") + f"-{g.tenant.slug}-" + search.local_time(utcnow()).strftime("%Y%m%d-%H%M") + ".xlsx"
    )
    response = send_file(data, mimetype=search.XLSX_MIME, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response
