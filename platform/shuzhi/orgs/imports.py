"""Import and export of org data: orgs, posts (任职) and reporting relations (述职关系).

The file
    An .xlsx workbook with sheets named 组织, 任职, 述职关系 (any subset; other
    sheets such as 说明 are ignored; a workbook with none of these names has
    its sheets recognised by their header rows), or one .csv table per file
    (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it),
    recognised by its header row. Columns are listed in :data:`SPECS`; the
    template (:func:`template_workbook`) explains them in its 说明 sheet.

Entry points (all work in the session's tenant and never commit)
    ``import_file(session, filename, data) -> ImportResult``
        Parse, validate, write. All or nothing: on any problem it raises
        :class:`ImportRejected` (a 422 :class:`~shuzhi.errors.ShuzhiError`)
        before writing anything, so the caller's transaction stays clean.
        ``exc.errors`` is a list of dicts ``{"sheet", "row", "column", "cell",
        "message", "text"}`` (``row`` as Excel shows it, ``column`` the header,
        ``text`` the whole Chinese sentence: "组织 第7行「上级编码」：找不到编码为
        X 的组织。"); ``exc.row_errors`` holds the same as :class:`RowError`.
        The API returns it in the one error shape: ``{"code": 422, "message":
        "…", "errors": [ … ]}``.
    ``import_upload(session, upload)``: the same for a werkzeug FileStorage.
    ``parse(filename, data) -> Parsed`` and ``import_parsed(session, parsed)``
        the two halves, for benchmarks that time them apart.
    ``template_workbook()``, ``export_workbook(session)``: .xlsx in the same
        format, so export -> import round-trips.
    ``generate_workbook(n_orgs, ...)``: a synthetic file for benchmarks.

Meaning of rows
    An org code already in the tenant updates that org (name, kind; a changed
    上级编码 moves it with its subtree through :func:`service.move_org`).
    An empty 上级编码 makes the org a root; without the 上级编码 column, existing
    orgs keep their parents. A post is identified by (人员编号, 组织编码, 职务,
    开始日期) and a relation by (述职组织, 接受述职组织, 开始日期): re-importing
    the same rows updates end dates and notes instead of duplicating them.

Why not call service.create_org per row
    It looks the code up and flushes twice per org: 50,000 rows would be
    150,000 round trips. Validation here loads the tenant's orgs, people,
    posts and relations once (columns only) and checks everything in memory
    by the same rules the service enforces; the writes then go through the
    ORM session in batches (one INSERT per tree level, executemany updates),
    still stamped and filtered by the tenant scope. Moves of existing orgs,
    rare and subtree-wide, do go through the service.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, text
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session

from shuzhi.errors import ValidationFailed
from shuzhi.orgs import paths, service, tabular
from shuzhi.orgs.models import Org, OrgKind, Person, Post, ReportingRelation
from shuzhi.orgs.tabular import SheetError
from shuzhi.tenancy.scope import TENANT_KEY

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILE_BYTES = tabular.MAX_FILE_BYTES
MAX_ROWS = tabular.MAX_ROWS
#: Errors listed in one answer; the message still gives the total.
MAX_REPORTED_ERRORS = 200

ORGS, POSTS, RELATIONS, HELP = "组织", "任职", "述职关系", "说明"
DEFAULT_TITLE = "书记"

KIND_BY_NAME: dict[str, OrgKind] = {
    "党委": OrgKind.COMMITTEE,
    "党工委": OrgKind.WORKING_COMMITTEE,
    "工委": OrgKind.WORKING_COMMITTEE,
    "党组": OrgKind.PARTY_GROUP,
    "党总支": OrgKind.GENERAL_BRANCH,
    "总支": OrgKind.GENERAL_BRANCH,
    "党支部": OrgKind.BRANCH,
    "支部": OrgKind.BRANCH,
    "单位": OrgKind.UNIT,
    **{k.value: k for k in OrgKind},
}
KIND_LABEL: dict[OrgKind, str] = {
    OrgKind.COMMITTEE: "党委",
    OrgKind.WORKING_COMMITTEE: "党工委",
    OrgKind.PARTY_GROUP: "党组",
    OrgKind.GENERAL_BRANCH: "党总支",
    OrgKind.BRANCH: "党支部",
    OrgKind.UNIT: "单位",
}
KIND_CHOICES = ["党委", "党工委", "工委", "党组", "党总支", "党支部", "单位"]


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    #: The header must be present (its values may still be optional, e.g. 姓名).
    required: bool
    max_len: int | None = None
    is_date: bool = False
    help: str = ""


SPECS: dict[str, list[Column]] = {
    ORGS: [
        Column(
            "编码",
            "code",
            True,
            64,
            help="组织在本单位内的唯一编码，必填。已存在的编码会更新该组织，不会重复新建。",
        ),
        Column("名称", "name", True, 200, help="组织全称，必填。"),
        Column("类型", "kind", True, help="必填，从下拉列表选择：" + "、".join(KIND_CHOICES) + "。"),
        Column(
            "上级编码",
            "parent",
            False,
            64,
            help="上级组织的编码；留空表示顶级组织。上级可以写在本表的后面几行，或是系统中已有的组织。"
            "已有组织的上级改变时，连同其下级一起移动。",
        ),
    ],
    POSTS: [
        Column("人员编号", "person_code", True, 64, help="人员在本单位内的唯一编号，必填。"),
        Column("姓名", "person_name", True, 100, help="新人员必填；已有人员可留空，填写则更新姓名。"),
        Column(
            "组织编码", "org_code", True, 64, help="任职的组织的编码，必填；须在「组织」表中或系统中已有。"
        ),
        Column("职务", "title", False, 32, help="留空时为“书记”。"),
        Column(
            "开始日期",
            "start",
            True,
            is_date=True,
            help="必填。日期格式，或 YYYY-MM-DD、YYYY/MM/DD、YYYY年M月D日。",
        ),
        Column("结束日期", "end", False, is_date=True, help="仍在任时留空；不能早于开始日期。"),
    ],
    RELATIONS: [
        Column("述职组织编码", "reporter", True, 64, help="述职的组织（下级）的编码，必填。"),
        Column("接受述职组织编码", "receiver", True, 64, help="听取述职的组织（上级）的编码，必填。"),
        Column("开始日期", "start", True, is_date=True, help="必填。"),
        Column(
            "结束日期",
            "end",
            False,
            is_date=True,
            help="长期有效时留空。同一组织同一时期只能向一个组织述职，述职关系不能形成循环。",
        ),
        Column("备注", "note", False, 200, help="可选。"),
    ],
}
_SHEET_ORDER = {ORGS: 0, POSTS: 1, RELATIONS: 2}


# --- errors -----------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem, located as the user sees it in Excel."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str
    cell: str | None = None

    def text(self) -> str:
        if self.sheet and self.row and self.column:
            return _(
                "%(sheet)s 第%(row)d行「%(column)s」：%(message)s",
                sheet=self.sheet,
                row=self.row,
                column=self.column,
                message=self.message,
            )
        if self.sheet and self.row:
            return _(
                "%(sheet)s 第%(row)d行：%(message)s", sheet=self.sheet, row=self.row, message=self.message
            )
        if self.sheet:
            return _("%(sheet)s：%(message)s", sheet=self.sheet, message=self.message)
        return self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "message": self.message,
            "text": self.text(),
        }


class ImportRejected(ValidationFailed):
    """The file was refused; nothing was written. ``errors`` lists every problem found."""

    def __init__(self, row_errors: list[RowError], message: str | None = None, *, status: int = 422) -> None:
        if message is None:
            if len(row_errors) == 1:
                message = row_errors[0].text()
            else:
                message = _(
                    "导入文件中有 %(n)d 处错误，没有导入任何数据；请改正后重新上传。", n=len(row_errors)
                )
        super().__init__(message, status=status)
        self.row_errors = row_errors
        listed = [e.as_dict() for e in row_errors[:MAX_REPORTED_ERRORS]]
        if len(row_errors) > MAX_REPORTED_ERRORS:
            rest = len(row_errors) - MAX_REPORTED_ERRORS
            listed.append(RowError(None, None, None, _("另有 %(n)d 处错误未列出。", n=rest)).as_dict())
        # A list, not the usual {field: [...]}: a file's errors are located by sheet and row.
        self.errors = listed  # type: ignore[assignment]


# --- parsed rows ---------------------------------------------------------------


@dataclass
class OrgRow:
    sheet: str
    row: int
    code: str | None
    name: str | None
    kind: OrgKind | None
    parent: str | None  # "" means root; None with has_parent False means "keep"
    ok: bool = True


@dataclass
class PostRow:
    sheet: str
    row: int
    person_code: str | None
    person_name: str | None
    org_code: str | None
    title: str
    start: date | None
    end: date | None
    ok: bool = True


@dataclass
class RelationRow:
    sheet: str
    row: int
    reporter: str | None
    receiver: str | None
    start: date | None
    end: date | None
    note: str
    ok: bool = True


@dataclass
class Parsed:
    """What a file says, checked cell by cell but not yet against the database."""

    orgs: list[OrgRow] = field(default_factory=list)
    posts: list[PostRow] = field(default_factory=list)
    relations: list[RelationRow] = field(default_factory=list)
    #: Whether the 组织 table has a 上级编码 column (without it, parents are kept).
    has_parent: bool = False
    #: Cell errors; they are reported together with the checks against the database.
    errors: list[RowError] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.orgs) + len(self.posts) + len(self.relations)


@dataclass
class ImportResult:
    """Rows the file held of each kind, and how many were new or changed."""

    orgs: int = 0
    people: int = 0
    posts: int = 0
    relations: int = 0
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_KINDS, 0))
    moved: int = 0

    def counts(self) -> dict[str, int]:
        return {"orgs": self.orgs, "people": self.people, "posts": self.posts, "relations": self.relations}

    def summary(self) -> str:
        return _(
            "组织 %(orgs)d 个（新增 %(oc)d，更新 %(ou)d，移动 %(om)d）；人员 %(people)d 名（新增 %(pc)d）；"
            "任职 %(posts)d 条（新增 %(tc)d）；述职关系 %(rels)d 条（新增 %(rc)d）。",
            orgs=self.orgs,
            oc=self.created["orgs"],
            ou=self.updated["orgs"],
            om=self.moved,
            people=self.people,
            pc=self.created["people"],
            posts=self.posts,
            tc=self.created["posts"],
            rels=self.relations,
            rc=self.created["relations"],
        )


_KINDS = ("orgs", "people", "posts", "relations")


# --- entry points ----------------------------------------------------------------


def import_file(session: Session, filename: str, data: bytes) -> ImportResult:
    """Parse, validate and write a file in the session's tenant; raises :class:`ImportRejected`."""
    return import_parsed(session, parse(filename, data))


