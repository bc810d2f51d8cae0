"""Portal pages of the orgs room: the org tree, reporting relations, data import.

Views only read request values, call :mod:`shuzhi.orgs.service` (and
:mod:`shuzhi.orgs.imports`) and render; the tenant comes from the URL
(``/t/<tenant>/…``) through ``shuzhi.auth.load_request_context``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from shuzhi.auth import READERS
from shuzhi.auth.permissions import Perm, require
from shuzhi.db import db
from shuzhi.errors import ShuzhiError
from shuzhi.orgs import imports, service
from shuzhi.orgs.models import Org, OrgKind, Post
from shuzhi.tenancy.models import Role
from shuzhi.web import nav

bp = Blueprint("orgs_portal", __name__, url_prefix="/t/<tenant>", template_folder="templates")

KIND_LABELS = {
    OrgKind.COMMITTEE: _l("党委"),
    OrgKind.WORKING_COMMITTEE: _l("党工委"),
    OrgKind.PARTY_GROUP: _l("党组"),
    OrgKind.GENERAL_BRANCH: _l("党总支"),
    OrgKind.BRANCH: _l("党支部"),
    OrgKind.UNIT: _l("单位"),
}

IMPORT_SUFFIXES = {".xlsx", ".csv"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_RESULT_KEY = "orgs_import_result"

nav.register(nav.NavItem("orgs_portal.tree", _l("组织树"), tuple(READERS), 10, ("orgs_portal.org",)))
nav.register(nav.NavItem("orgs_portal.relations", _l("述职关系"), tuple(READERS), 20))
nav.register(nav.NavItem("orgs_portal.import_page", _l("数据导入"), (Role.TENANT_ADMIN,), 90))


@bp.app_template_filter("kind_label")
def kind_label(kind: OrgKind | str) -> str:
    return str(KIND_LABELS.get(OrgKind(kind), kind))


# --- org tree ---------------------------------------------------------------


@dataclass
class Node:
    """One row of the tree as the page shows it."""

    org: Org
    child_count: int
    holder: Post | None
    children: list[Node] | None = None  # loaded (open) when not None


def _nodes(orgs: list[Org], on: date, open_path: list[int] | None = None) -> list[Node]:
    """Rows for ``orgs``; the ones on ``open_path`` come with their children loaded."""
    ids = [o.id for o in orgs]
    counts = service.child_counts(db.session, ids)
    posts = service.holders(db.session, ids, on)
    open_ids = set(open_path or ())
    rows = []
    for org in orgs:
        node = Node(org, counts.get(org.id, 0), posts.get(org.id))
        if org.id in open_ids and node.child_count:
            node.children = _nodes(service.children(db.session, org), on, open_path)
        rows.append(node)
    return rows


def _search(q: str) -> tuple[list[tuple[Org, list[Org]]], bool]:
    """Search hits with their ancestors (for a breadcrumb), and whether there were more."""
    limit = 50
    hits = service.search_orgs(db.session, q, limit=limit + 1)
    return [(o, service.ancestors(db.session, o)) for o in hits[:limit]], len(hits) > limit


@bp.get("/orgs")
@require(Perm.ORGS_READ)
def tree(tenant: str) -> str:
    q = request.args.get("q", "").strip()[:100]
    today = date.today()
    results, more = _search(q) if q else ([], False)
    return render_template(
        "orgs/tree.html",
        nodes=_nodes(service.roots(db.session), today),
        q=q,
        results=results,
        more=more,
        detail=None,
        today=today,
    )


@bp.get("/orgs/<int:org_id>")
@require(Perm.ORGS_READ)
def org(tenant: str, org_id: int) -> str:
    """The tree opened down to one org, with its detail panel."""
    today = date.today()
    selected = service.get_org(db.session, org_id)
    open_path = service.ancestor_ids(db.session, selected)
    return render_template(
        "orgs/tree.html",
        nodes=_nodes(service.roots(db.session), today, open_path),
        q="",
        results=[],
        more=False,
        detail=_detail(selected, today),
        today=today,
    )


@bp.get("/orgs/<int:org_id>/panel")
@require(Perm.ORGS_READ)
def org_panel(tenant: str, org_id: int) -> str:
    today = date.today()
    return render_template("orgs/_detail.html", d=_detail(service.get_org(db.session, org_id), today))


@bp.get("/orgs/<int:org_id>/children")
@require(Perm.ORGS_READ)
def org_children(tenant: str, org_id: int) -> str:
    """The children of one node, as list items (htmx loads them when a node opens)."""
    parent = service.get_org(db.session, org_id)
    today = date.today()
    return render_template("orgs/_children.html", nodes=_nodes(service.children(db.session, parent), today))


@dataclass
class Detail:
    org: Org
    ancestors: list[Org]
    posts: list[Post]
    current: Post | None
    receiver_chain: list[Org]
    reporters: list[Node]
    child_count: int
    today: date


def _detail(org: Org, on: date) -> Detail:
    return Detail(
        org=org,
        ancestors=service.ancestors(db.session, org),
        posts=sorted(
            service.posts_of(db.session, org_id=org.id), key=lambda p: (p.title != "书记", p.start_date)
        ),
        current=service.holder(db.session, org.id, on),
        receiver_chain=service.chain_up(db.session, org, on),
        reporters=_nodes(service.reporters_to(db.session, org, on), on),
        child_count=service.child_counts(db.session, [org.id]).get(org.id, 0),
        today=on,
    )


# --- reporting relations ------------------------------------------------------

#: Deeper levels list their groups (one per receiving org) folded, members
#: loaded on opening; a level shows at most this many groups and orgs.
MAX_GROUPS = 100
MAX_LEVEL_ONE = 300


@dataclass
class Level:
    number: int
    orgs: list[Org]
    #: The level's reporters grouped under the org they report to.
    groups: list[tuple[Org, list[Org]]]

    def kinds(self) -> str:
        """ "党委(12)、党工委(2)": the level's make-up at a glance."""
        counts = Counter(o.kind for o in self.orgs)
        return "、".join(f"{kind_label(k)}({n})" for k, n in counts.most_common())