def import_upload(session: Session, upload: Any) -> ImportResult:
    """The API's entry: a werkzeug ``FileStorage`` (or None when the form had no file)."""
    if upload is None or not getattr(upload, "filename", ""):
        raise ImportRejected([RowError(None, None, None, _("请选择要导入的文件（.xlsx 或 .csv）。"))])
    # Read one byte past the limit: enough to know it is too big, never the whole of it.
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    return import_file(session, upload.filename, data)


def parse(filename: str, data: bytes) -> Parsed:
    """Read the file and check each cell.

    Raises :class:`ImportRejected` when the file cannot be read or a table's
    header is wrong (rows can't be understood then); errors in cells are kept
    in ``Parsed.errors`` so that :func:`import_parsed` lists them together
    with what only the database can tell (unknown codes, overlaps, loops).
    """
    try:
        tables = tabular.read_tables(filename, data)
    except SheetError as exc:
        status = 413 if len(data) > MAX_FILE_BYTES else 422
        raise ImportRejected([RowError(exc.sheet, None, None, exc.message)], status=status) from exc
    parsed = Parsed()
    structural: list[RowError] = []
    for kind, table in _assign(tables, structural):
        structural += _parse_table(kind, table, parsed)
    if not structural and not parsed.errors and parsed.row_count == 0:
        structural.append(RowError(None, None, None, _("文件中没有可导入的数据行（只有表头或是空表）。")))
    if structural:
        raise ImportRejected(_sorted(structural + parsed.errors))
    return parsed


def import_parsed(session: Session, parsed: Parsed) -> ImportResult:
    """Check ``parsed`` against the tenant's data and write it; all or nothing."""
    if session.info.get(TENANT_KEY) is None:
        raise RuntimeError("import needs a tenant scope (shuzhi.tenancy.scope.scoped)")
    plan = _Planner(session, parsed).plan()
    if parsed.errors or plan.errors:
        raise ImportRejected(_sorted(parsed.errors + plan.errors))
    return _apply(session, plan)


def _sorted(errors: list[RowError]) -> list[RowError]:
    def key(e: RowError) -> tuple[int, int, int]:
        cols = [c.header for c in SPECS.get(e.sheet or "", [])]
        col = cols.index(e.column) if e.column in cols else -1
        return (_SHEET_ORDER.get(e.sheet or "", -1), e.row or 0, col)

    return sorted(errors, key=key)


# --- tables and headers ------------------------------------------------------------


def _norm_header(value: Any) -> str:
    text = tabular.cell_text(value) or ""
    text = re.sub(r"\s+", "", text.replace("\u3000", ""))
    text = re.sub(r"[（(][^（()）]*[)）]$", "", text)  # "开始日期（YYYY-MM-DD）"
    return text.rstrip("*＊")


def _recognise(table: tabular.RawTable) -> str | None:
    if table.header is None:
        return None
    headers = {_norm_header(v) for v in table.header[1]}
    scores = {name: len(headers & {c.header for c in cols}) for name, cols in SPECS.items()}
    best = max(scores.values())
    winners = [name for name, score in scores.items() if score == best]
    if best > 0 and len(winners) == 1:
        return winners[0]
    return table.title if table.title in SPECS else None


def _expected_headers() -> str:
    return "；".join(f"{name}（{'、'.join(c.header for c in cols)}）" for name, cols in SPECS.items())


def _assign(tables: list[tabular.RawTable], errors: list[RowError]) -> Iterator[tuple[str, tabular.RawTable]]:
    """Which table is which: xlsx sheets by name (else by header), csv by header."""
    named = [t for t in tables if t.fmt == "xlsx" and t.title in SPECS]
    if named:
        chosen = [(t.title, t) for t in named]
    else:
        chosen = []
        for t in tables:
            if t.title == HELP or not t.rows:
                continue
            kind = _recognise(t)
            if kind is None:
                label = t.title if t.fmt == "xlsx" else None
                errors.append(
                    RowError(
                        label,
                        t.header[0] if t.header else None,
                        None,
                        _(
                            "无法识别这张表：工作表应命名为 组织、任职 或 述职关系，"
                            "或表头应为以下之一：%(expected)s。",
                            expected=_expected_headers(),
                        ),
                    )
                )
                continue
            chosen.append((kind, t))
    seen: dict[str, str] = {}
    for kind, t in chosen:
        if kind in seen:
            errors.append(
                RowError(
                    kind,
                    None,
                    None,
                    _("有两张「%(kind)s」表（%(a)s、%(b)s）。", kind=kind, a=seen[kind], b=t.title),
                )
            )
            continue
        seen[kind] = t.title
        yield kind, t
    if not chosen and not errors:
        errors.append(
            RowError(
                None, None, None, _("文件中没有名为 组织、任职 或 述职关系 的工作表，也没有可识别的表格。")
            )
        )


def _parse_table(kind: str, table: tabular.RawTable, parsed: Parsed) -> list[RowError]:
    """Read one table's rows into ``parsed``; returns its header errors (then no rows are read)."""
    errors: list[RowError] = []
    if table.header is None:
        return errors
    header_row, header_cells = table.header
    # Errors name the sheet as the user sees it (a csv's table by its kind).
    label = table.title if table.fmt == "xlsx" else kind
    cols = SPECS[kind]
    by_header = {c.header: c for c in cols}
    index: dict[str, int] = {}
    for i, raw in enumerate(header_cells):
        if raw is None:
            continue
        name = _norm_header(raw)
        cell = f"{tabular.column_letter(i)}{header_row}"
        if name not in by_header:
            errors.append(
                RowError(
                    label,
                    header_row,
                    tabular.cell_text(raw),
                    _(
                        "不认识的列（单元格 %(cell)s）；「%(kind)s」表只能有这些列：%(allowed)s。",
                        cell=cell,
                        kind=kind,
                        allowed="、".join(by_header),
                    ),
                    cell,
                )
            )
        elif by_header[name].key in index:
            errors.append(RowError(label, header_row, name, _("这一列出现了两次。"), cell))
        else:
            index[by_header[name].key] = i
    for c in cols:
        if c.required and c.key not in index:
            errors.append(RowError(label, header_row, c.header, _("缺少必需的列。")))
    if errors:
        return errors
    if kind == ORGS:
        parsed.has_parent = "parent" in index
    width = len(header_cells)
    for number, values in table.data:
        _parse_row(kind, label, cols, index, width, number, values, parsed)
    return errors