@dataclass
class Summary:
    receiver: Org
    levels: list[Level] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(level.orgs) for level in self.levels)


def _summary(receiver: Org, on: date, receiver_of: dict[int, int]) -> Summary:
    summary = Summary(receiver)
    above: list[Org] = [receiver]
    for number, orgs in enumerate(service.reporters_by_level(db.session, receiver, on), start=1):
        under: dict[int, list[Org]] = {}
        for o in orgs:
            under.setdefault(receiver_of.get(o.id, 0), []).append(o)
        groups = [(parent, under[parent.id]) for parent in above if parent.id in under]
        summary.levels.append(Level(number, orgs, groups))
        above = [o for _parent, kids in groups for o in kids]  # keep the grouped order
    return summary


def _parse_day(raw: str | None) -> tuple[date, str | None]:
    if not raw:
        return date.today(), None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        example = date.today().isoformat()
        return date.today(), _(
            "日期格式不正确，应为 YYYY-MM-DD（例如 %(example)s）；已按今天显示。", example=example
        )


def _receiver_arg() -> Org | None:
    raw = request.args.get("receiver", "")
    if not raw:
        return None
    if not raw.isdigit():
        abort(404)
    return service.get_org(db.session, int(raw))


@bp.get("/relations")
@require(Perm.ORGS_READ)
def relations(tenant: str) -> Any:
    on, error = _parse_day(request.args.get("on"))
    receiver_of = service.relation_pairs(db.session, on)
    receivers = sorted(service.orgs_by_id(db.session, receiver_of.values()).values(), key=lambda o: o.path)
    tops = [_summary(o, on, receiver_of) for o in receivers if o.id not in receiver_of]
    chosen = _receiver_arg() or (tops[0].receiver if tops else None)
    focus = None
    if chosen is not None:
        focus = next((s for s in tops if s.receiver.id == chosen.id), None) or _summary(
            chosen, on, receiver_of
        )
    first = focus.levels[0].orgs[:MAX_LEVEL_ONE] if focus and focus.levels else []
    page = render_template(
        "orgs/relations.html",
        on=on,
        error=error,
        receivers=receivers,
        tops=tops,
        chosen=chosen,
        focus=focus,
        focus_is_top=any(s is focus for s in tops),
        chain=service.chain_up(db.session, chosen, on) if chosen is not None else [],
        holders=service.holders(db.session, [o.id for o in first], on),
        below=Counter(receiver_of.values()),
        max_groups=MAX_GROUPS,
        max_level_one=MAX_LEVEL_ONE,
    )
    return (page, 400) if error else page