def _parse_row(
    kind: str,
    label: str,
    cols: list[Column],
    index: dict[str, int],
    width: int,
    number: int,
    values: list[Any],
    parsed: Parsed,
) -> None:
    errors = parsed.errors
    before = len(errors)
    for i in range(width, len(values)):
        if values[i] is not None:
            cell = f"{tabular.column_letter(i)}{number}"
            errors.append(
                RowError(
                    label, number, None, _("单元格 %(cell)s 在表头之外，有内容但没有列名。", cell=cell), cell
                )
            )
    got: dict[str, Any] = {}
    for c in cols:
        i = index.get(c.key)
        raw = values[i] if i is not None and i < len(values) else None
        cell = f"{tabular.column_letter(i)}{number}" if i is not None else None
        if tabular.looks_like_formula(raw):
            errors.append(
                RowError(
                    label,
                    number,
                    c.header,
                    _(
                        "单元格 %(cell)s 是公式（%(formula)s），不接受公式；请改为直接填写内容。",
                        cell=cell,
                        formula=str(raw)[:40],
                    ),
                    cell,
                )
            )
            got[c.key] = None
            continue
        if c.is_date:
            got[c.key] = None
            if raw is None:
                if c.required:
                    errors.append(RowError(label, number, c.header, _("必填，不能为空。"), cell))
                continue
            try:
                got[c.key] = tabular.cell_date(raw)
            except ValueError:
                errors.append(
                    RowError(
                        label,
                        number,
                        c.header,
                        _(
                            "「%(value)s」不是有效日期；请填写日期，"
                            "或 YYYY-MM-DD、YYYY/MM/DD、YYYY年M月D日 格式的文本。",
                            value=tabular.cell_text(raw),
                        ),
                        cell,
                    )
                )
            continue
        text = tabular.cell_text(raw)
        if text is None and c.required and c.key != "person_name":
            errors.append(RowError(label, number, c.header, _("必填，不能为空。"), cell))
        elif text is not None and c.max_len is not None and len(text) > c.max_len:
            errors.append(RowError(label, number, c.header, _("不能超过 %(n)d 个字。", n=c.max_len), cell))
            text = None
        got[c.key] = text
    start, end = got.get("start"), got.get("end")
    if start and end and end < start:
        errors.append(
            RowError(
                label,
                number,
                "结束日期",
                _(
                    "结束日期 %(end)s 早于开始日期 %(start)s。",
                    end=end.isoformat(),
                    start=start.isoformat(),
                ),
            )
        )
    ok = len(errors) == before
    if kind == ORGS:
        kind_text = got.get("kind")
        org_kind = KIND_BY_NAME.get(kind_text) if kind_text else None
        if kind_text and org_kind is None:
            ok = False
            errors.append(
                RowError(
                    label,
                    number,
                    "类型",
                    _(
                        "「%(value)s」不是可用的组织类型；应为：%(choices)s。",
                        value=kind_text,
                        choices="、".join(KIND_CHOICES),
                    ),
                )
            )
        parent = got.get("parent") or "" if "parent" in index else None
        parsed.orgs.append(OrgRow(label, number, got.get("code"), got.get("name"), org_kind, parent, ok))
    elif kind == POSTS:
        parsed.posts.append(
            PostRow(
                label,
                number,
                got.get("person_code"),
                got.get("person_name"),
                got.get("org_code"),
                got.get("title") or DEFAULT_TITLE,
                start,
                end,
                ok,
            )
        )
    else:
        parsed.relations.append(
            RelationRow(
                label, number, got.get("reporter"), got.get("receiver"), start, end, got.get("note") or "", ok
            )
        )


# --- validation against the tenant's data ------------------------------------------------


@dataclass
class _DbOrg:
    id: int
    code: str
    name: str
    kind: OrgKind
    parent_id: int | None
    path: bytes
    depth: int
    child_seq: int


@dataclass
class _Interval:
    """A post or relation, from the file (``row``) or the database (``db_id``)."""

    key: tuple[Any, ...]
    group: tuple[Any, ...]
    other: str  # the person (posts) or the receiver (relations)
    start: date
    end: date | None
    row: Any = None
    db_id: int | None = None
    note: str = ""


@dataclass
class _Plan:
    parsed: Parsed
    errors: list[RowError]
    db_orgs: dict[str, _DbOrg]
    final_parent: dict[str, str | None]
    final_depth: dict[str, int]
    people: dict[str, tuple[int, str]]  # code -> (id, name) in the database
    person_names: dict[str, str]  # code -> name from the file
    #: (file row, id of the same post in the database, whether that one differs)
    posts: list[tuple[PostRow, int | None, bool]]
    relations: list[tuple[RelationRow, int | None, bool]]
    code_of: dict[int, str]

    def moved(self, code: str) -> bool:
        """Whether an existing org ends up under another parent than it has now."""
        pid = self.db_orgs[code].parent_id
        return self.final_parent.get(code) != (self.code_of.get(pid) if pid is not None else None)


class _Planner:
    def __init__(self, session: Session, parsed: Parsed) -> None:
        self.session = session
        self.parsed = parsed
        self.errors: list[RowError] = []

    def err(self, row: Any, column: str | None, message: str) -> None:
        row.ok = False
        self.errors.append(RowError(row.sheet, row.row, column, message))

    def plan(self) -> _Plan:
        s = self.session
        self.db_orgs = {
            r.code: _DbOrg(*r)
            for r in s.execute(
                select(
                    Org.id, Org.code, Org.name, Org.kind, Org.parent_id, Org.path, Org.depth, Org.child_seq
                )
            )
        }
        self.code_of = {o.id: o.code for o in self.db_orgs.values()}
        self.db_people = {
            code: (pid, name) for pid, code, name in s.execute(select(Person.id, Person.code, Person.name))
        }
        self.file_orgs = self._check_orgs()
        self.known = set(self.db_orgs) | set(self.file_orgs)
        final_parent, final_depth = self._check_tree()
        names = self._check_people()
        posts = self._check_posts()
        relations = self._check_relations()
        return _Plan(
            self.parsed,
            self.errors,
            self.db_orgs,
            final_parent,
            final_depth,
            self.db_people,
            names,
            posts,
            relations,
            self.code_of,
        )

    # orgs

    def _check_orgs(self) -> dict[str, OrgRow]:
        first: dict[str, OrgRow] = {}
        for r in self.parsed.orgs:
            if r.code is None:
                continue
            if r.code in first:
                self.err(
                    r, "编码", _("编码 %(code)s 与第%(row)d行重复。", code=r.code, row=first[r.code].row)
                )
                continue
            first[r.code] = r
        return first

    def _check_tree(self) -> tuple[dict[str, str | None], dict[str, int]]:
        parent: dict[str, str | None] = {
            code: (self.code_of.get(o.parent_id) if o.parent_id is not None else None)
            for code, o in self.db_orgs.items()
        }
        for code, r in self.file_orgs.items():
            if r.parent is None:  # no 上级编码 column: keep the database's parent (new orgs are roots)
                parent.setdefault(code, None)
                continue
            p = r.parent or None
            if p == code:
                self.err(r, "上级编码", _("上级不能是自己。"))
                p = parent.get(code) if code in self.db_orgs else None
            elif p is not None and p not in self.known:
                self.err(r, "上级编码", _("找不到编码为 %(code)s 的组织（本文件和系统中都没有）。", code=p))
                p = parent.get(code) if code in self.db_orgs else None
            parent[code] = p
        # Cycles: walk up from each file org; a walk meeting itself is a loop.
        state: dict[str, int] = {}  # 1 on the current walk, 2 done
        depth: dict[str, int] = {}
        for start in self.file_orgs:
            walk: list[str] = []
            node: str | None = start
            while node is not None and state.get(node) is None:
                state[node] = 1
                walk.append(node)
                node = parent.get(node)
            if node is not None and state.get(node) == 1:
                loop = walk[walk.index(node) :]
                rows = [self.file_orgs[c] for c in loop if c in self.file_orgs]
                at = min(rows, key=lambda r: r.row)
                shown = " → ".join([*loop[loop.index(at.code) :], *loop[: loop.index(at.code)], at.code])
                self.err(at, "上级编码", _("上级关系形成循环：%(loop)s。", loop=shown))
                for c in loop:
                    parent[c] = None  # break it so depths below stay finite
                    state[c] = 2
                    depth[c] = 0
                walk = walk[: walk.index(node)]
                node = None
            base = -1 if node is None else depth[node]
            for c in reversed(walk):
                base += 1
                depth[c] = base
                state[c] = 2
        return parent, depth

    # people and posts

    def _check_people(self) -> dict[str, str]:
        names: dict[str, tuple[str, int]] = {}
        for r in self.parsed.posts:
            if r.person_code is None or r.person_name is None:
                continue
            seen = names.get(r.person_code)
            if seen is None:
                names[r.person_code] = (r.person_name, r.row)
            elif seen[0] != r.person_name:
                self.err(
                    r,
                    "姓名",
                    _(
                        "人员编号 %(code)s 在第%(row)d行的姓名是「%(first)s」，这里是「%(name)s」。",
                        code=r.person_code,
                        row=seen[1],
                        first=seen[0],
                        name=r.person_name,
                    ),
                )
        for r in self.parsed.posts:
            code = r.person_code
            if code and r.person_name is None and code not in names and code not in self.db_people:
                self.err(r, "姓名", _("找不到人员编号为 %(code)s 的人员；新人员请填写姓名。", code=code))
        return {code: name for code, (name, _row) in names.items()}

    def _check_posts(self) -> list[tuple[PostRow, int | None, bool]]:
        person_code = {pid: code for code, (pid, _n) in self.db_people.items()}
        existing: dict[tuple[Any, ...], _Interval] = {}
        for pid, person_id, org_id, title, start, end in self.session.execute(
            select(Post.id, Post.person_id, Post.org_id, Post.title, Post.start_date, Post.end_date)
        ):
            pc, oc = person_code.get(person_id), self.code_of.get(org_id)
            key = (pc, oc, title, start)
            existing[key] = _Interval(key, (oc, title), pc or "", start, end, db_id=pid)
        out: list[tuple[PostRow, int | None, bool]] = []
        mine: dict[tuple[Any, ...], _Interval] = {}
        for r in self.parsed.posts:
            if r.org_code is not None and r.org_code not in self.known:
                self.err(
                    r,
                    "组织编码",
                    _("找不到编码为 %(code)s 的组织（本文件和系统中都没有）。", code=r.org_code),
                )
            if not r.ok:
                continue
            key = (r.person_code, r.org_code, r.title, r.start)
            if key in mine:
                self.err(r, "开始日期", _("与第%(row)d行是同一条任职记录。", row=mine[key].row.row))
                continue
            assert r.start is not None
            mine[key] = _Interval(key, (r.org_code, r.title), r.person_code or "", r.start, r.end, row=r)
            old = existing.get(key)
            out.append((r, old.db_id if old else None, old is None or old.end != r.end))
        combined = {**existing, **mine}
        for a, b in _overlaps(combined.values(), lambda x, y: x.other != y.other):
            r = b.row or a.row
            other = a if r is b.row else b
            where = _("第%(row)d行", row=other.row.row) if other.row else _("系统中已有的记录")
            self.err(
                r,
                "开始日期",
                _(
                    "组织 %(org)s 同一时期已有人担任%(title)s（人员编号 %(person)s，%(where)s）。",
                    org=r.org_code,
                    title=r.title,
                    person=other.other,
                    where=where,
                ),
            )
        return [entry for entry in out if entry[0].ok]

    # relations

    def _check_relations(self) -> list[tuple[RelationRow, int | None, bool]]:
        existing: dict[tuple[Any, ...], _Interval] = {}
        for rid, rep, rec, start, end, note in self.session.execute(
            select(
                ReportingRelation.id,
                ReportingRelation.reporter_id,
                ReportingRelation.receiver_id,
                ReportingRelation.valid_from,
                ReportingRelation.valid_to,
                ReportingRelation.note,
            )
        ):
            a, b = self.code_of.get(rep), self.code_of.get(rec)
            key = (a, b, start)
            existing[key] = _Interval(key, (a,), b or "", start, end, db_id=rid, note=note)
        out: list[tuple[RelationRow, int | None, bool]] = []
        mine: dict[tuple[Any, ...], _Interval] = {}
        for r in self.parsed.relations:
            for col, code in (("述职组织编码", r.reporter), ("接受述职组织编码", r.receiver)):
                if code is not None and code not in self.known:
                    self.err(r, col, _("找不到编码为 %(code)s 的组织（本文件和系统中都没有）。", code=code))
            if r.ok and r.reporter == r.receiver:
                self.err(r, "接受述职组织编码", _("组织不能向自己述职。"))
            if not r.ok:
                continue
            key = (r.reporter, r.receiver, r.start)
            if key in mine:
                self.err(r, "开始日期", _("与第%(row)d行是同一条述职关系。", row=mine[key].row.row))
                continue
            assert r.start is not None
            mine[key] = _Interval(key, (r.reporter,), r.receiver or "", r.start, r.end, row=r)
            old = existing.get(key)
            out.append((r, old.db_id if old else None, old is None or (old.end, old.note) != (r.end, r.note)))
        combined = {**existing, **mine}
        for a, b in _overlaps(combined.values(), lambda x, y: True):
            r = b.row or a.row
            other = a if r is b.row else b
            where = _("第%(row)d行", row=other.row.row) if other.row else _("系统中已有的记录")
            self.err(
                r,
                "开始日期",
                _(
                    "组织 %(org)s 在该时期已向 %(receiver)s 述职（%(where)s），"
                    "一个组织同一时期只能向一个组织述职。",
                    org=r.reporter,
                    receiver=other.other,
                    where=where,
                ),
            )
        live = [i for i in combined.values() if i.row is None or i.row.ok]
        self._relation_cycles(live)
        return [entry for entry in out if entry[0].ok]

    def _relation_cycles(self, rels: list[_Interval]) -> None:
        """A loop exists iff all its relations are valid on one day, and then on the latest start among them.

        So checking the graph on each start date (within some file row's
        period) finds every loop; with overlaps refused each org reports to one
        receiver per day, so each day's graph is a function, walked in O(n).
        """
        mine = [i for i in rels if i.row is not None]
        if not mine:
            return
        lo = min(m.start for m in mine)
        hi = None if any(m.end is None for m in mine) else max(m.end for m in mine if m.end)
        days = sorted({i.start for i in rels if lo <= i.start and (hi is None or i.start <= hi)})
        reported: set[frozenset[str]] = set()
        for day in days:
            up: dict[str, _Interval] = {}
            for i in rels:
                if i.start <= day and (i.end is None or day <= i.end):
                    up[i.group[0]] = i
            state: dict[str, int] = {}
            for start in list(up):
                walk: list[str] = []
                node: str | None = start
                while node is not None and node in up and state.get(node) is None:
                    state[node] = 1
                    walk.append(node)
                    node = up[node].other
                if node is not None and state.get(node) == 1:
                    loop = walk[walk.index(node) :]
                    members = frozenset(loop)
                    file_rows = [up[c].row for c in loop if up[c].row is not None]
                    if file_rows and members not in reported:
                        reported.add(members)
                        at = min(file_rows, key=lambda r: r.row)
                        k = loop.index(at.reporter)
                        shown = " → ".join([*loop[k:], *loop[:k], at.reporter])
                        self.err(
                            at,
                            "接受述职组织编码",
                            _("述职关系形成循环（%(day)s 起）：%(loop)s。", day=day.isoformat(), loop=shown),
                        )
                for c in walk:
                    state[c] = 2