@bp.get("/relations/<int:org_id>/reporters")
@require(Perm.ORGS_READ)
def relation_reporters(tenant: str, org_id: int) -> Any:
    """The orgs reporting directly to one org (htmx fills a folded group with them)."""
    on, error = _parse_day(request.args.get("on"))
    if error:
        abort(400)
    receiver = service.get_org(db.session, org_id)
    orgs = service.reporters_to(db.session, receiver, on)
    return render_template(
        "orgs/_reporters.html",
        receiver=receiver,
        orgs=orgs,
        on=on,
        holders=service.holders(db.session, [o.id for o in orgs], on),
        below=Counter(service.relation_pairs(db.session, on).values()),
    )


# --- data import --------------------------------------------------------------


def _row_errors(errors: Any) -> list[dict[str, Any]]:
    """The import's row errors as table rows (sheet, row, column, message)."""
    rows = errors.get("rows", errors) if isinstance(errors, dict) else errors
    out: list[dict[str, Any]] = []
    if isinstance(rows, list):
        for item in rows:
            if isinstance(item, dict):
                out.append({k: item.get(k, "") for k in ("sheet", "row", "column", "message")})
            else:
                out.append({"sheet": "", "row": "", "column": "", "message": str(item)})
    elif isinstance(rows, dict):  # field -> [messages]
        for key, messages in rows.items():
            for message in messages if isinstance(messages, list) else [messages]:
                out.append({"sheet": "", "row": "", "column": key, "message": str(message)})
    return out


COUNT_LABELS = {
    "orgs": _l("组织"),
    "people": _l("人员"),
    "posts": _l("任职"),
    "relations": _l("述职关系"),
}


def _counts(result: Any) -> dict[str, int]:
    if hasattr(result, "counts"):
        return dict(result.counts())
    if isinstance(result, dict):
        return {k: int(v) for k, v in result.items()}
    return {}


@bp.route("/import", methods=["GET", "POST"])
@require(Perm.IMPORT_RUN)
def import_page(tenant: str) -> Any:
    if request.method == "GET":
        return render_template(
            "orgs/import.html", result=session.pop(IMPORT_RESULT_KEY, None), labels=COUNT_LABELS
        )
    upload = request.files.get("file")
    name = (upload.filename or "").strip() if upload is not None else ""
    if not name:
        return _import_failed(_("请先选择要导入的文件（.xlsx 或 .csv）。"), status=400)
    if PurePath(name).suffix.lower() not in IMPORT_SUFFIXES:
        return _import_failed(
            _("只能导入 .xlsx 或 .csv 文件，%(name)s 不是。", name=name), status=415, filename=name
        )
    # One byte past the import's own limit is enough to know a file is too big.
    data = upload.stream.read(imports.MAX_FILE_BYTES + 1)
    try:
        result = imports.import_file(db.session, name, data)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()  # nothing half-written
        return _import_failed(exc.message, status=exc.status, rows=_row_errors(exc.errors), filename=name)
    summary = result.summary() if hasattr(result, "summary") else ""
    session[IMPORT_RESULT_KEY] = {"filename": name, "counts": _counts(result), "summary": summary}
    return redirect(url_for("orgs_portal.import_page"), code=303)


def _import_failed(
    message: str, *, status: int, rows: list[dict[str, Any]] | None = None, filename: str = ""
) -> tuple[str, int]:
    page = render_template(
        "orgs/import.html",
        error=message,
        rows=rows or [],
        filename=filename,
        result=None,
        labels=COUNT_LABELS,
    )
    return page, status


@bp.get("/import/template")
@require(Perm.IMPORT_RUN)
def import_template(tenant: str) -> Response:
    return send_file(
        imports.template_workbook(),
        mimetype=XLSX_MIME,
        as_attachment=True,
        download_name=_("组织数据导入模板") + ".xlsx",
    )