def _overlaps(items: Iterable[_Interval], counts: Any) -> Iterator[tuple[_Interval, _Interval]]:
    """Pairs (earlier, later) in one group whose periods overlap, where at least one is a file row.

    Sorted by start, each interval is compared with the one reaching furthest
    so far; ``counts(a, b)`` decides whether that overlap is a conflict.
    """
    groups: dict[tuple[Any, ...], list[_Interval]] = defaultdict(list)
    for i in items:
        groups[i.group].append(i)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda i: (i.start, i.row is not None))
        reach: _Interval | None = None
        for i in group:
            overlap = reach is not None and (reach.end is None or i.start <= reach.end)
            if overlap and (reach.row is not None or i.row is not None) and counts(reach, i):
                yield reach, i
            if reach is None or (reach.end is not None and (i.end is None or i.end > reach.end)):
                reach = i


# --- writing ----------------------------------------------------------------------


def _chunks(items: list[Any], n: int = 1000) -> Iterator[list[Any]]:
    for k in range(0, len(items), n):
        yield items[k : k + n]


def _apply(session: Session, plan: _Plan) -> ImportResult:
    parsed = plan.parsed
    result = ImportResult(
        orgs=len([r for r in parsed.orgs if r.code]),
        people=len({r.person_code for r in parsed.posts}),
        posts=len(plan.posts),
        relations=len(plan.relations),
    )
    ids = {code: o.id for code, o in plan.db_orgs.items()}
    paths_of = {code: (o.path, o.depth) for code, o in plan.db_orgs.items()}
    file_orgs = {r.code: r for r in parsed.orgs if r.code}

    # Changed names and kinds of existing orgs, loaded in batches (no per-row SELECT).
    changed = {
        plan.db_orgs[c].id: r
        for c, r in file_orgs.items()
        if c in plan.db_orgs and (plan.db_orgs[c].name != r.name or plan.db_orgs[c].kind != r.kind)
    }
    for chunk in _chunks(list(changed)):
        for org in session.scalars(select(Org).where(Org.id.in_(chunk))):
            r = changed[org.id]
            org.name, org.kind = r.name or org.name, r.kind or org.kind
    result.updated["orgs"] = len(changed)

    # New orgs in one batch, parents first. Their ids are taken from the sequence up front and
    # their ranks from the parents' counters, so each row is inserted with its final path: no
    # second UPDATE per row (nor audit event).
    new = sorted((c for c in file_orgs if c not in plan.db_orgs), key=lambda c: plan.final_depth.get(c, 0))
    last_rank = {code: o.child_seq for code, o in plan.db_orgs.items()}  # parent code -> last rank given
    last_root = max((paths.ranks(o.path)[0] for o in plan.db_orgs.values() if o.parent_id is None), default=0)
    objs: dict[str, Org] = {}
    for c, oid in zip(new, _reserve_org_ids(session, len(new)), strict=True):
        r = file_orgs[c]
        p = plan.final_parent.get(c)
        ppath, pdepth = paths_of[p] if p else (b"", -1)
        if p:
            rank = last_rank[p] = last_rank.get(p, 0) + 1
            if p in objs:
                objs[p].child_seq = rank
        else:
            rank = last_root = last_root + 1
        path = service.child_path(ppath, rank)
        objs[c] = Org(
            id=oid,
            code=c,
            name=r.name,
            kind=r.kind,
            parent_id=ids[p] if p else None,
            path=path,
            depth=pdepth + 1,
            child_seq=0,
        )
        ids[c] = oid
        paths_of[c] = (path, pdepth + 1)
    session.add_all(objs.values())
    # Existing parents' counters, in one executemany (bookkeeping: no audit event, same updated_at).
    bumped = [
        {"oid": o.id, "seq": last_rank[code]}
        for code, o in plan.db_orgs.items()
        if last_rank.get(code, 0) != o.child_seq
    ]
    if bumped:
        t = Org.__table__
        session.connection().execute(
            sa_update(t)
            .where(t.c.id == bindparam("oid"))
            .values(child_seq=bindparam("seq"), updated_at=t.c.updated_at),
            bumped,
        )
    session.flush()
    result.created["orgs"] = len(new)

    # Existing orgs under a new parent, shallowest first so each move is valid when made.
    moves = [c for c in file_orgs if c in plan.db_orgs and parsed.has_parent and plan.moved(c)]
    for c in sorted(moves, key=lambda c: plan.final_depth.get(c, 0)):
        p = plan.final_parent.get(c)
        service.move_org(session, service.get_org(session, ids[c]), ids[p] if p else None)
    result.moved = len(moves)

    # People: new ones inserted together, renamed ones updated.
    person_ids = {code: pid for code, (pid, _name) in plan.people.items()}
    renamed = {
        plan.people[c][0]: n
        for c, n in plan.person_names.items()
        if c in plan.people and plan.people[c][1] != n
    }
    for chunk in _chunks(list(renamed)):
        for person in session.scalars(select(Person).where(Person.id.in_(chunk))):
            person.name = renamed[person.id]
    fresh = [Person(code=c, name=n) for c, n in plan.person_names.items() if c not in plan.people]
    session.add_all(fresh)
    session.flush()
    person_ids.update({p.code: p.id for p in fresh})
    result.created["people"] = len(fresh)
    result.updated["people"] = len(renamed)

    # Posts and relations: the same post/relation again updates its end date (and note).
    # Only rows whose end date (or note) differ are loaded: re-importing a file costs reads only.
    post_updates = {db_id: r for r, db_id, changed in plan.posts if db_id is not None and changed}
    for chunk in _chunks(list(post_updates)):
        for post in session.scalars(select(Post).where(Post.id.in_(chunk))):
            r = post_updates[post.id]
            if post.end_date != r.end:
                post.end_date = r.end
                result.updated["posts"] += 1
    new_posts = [
        Post(
            person_id=person_ids[r.person_code],
            org_id=ids[r.org_code],
            title=r.title,
            start_date=r.start,
            end_date=r.end,
        )
        for r, db_id, _changed in plan.posts
        if db_id is None
    ]
    session.add_all(new_posts)
    result.created["posts"] = len(new_posts)

    rel_updates = {db_id: r for r, db_id, changed in plan.relations if db_id is not None and changed}
    for chunk in _chunks(list(rel_updates)):
        for rel in session.scalars(select(ReportingRelation).where(ReportingRelation.id.in_(chunk))):
            r = rel_updates[rel.id]
            if rel.valid_to != r.end or rel.note != r.note:
                rel.valid_to, rel.note = r.end, r.note
                result.updated["relations"] += 1
    new_rels = [
        ReportingRelation(
            reporter_id=ids[r.reporter],
            receiver_id=ids[r.receiver],
            valid_from=r.start,
            valid_to=r.end,
            note=r.note,
        )
        for r, db_id, _changed in plan.relations
        if db_id is None
    ]
    session.add_all(new_rels)
    result.created["relations"] = len(new_rels)
    session.flush()
    from shuzhi.audit.service import record

    record(
        session,
        "orgs.import",
        summary=result.summary(),
        after={
            "rows": result.counts(),
            "created": result.created,
            "updated": result.updated,
            "moved": result.moved,
        },
    )
    return result


def _reserve_org_ids(session: Session, n: int) -> list[int]:
    """``n`` fresh ids for ``orgs``, so a new org's path (which holds its id) is known before INSERT."""
    if n == 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return list(
            conn.execute(
                text("SELECT nextval(pg_get_serial_sequence('orgs', 'id')) FROM generate_series(1, :n)"),
                {"n": n},
            ).scalars()
        )
    # SQLite (the embedded mode) numbers rows max(id) + 1 itself; raw SQL so the maximum is over
    # every tenant's rows. A concurrent writer would make our INSERT fail and roll back, not mix.
    top = conn.execute(text("SELECT coalesce(max(id), 0) FROM orgs")).scalar_one()
    return list(range(top + 1, top + n + 1))


# --- template and export ---------------------------------------------------------------

_HEADER_FILL = "C00000"
_EXAMPLES: dict[str, list[list[Any]]] = {
    ORGS: [
        ["D001", "示例镇党委", "党委", None],
        ["D001-01", "示例村党支部", "党支部", "D001"],
    ],
    POSTS: [["P001", "张三", "D001-01", "书记", date(2024, 1, 1), None]],
    RELATIONS: [["D001-01", "D001", date(2024, 1, 1), None, "示例：村党支部向镇党委述职"]],
}
_WIDTHS = {
    "编码": 16,
    "名称": 30,
    "类型": 10,
    "上级编码": 16,
    "备注": 30,
    "接受述职组织编码": 18,
    "述职组织编码": 16,
}


def workbook_bytes(sheets: dict[str, Iterable[list[Any]]], *, example: bool = False) -> io.BytesIO:
    """Write the three sheets (styled, frozen header, 类型 dropdown) and the 说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook(write_only=True)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    example_font = Font(italic=True, color="808080")

    def cell(ws: Any, value: Any, *, font: Any = None, fill: Any = None) -> Any:
        plain = font is None and fill is None and not isinstance(value, date)
        if plain and not (isinstance(value, str) and value.startswith("=")):
            return value  # a bare value is much cheaper for write-only sheets
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text, never a formula
        if isinstance(value, date):
            c.number_format = "yyyy-mm-dd"
        if font is not None:
            c.font = font
        if fill is not None:
            c.fill = fill
        return c

    for name, cols in SPECS.items():
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for i, c in enumerate(cols):
            ws.column_dimensions[tabular.column_letter(i)].width = _WIDTHS.get(c.header, 14)
        if name == ORGS:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(KIND_CHOICES) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="组织类型",
                error="请从下拉列表中选择：" + "、".join(KIND_CHOICES),
            )
            dv.add(f"C2:C{MAX_ROWS + 1}")
            ws.data_validations.append(dv)
        ws.append([cell(ws, c.header, font=head_font, fill=head_fill) for c in cols])
        for values in sheets.get(name, ()):
            ws.append([cell(ws, v, font=example_font if example else None) for v in values])

    ws = wb.create_sheet(HELP)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append([cell(ws, h, font=head_font, fill=head_fill) for h in ("工作表", "列", "说明")])
    for line in _help_lines():
        text = WriteOnlyCell(ws, value=line[2])
        text.alignment = wrap
        ws.append([line[0], line[1], text])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _help_lines() -> list[list[str]]:
    lines = [
        [
            "（总则）",
            "",
            "本工作簿有「组织」「任职」「述职关系」三张表，可只填其中几张；表名和第一行的列名不要改动。",
        ],
        [
            "（总则）",
            "",
            "灰色斜体的是示例行，导入前请删除或改成真实数据。单元格请直接填写内容，不要使用公式。",
        ],
        [
            "（总则）",
            "",
            f"整个文件要么全部导入，要么一行也不导入：有任何错误时会列出所有出错的表、行和列，改正后重新上传即可。"
            f"每张表最多 {MAX_ROWS} 行，文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。",
        ],
        [
            "（总则）",
            "",
            "也可以上传 .csv（每个文件一张表，第一行为列名，UTF-8 或 GB18030 编码），按列名识别是哪张表。",
        ],
    ]
    for name, cols in SPECS.items():
        for c in cols:
            lines.append([name, c.header, c.help])
    return lines


def template_workbook() -> io.BytesIO:
    """The empty import template: the three sheets with one example each, and 说明."""
    return workbook_bytes(_EXAMPLES, example=True)


def export_rows(session: Session) -> dict[str, list[list[Any]]]:
    """The tenant's orgs, posts and relations as rows of the import format."""
    code_of: dict[int, str] = {}
    orgs: list[list[Any]] = []
    for oid, code, name, kind, parent_id in session.execute(
        select(Org.id, Org.code, Org.name, Org.kind, Org.parent_id).order_by(Org.path)
    ):
        code_of[oid] = code
        # Path order puts every parent before its children, so the lookup succeeds.
        orgs.append([code, name, KIND_LABEL[kind], code_of.get(parent_id) if parent_id else None])
    people = {
        pid: (code, name) for pid, code, name in session.execute(select(Person.id, Person.code, Person.name))
    }
    posts = [
        [*people[person_id], code_of[org_id], title, start, end]
        for person_id, org_id, title, start, end in session.execute(
            select(Post.person_id, Post.org_id, Post.title, Post.start_date, Post.end_date)
        )
    ]
    posts.sort(key=lambda r: (r[2], r[3], r[4], r[0]))
    rels = [
        [code_of[a], code_of[b], start, end, note or None]
        for a, b, start, end, note in session.execute(
            select(
                ReportingRelation.reporter_id,
                ReportingRelation.receiver_id,
                ReportingRelation.valid_from,
                ReportingRelation.valid_to,
                ReportingRelation.note,
            )
        )
    ]
    rels.sort(key=lambda r: (r[1], r[0], r[2]))
    return {ORGS: orgs, POSTS: posts, RELATIONS: rels}


def export_workbook(session: Session) -> io.BytesIO:
    """The session tenant's org data as an .xlsx that :func:`import_file` reads back."""
    return workbook_bytes(export_rows(session))


# --- synthetic data for benchmarks ---------------------------------------------------------


def generate_rows(
    n_orgs: int, *, fanout: int = 10, posts: bool = True, relations: bool = True, seed: int = 7
) -> dict[str, list[list[Any]]]:
    """A tree of ``n_orgs`` (each org under org ``(i-1)//fanout``), shuffled so parents
    often come after children; optionally one 书记 per org and a relation to each parent."""
    rng = random.Random(seed)
    kinds = ["党委", "党总支", "党支部"]
    orgs = []
    depth = [0] * n_orgs
    for i in range(n_orgs):
        parent = (i - 1) // fanout if i else None
        depth[i] = depth[parent] + 1 if parent is not None else 0
        orgs.append([f"G{i:07d}", f"第{i}号党组织", kinds[min(depth[i], 2)], f"G{parent:07d}" if i else None])
    rng.shuffle(orgs)
    rows: dict[str, list[list[Any]]] = {ORGS: orgs}
    if posts:
        rows[POSTS] = [
            [f"R{i:07d}", f"书记{i}", f"G{i:07d}", "书记", date(2024, 1, 1), None] for i in range(n_orgs)
        ]
    if relations:
        rows[RELATIONS] = [
            [f"G{i:07d}", f"G{(i - 1) // fanout:07d}", date(2024, 1, 1), None, None] for i in range(1, n_orgs)
        ]
    return rows


def generate_workbook(n_orgs: int, *, fmt: str = "xlsx", **kw: Any) -> bytes:
    """:func:`generate_rows` as file bytes: an .xlsx, or (``fmt="csv"``) the 组织 table as UTF-8 csv."""
    rows = generate_rows(n_orgs, **kw)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.header for c in SPECS[ORGS]])
        writer.writerows(rows[ORGS])
        return out.getvalue().encode("utf-8")
    return workbook_bytes(rows).getvalue()
