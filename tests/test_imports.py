"""Import and export of org data (issue 3 item 7): parser, validation, writes, API, CLI.

Every refused file is checked for two things: a Chinese message that names
the sheet, row and column where there is one, and nothing written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import contextmanager
from datetime import date
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from shuzhi.db import db
from shuzhi.orgs import imports, paths, service, tabular
from shuzhi.orgs.imports import ImportRejected, RowError
from shuzhi.orgs.models import Org, OrgKind, Person, Post, ReportingRelation
from shuzhi.tenancy.models import Role
from shuzhi.tenancy.scope import scoped
from tests.conftest import login

ORG_HEAD = ["编码", "名称", "类型", "上级编码"]
POST_HEAD = ["人员编号", "姓名", "组织编码", "职务", "开始日期", "结束日期"]
REL_HEAD = ["述职组织编码", "接受述职组织编码", "开始日期", "结束日期", "备注"]
D = date(2024, 1, 1)


# --- helpers -----------------------------------------------------------------------


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook as Excel would save it; a str starting with "=" becomes a formula cell."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def tree_file(**extra: list[list[Any]]) -> bytes:
    """A small valid workbook: children listed before their parents on purpose."""
    sheets = {
        "组织": [
            ORG_HEAD,
            ["C-1", "一村党支部", "党支部", "Z"],
            ["C-2", "二村党支部", "支部", "Z"],
            ["Z", "某镇党委", "党委", None],
            ["U", "某局", "单位", None],
        ],
        "任职": [
            POST_HEAD,
            ["P1", "张三", "C-1", None, D, None],
            ["P2", "李四", "C-2", "书记", "2023/3/1", "2024年6月30日"],
        ],
        "述职关系": [
            REL_HEAD,
            ["C-1", "Z", D, None, None],
            ["C-2", "Z", "2024-01-01", None, "村向镇"],
        ],
    }
    sheets.update(extra)
    return xlsx(sheets)


@contextmanager
def in_tenant(app, tenant: dict[str, Any]):
    with app.app_context(), scoped(db.session, tenant_id=tenant["id"]):
        yield db.session
        db.session.rollback()


def run_import(app, tenant: dict[str, Any], data: bytes, filename: str = "org.xlsx") -> imports.ImportResult:
    with app.app_context(), scoped(db.session, tenant_id=tenant["id"]):
        result = imports.import_file(db.session, filename, data)
        db.session.commit()
        return result


def table_counts(app, tenant: dict[str, Any]) -> dict[str, int]:
    with in_tenant(app, tenant) as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Org, Person, Post, ReportingRelation)
        }


def rejected(app, tenant: dict[str, Any], data: bytes, filename: str = "org.xlsx") -> ImportRejected:
    """Import ``data``, expect a refusal, and check that nothing was written."""
    before = table_counts(app, tenant)
    with app.app_context(), scoped(db.session, tenant_id=tenant["id"]):
        with pytest.raises(ImportRejected) as info:
            imports.import_file(db.session, filename, data)
        db.session.commit()  # whatever the importer left pending would be written now
    assert table_counts(app, tenant) == before
    exc = info.value
    assert exc.message and exc.status in (413, 422)
    return exc


def texts(exc: ImportRejected) -> list[str]:
    return [e.text() for e in exc.row_errors]


def parse_error(filename: str, data: bytes) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        imports.parse(filename, data)
    return info.value


def orgs_by_code(app, tenant: dict[str, Any]) -> dict[str, Org]:
    with in_tenant(app, tenant) as s:
        orgs = {o.code: o for o in s.scalars(select(Org))}
        for o in orgs.values():
            s.expunge(o)
        return orgs


def assert_paths_consistent(orgs: dict[str, Org]) -> None:
    """Each path is its parent's plus one rank code; siblings' ranks are distinct and within
    the parent's counter (ordinal paths, ADR 0015)."""
    by_id = {o.id: o for o in orgs.values()}
    seen: set[bytes] = set()
    for o in orgs.values():
        parent = by_id.get(o.parent_id) if o.parent_id else None
        rank = paths.ranks(o.path)[-1]
        assert o.path == service.child_path(parent.path if parent else None, rank)
        if parent is not None:
            assert 1 <= rank <= parent.child_seq
        assert o.depth == (parent.depth + 1 if parent else 0)
        assert o.path not in seen
        seen.add(o.path)


# --- parsing: formats, encodings, dates ------------------------------------------------


def test_xlsx_sheets_and_date_formats() -> None:
    # issue 3 item 7: real Excel dates and the three text date forms
    parsed = imports.parse("org.xlsx", tree_file())
    assert [o.code for o in parsed.orgs] == ["C-1", "C-2", "Z", "U"]
    assert parsed.orgs[1].kind is OrgKind.BRANCH and parsed.orgs[3].kind is OrgKind.UNIT
    assert parsed.orgs[2].parent == ""  # an empty 上级编码 means root
    assert parsed.posts[0].title == "书记"  # 职务 defaults to 书记
    assert (parsed.posts[1].start, parsed.posts[1].end) == (date(2023, 3, 1), date(2024, 6, 30))
    assert parsed.relations[1].start == D and parsed.relations[1].note == "村向镇"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_encodings(encoding: str) -> None:
    # issue 3 item 7: csv in UTF-8 with or without BOM, GB18030 as Chinese Excel saves it, UTF-16 with BOM
    data = csv_bytes(
        [ORG_HEAD, ["A01", "党委甲", "党委", ""], ["A02", "第二党总支", "党总支", "A01"]], encoding
    )
    parsed = imports.parse("组织.csv", data)
    assert [(o.code, o.name, o.kind) for o in parsed.orgs] == [
        ("A01", "党委甲", OrgKind.COMMITTEE),
        ("A02", "第二党总支", OrgKind.GENERAL_BRANCH),
    ]


def test_csv_is_recognised_by_header_not_name() -> None:
    # issue 3 item 7: one table per csv file, recognised by its header row
    data = csv_bytes([REL_HEAD[:3], ["A", "B", "2024-01-01"]])
    parsed = imports.parse("whatever.csv", data)
    assert parsed.relations and not parsed.orgs and not parsed.posts


def test_unnamed_sheets_are_recognised_by_header(app, tenant_a) -> None:
    # issue 3 item 7: a workbook without the three sheet names; errors name the real sheet
    parsed = imports.parse("o.xlsx", xlsx({"Sheet1": [ORG_HEAD, ["A", "甲", "党委", None]]}))
    assert [o.code for o in parsed.orgs] == ["A"]
    exc = rejected(app, tenant_a, xlsx({"Sheet1": [ORG_HEAD, ["A", "甲", "党委", "Q"]]}))
    assert exc.message == "Sheet1 第2行「上级编码」：找不到编码为 Q 的组织（本文件和系统中都没有）。"
    two = xlsx({"表一": [ORG_HEAD, ["A", "甲", "党委", None]], "表二": [ORG_HEAD, ["B", "乙", "党委", None]]})
    assert parse_error("o.xlsx", two).message == "组织：有两张「组织」表（表一、表二）。"
    assert (
        "没有名为 组织、任职 或 述职关系 的工作表" in parse_error("o.xlsx", xlsx({"说明": [["x"]]})).message
    )


def test_header_variants_and_numeric_codes() -> None:
    # issue 3 item 7: "编码*" / "开始日期（YYYY-MM-DD）" headers; 1001 typed as a number stays "1001"
    data = xlsx({"组织": [["编码*", "名称 ", "类型", "上级编码（可空）"], [1001, "甲", "党工委", None]]})
    parsed = imports.parse("o.xlsx", data)
    assert parsed.orgs[0].code == "1001" and parsed.orgs[0].kind is OrgKind.WORKING_COMMITTEE


# --- bad files ------------------------------------------------------------------------------


def test_empty_file(app, tenant_a) -> None:
    # issue 3: import bad input, empty file
    exc = rejected(app, tenant_a, b"")
    assert exc.message == "文件是空的。"


def test_only_headers_is_no_data(app, tenant_a) -> None:
    # issue 3: import bad input, a sheet with only its header
    exc = rejected(app, tenant_a, xlsx({"组织": [ORG_HEAD]}))
    assert "没有可导入的数据行" in exc.message


def test_png_is_refused(app, tenant_a) -> None:
    # issue 3: import bad input, not xlsx/csv
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    exc = rejected(app, tenant_a, png, "orgs.xlsx")
    assert "PNG 图片" in exc.message and ".xlsx" in exc.message


def test_docx_renamed_is_refused(app, tenant_a) -> None:
    # issue 3: import bad input, a .docx renamed to .xlsx
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    exc = rejected(app, tenant_a, buf.getvalue(), "orgs.xlsx")
    assert "Word 文档" in exc.message


def test_old_xls_and_binary_junk_are_refused() -> None:
    # issue 3: import bad input, .xls (OLE2) and binary bytes posing as csv
    assert ".xls" in parse_error("o.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100).message
    assert "不是文本表格" in parse_error("o.csv", b"abc,\x00\x01\x02def\n").message


def test_ten_megabytes_of_junk_is_refused_by_size(app, tenant_a) -> None:
    # issue 3: import bad input, 10 MB of junk is refused before any parsing (413)
    exc = rejected(app, tenant_a, b"PK\x03\x04" + b"\xff" * (10 * 1024 * 1024))
    assert exc.status == 413 and "文件太大" in exc.message and "5.0 MB" in exc.message


def test_zip_bomb_ratio_is_refused() -> None:
    # issue 3: import bad input, a member that inflates >150x is refused before openpyxl opens it
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (40 * 1024 * 1024))
    assert len(buf.getvalue()) < imports.MAX_FILE_BYTES
    assert "压缩炸弹" in parse_error("bomb.xlsx", buf.getvalue()).message


def test_zip_with_too_many_members_or_declared_size_is_refused(monkeypatch) -> None:
    # issue 3: import bad input, zip member count and declared unpacked size are checked
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(tabular.MAX_ZIP_MEMBERS + 1):
            zf.writestr(f"xl/media/{i}.bin", b"x")
    assert "内部部件过多" in parse_error("many.xlsx", buf.getvalue()).message
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 10_000)
    assert "解压后过大" in parse_error("big.xlsx", tree_file()).message


def test_corrupt_xlsx_is_refused() -> None:
    # issue 3: import bad input, a zip that claims to be a workbook but is not one
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<not-a-workbook")
    assert "无法读取该 Excel 文件" in parse_error("bad.xlsx", buf.getvalue()).message


def test_missing_and_unknown_columns(app, tenant_a) -> None:
    # issue 3: import bad input, missing required columns and unknown extra ones, named
    data = xlsx(
        {
            "组织": [["编码", "名称", "部门"], ["A", "甲", "x"]],
            "任职": [["人员编号", "组织编码", "开始日期"], ["P", "A", D]],
        }
    )
    exc = rejected(app, tenant_a, data)
    assert texts(exc) == [
        "组织 第1行「部门」：不认识的列（单元格 C1）；「组织」表只能有这些列：编码、名称、类型、上级编码。",
        "组织 第1行「类型」：缺少必需的列。",
        "任职 第1行「姓名」：缺少必需的列。",
    ]


def test_csv_missing_column(app, tenant_a) -> None:
    # issue 3: import bad input, csv recognised by header but missing a required column
    exc = rejected(app, tenant_a, csv_bytes([["编码", "名称"], ["A", "甲"]]), "组织.csv")
    assert texts(exc) == ["组织 第1行「类型」：缺少必需的列。"]


def test_unrecognised_csv(app, tenant_a) -> None:
    # issue 3: import bad input, a csv whose header matches no table
    exc = rejected(app, tenant_a, csv_bytes([["甲", "乙"], ["1", "2"]]), "x.csv")
    assert "无法识别这张表" in exc.message and "编码、名称、类型、上级编码" in exc.message


def test_xlsx_formula_cells_are_refused(app, tenant_a) -> None:
    # issue 3: import bad input, formula cells are refused, naming the cell
    data = xlsx({"组织": [ORG_HEAD, ["A", "甲", "党委", None], ["B", '=CONCAT("乙","丙")', "党委", "A"]]})
    exc = rejected(app, tenant_a, data)
    [error] = exc.row_errors
    assert (error.sheet, error.row, error.column, error.cell) == ("组织", 3, "名称", "B3")
    assert "单元格 B3 是公式" in error.text()


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+A1+A2", "-2+3+cmd|' /C calc'!A0"]
)
def test_csv_formula_injection_is_refused(app, tenant_a, cell: str) -> None:
    # issue 3: import bad input, csv cells that a spreadsheet would run as formulas
    data = csv_bytes([ORG_HEAD, ["A", cell, "党委", ""]])
    exc = rejected(app, tenant_a, data, "o.csv")
    assert exc.row_errors[0].text().startswith("组织 第2行「名称」：单元格 B2 是公式")


def test_negative_number_is_not_a_formula() -> None:
    # issue 3: "-5" is a number, not an injection
    parsed = imports.parse("o.csv", csv_bytes([ORG_HEAD, ["-5", "甲", "党委", ""]]))
    assert parsed.orgs[0].code == "-5"


def test_too_many_rows(app, tenant_a) -> None:
    # issue 3: import bad input, more than MAX_ROWS data rows in one table
    rows = [ORG_HEAD] + [[f"C{i}", "支部", "党支部", ""] for i in range(imports.MAX_ROWS + 1)]
    data = csv_bytes(rows)
    assert len(data) < imports.MAX_FILE_BYTES
    exc = rejected(app, tenant_a, data, "组织.csv")
    assert "超过 100000 行的上限" in exc.message


def test_bad_cells_are_all_reported(app, tenant_a) -> None:
    # issue 3: every error is collected, each naming sheet, row (as Excel shows it) and column
    data = xlsx(
        {
            "组织": [
                ORG_HEAD,
                ["A", "甲", "党委", None],
                [None, "无编码", "党委", None],
                ["B", "乙", "飞船", "A"],
                ["C", "丙", "党支部", "A"],
                [],
                ["A", "重复", "党委", None],
                ["D", "丁", "党支部", "X"],
            ],
            "任职": [
                POST_HEAD,
                ["P1", "张三", "A", None, "2024-02-30", None],
                ["P2", "李四", "A", None, "2024-05-01", "2024-04-01"],
                ["P3", None, "A", None, D, None],
                ["P4", "王五", "NOPE", None, D, None],
            ],
            "述职关系": [
                REL_HEAD,
                ["C", "C", D, None, None],
                ["C", "A", "2024-05-01", "2024-01-01", None],
                ["Q", "A", D, None, None],
            ],
        }
    )
    exc = rejected(app, tenant_a, data)
    assert texts(exc) == [
        "组织 第3行「编码」：必填，不能为空。",
        "组织 第4行「类型」：「飞船」不是可用的组织类型；应为：党委、党工委、工委、党组、党总支、党支部、单位。",
        "组织 第7行「编码」：编码 A 与第2行重复。",
        "组织 第8行「上级编码」：找不到编码为 X 的组织（本文件和系统中都没有）。",
        "任职 第2行「开始日期」：「2024-02-30」不是有效日期；请填写日期，或 YYYY-MM-DD、YYYY/MM/DD、YYYY年M月D日 格式的文本。",
        "任职 第3行「结束日期」：结束日期 2024-04-01 早于开始日期 2024-05-01。",
        "任职 第4行「姓名」：找不到人员编号为 P3 的人员；新人员请填写姓名。",
        "任职 第5行「组织编码」：找不到编码为 NOPE 的组织（本文件和系统中都没有）。",
        "述职关系 第2行「接受述职组织编码」：组织不能向自己述职。",
        "述职关系 第3行「结束日期」：结束日期 2024-01-01 早于开始日期 2024-05-01。",
        "述职关系 第4行「述职组织编码」：找不到编码为 Q 的组织（本文件和系统中都没有）。",
    ]
    assert exc.message == "导入文件中有 11 处错误，没有导入任何数据；请改正后重新上传。"
    first = exc.errors[0]
    assert first == {
        "sheet": "组织",
        "row": 3,
        "column": "编码",
        "cell": "A3",
        "message": "必填，不能为空。",
        "text": "组织 第3行「编码」：必填，不能为空。",
    }


def test_parent_cycle_in_file(app, tenant_a) -> None:
    # issue 3: import bad input, A under B under A
    data = xlsx(
        {"组织": [ORG_HEAD, ["A", "甲", "党委", "B"], ["B", "乙", "党委", "A"], ["C", "丙", "党支部", "A"]]}
    )
    exc = rejected(app, tenant_a, data)
    assert texts(exc) == ["组织 第2行「上级编码」：上级关系形成循环：A → B → A。"]


def test_parent_cycle_through_the_database(app, tenant_a) -> None:
    # issue 3: import bad input, a file row that hangs an existing parent under its own child
    with in_tenant(app, tenant_a) as s:
        x = service.create_org(s, code="X", name="X", kind=OrgKind.COMMITTEE)
        service.create_org(s, code="Y", name="Y", kind=OrgKind.BRANCH, parent_id=x.id)
        s.commit()
    exc = rejected(app, tenant_a, xlsx({"组织": [ORG_HEAD, ["X", "X", "党委", "Y"]]}))
    assert texts(exc) == ["组织 第2行「上级编码」：上级关系形成循环：X → Y → X。"]


def test_self_parent(app, tenant_a) -> None:
    # issue 3: import bad input, an org under itself
    exc = rejected(app, tenant_a, xlsx({"组织": [ORG_HEAD, ["A", "甲", "党委", "A"]]}))
    assert texts(exc) == ["组织 第2行「上级编码」：上级不能是自己。"]


def test_relation_cycle_in_file(app, tenant_a) -> None:
    # issue 3: import bad input, reporting relations in a loop (JX-02 relations must not cycle)
    data = tree_file(
        述职关系=[
            REL_HEAD,
            ["C-1", "Z", D, None, None],
            ["Z", "U", D, None, None],
            ["U", "C-1", "2024-03-01", None, None],
        ]
    )
    exc = rejected(app, tenant_a, data)
    assert texts(exc) == [
        "述职关系 第2行「接受述职组织编码」：述职关系形成循环（2024-03-01 起）：C-1 → Z → U → C-1。"
    ]


def test_relation_loop_in_disjoint_periods_is_fine(app, tenant_a) -> None:
    # issue 3: A->B in 2023 and B->A from 2024 never hold on the same day: no loop
    data = tree_file(
        述职关系=[REL_HEAD, ["C-1", "Z", "2023-01-01", "2023-12-31", None], ["Z", "C-1", D, None, None]]
    )
    assert run_import(app, tenant_a, data).relations == 2


def test_relation_cycle_through_the_database(app, tenant_a) -> None:
    # issue 3: import bad input, a file relation closing a loop with an existing one
    run_import(app, tenant_a, tree_file())  # C-1 -> Z exists now
    exc = rejected(app, tenant_a, xlsx({"述职关系": [REL_HEAD, ["Z", "C-1", "2024-02-01", None, None]]}))
    assert "述职关系形成循环（2024-02-01 起）：Z → C-1 → Z" in exc.message


def test_overlapping_relations_for_one_reporter(app, tenant_a) -> None:
    # issue 3: import bad input, one reporter reporting to two orgs at once (in file and vs database)
    data = tree_file(
        述职关系=[REL_HEAD, ["C-1", "Z", D, "2024-12-31", None], ["C-1", "U", "2024-06-01", None, None]]
    )
    exc = rejected(app, tenant_a, data)
    assert texts(exc) == [
        "述职关系 第3行「开始日期」：组织 C-1 在该时期已向 Z 述职（第2行），一个组织同一时期只能向一个组织述职。"
    ]
    run_import(app, tenant_a, tree_file())
    exc = rejected(app, tenant_a, xlsx({"述职关系": [REL_HEAD, ["C-1", "U", "2024-06-01", None, None]]}))
    assert "组织 C-1 在该时期已向 Z 述职（系统中已有的记录）" in exc.message


def test_overlapping_posts_of_two_people(app, tenant_a) -> None:
    # issue 3: import bad input, two secretaries of one org in the same period
    data = tree_file(
        任职=[
            POST_HEAD,
            ["P1", "张三", "C-1", None, "2023-01-01", None],
            ["P2", "李四", "C-1", "书记", D, None],
        ]
    )
    exc = rejected(app, tenant_a, data)
    assert texts(exc) == ["任职 第3行「开始日期」：组织 C-1 同一时期已有人担任书记（人员编号 P1，第2行）。"]


def test_one_person_two_names(app, tenant_a) -> None:
    # issue 3: import bad input, one 人员编号 with two different names
    data = tree_file(
        任职=[POST_HEAD, ["P1", "张三", "C-1", None, D, None], ["P1", "张叁", "C-2", None, D, None]]
    )
    exc = rejected(app, tenant_a, data)
    assert texts(exc) == ["任职 第3行「姓名」：人员编号 P1 在第2行的姓名是「张三」，这里是「张叁」。"]


def test_post_for_unknown_org_code(app, tenant_a) -> None:
    # issue 3: a post for a code that is neither in the file nor in the database
    exc = rejected(app, tenant_a, xlsx({"任职": [POST_HEAD, ["P1", "张三", "GHOST", None, D, None]]}))
    assert exc.message == "任职 第2行「组织编码」：找不到编码为 GHOST 的组织（本文件和系统中都没有）。"


def test_too_long_values(app, tenant_a) -> None:
    # issue 3: import bad input, values longer than the columns hold
    exc = rejected(app, tenant_a, xlsx({"组织": [ORG_HEAD, ["A" * 65, "甲", "党委", None]]}))
    assert exc.message == "组织 第2行「编码」：不能超过 64 个字。"


# --- writes -------------------------------------------------------------------------------------


def test_import_builds_the_tree_parents_later_in_file(app, tenant_a) -> None:
    # issue 3 item 7: orgs whose parent appears later in the file; posts and relations too
    result = run_import(app, tenant_a, tree_file())
    assert result.counts() == {"orgs": 4, "people": 2, "posts": 2, "relations": 2}
    assert result.created == {"orgs": 4, "people": 2, "posts": 2, "relations": 2}
    orgs = orgs_by_code(app, tenant_a)
    assert_paths_consistent(orgs)
    assert orgs["C-1"].parent_id == orgs["Z"].id and orgs["C-1"].depth == 1
    with in_tenant(app, tenant_a) as s:
        z = service.org_by_code(s, "Z")
        assert [o.code for o in service.subtree(s, z)] == ["Z", "C-1", "C-2"]
        assert [[o.code for o in level] for level in service.reporters_by_level(s, z, D)] == [["C-1", "C-2"]]
        holder = service.holder(s, orgs["C-2"].id, date(2024, 3, 1))
        assert holder is not None and holder.person.name == "李四" and holder.end_date == date(2024, 6, 30)


def test_existing_codes_are_updated_and_moved_not_duplicated(app, tenant_a) -> None:
    # issue 3 item 7: an existing code updates name/kind; a changed parent moves the subtree
    with in_tenant(app, tenant_a) as s:
        a = service.create_org(s, code="A", name="甲", kind=OrgKind.COMMITTEE)
        b = service.create_org(s, code="B", name="乙", kind=OrgKind.GENERAL_BRANCH, parent_id=a.id)
        c = service.create_org(s, code="C", name="丙", kind=OrgKind.BRANCH, parent_id=b.id)
        service.create_org(s, code="C1", name="丙下", kind=OrgKind.UNIT, parent_id=c.id)
        s.commit()
    data = xlsx(
        {
            "组织": [
                ORG_HEAD,
                ["C", "丙（新名）", "单位", "N"],  # under a new org that comes later
                ["B", "乙", "党委", None],  # now a root
                ["N", "新党总支", "党总支", "A"],
            ]
        }
    )
    result = run_import(app, tenant_a, data)
    assert (result.created["orgs"], result.updated["orgs"], result.moved) == (1, 2, 2)
    orgs = orgs_by_code(app, tenant_a)
    assert sorted(orgs) == ["A", "B", "C", "C1", "N"]
    assert_paths_consistent(orgs)
    assert orgs["C"].name == "丙（新名）" and orgs["C"].kind is OrgKind.UNIT
    assert orgs["C"].parent_id == orgs["N"].id and orgs["N"].parent_id == orgs["A"].id
    assert orgs["B"].parent_id is None and orgs["B"].kind is OrgKind.COMMITTEE
    assert orgs["C1"].depth == 3  # carried along: A / N / C / C1


def test_swapping_parent_and_child(app, tenant_a) -> None:
    # issue 3 item 7: B under A becomes A under B; moves are ordered so each is valid when made
    with in_tenant(app, tenant_a) as s:
        a = service.create_org(s, code="A", name="甲", kind=OrgKind.COMMITTEE)
        service.create_org(s, code="B", name="乙", kind=OrgKind.BRANCH, parent_id=a.id)
        s.commit()
    run_import(
        app, tenant_a, xlsx({"组织": [ORG_HEAD, ["A", "甲", "党委", "B"], ["B", "乙", "党支部", None]]})
    )
    orgs = orgs_by_code(app, tenant_a)
    assert_paths_consistent(orgs)
    assert orgs["A"].parent_id == orgs["B"].id and orgs["B"].parent_id is None


def test_without_parent_column_parents_are_kept(app, tenant_a) -> None:
    # issue 3 item 7: a 组织 sheet without 上级编码 renames but never moves
    run_import(app, tenant_a, tree_file())
    run_import(app, tenant_a, xlsx({"组织": [["编码", "名称", "类型"], ["C-1", "一村", "党支部"]]}))
    orgs = orgs_by_code(app, tenant_a)
    assert orgs["C-1"].name == "一村" and orgs["C-1"].parent_id == orgs["Z"].id


def test_reimport_is_idempotent(app, tenant_a) -> None:
    # issue 3 item 7: the same file twice creates nothing the second time
    run_import(app, tenant_a, tree_file())
    before = table_counts(app, tenant_a)
    second = run_import(app, tenant_a, tree_file())
    assert table_counts(app, tenant_a) == before
    assert second.created == {"orgs": 0, "people": 0, "posts": 0, "relations": 0}
    assert second.moved == 0 and second.updated["orgs"] == 0


def test_reimport_updates_end_dates_and_notes(app, tenant_a) -> None:
    # issue 3 item 7: the same post/relation again (same start) updates its end date and note
    run_import(app, tenant_a, tree_file())
    changed = tree_file(
        任职=[POST_HEAD, ["P1", "张三", "C-1", None, D, "2024-12-31"]],
        述职关系=[REL_HEAD, ["C-2", "Z", D, "2025-12-31", "改了备注"]],
    )
    result = run_import(app, tenant_a, changed)
    assert result.created == {"orgs": 0, "people": 0, "posts": 0, "relations": 0}
    assert (result.updated["posts"], result.updated["relations"]) == (1, 1)
    with in_tenant(app, tenant_a) as s:
        post = s.scalar(select(Post).join(Person).where(Person.code == "P1"))
        assert post is not None and post.end_date == date(2024, 12, 31)
        notes = {r.note: r.valid_to for r in service.relations(s)}
        assert notes == {"": None, "改了备注": date(2025, 12, 31)}


def test_import_is_audited_with_its_counts(app, tenant_a) -> None:
    # issue 3 item 7 / audit: one semantic event per import, besides the per-row events
    from shuzhi.audit.models import AuditEvent

    run_import(app, tenant_a, tree_file())
    with in_tenant(app, tenant_a) as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "orgs.import")).all()
        assert event.after["created"] == {"orgs": 4, "people": 2, "posts": 2, "relations": 2}
        assert event.summary.startswith("组织 4 个（新增 4")


def test_posts_refer_to_orgs_already_in_the_database(app, tenant_a) -> None:
    # issue 3 item 7: a separate 任职 file (or csv) after the orgs were imported
    run_import(app, tenant_a, tree_file())
    data = csv_bytes([POST_HEAD, ["P1", "", "Z", "副书记", "2024-01-01", ""]])
    result = run_import(app, tenant_a, data, "任职.csv")
    assert result.created == {"orgs": 0, "people": 0, "posts": 1, "relations": 0}


def test_tenants_codes_are_separate(app, tenant_a, tenant_b) -> None:
    # issue 3 item 7 / tenancy: codes are per tenant; B's import never touches A's orgs
    run_import(app, tenant_a, tree_file())
    a_before = orgs_by_code(app, tenant_a)
    result = run_import(app, tenant_b, xlsx({"组织": [ORG_HEAD, ["Z", "B 的镇党委", "党委", None]]}))
    assert result.created["orgs"] == 1  # not an update of A's "Z"
    a_after = orgs_by_code(app, tenant_a)
    assert {c: (o.name, o.path) for c, o in a_after.items()} == {
        c: (o.name, o.path) for c, o in a_before.items()
    }
    # and A's codes are unknown inside B
    exc = rejected(app, tenant_b, xlsx({"组织": [ORG_HEAD, ["N", "新", "党支部", "C-1"]]}))
    assert "找不到编码为 C-1 的组织" in exc.message


def test_import_needs_a_tenant_scope(app) -> None:
    # tenancy: without a tenant the importer refuses to run at all
    with app.app_context(), pytest.raises(RuntimeError):
        imports.import_file(db.session, "o.xlsx", tree_file())


# --- template and export ------------------------------------------------------------------------


def test_template_workbook() -> None:
    # issue 3 item 7: three sheets (styled, frozen header, one example), 说明, dropdown on 类型
    data = imports.template_workbook().getvalue()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["组织", "任职", "述职关系", "说明"]
    for name, head in (("组织", ORG_HEAD), ("任职", POST_HEAD), ("述职关系", REL_HEAD)):
        ws = wb[name]
        assert [c.value for c in ws[1]] == head
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
    assert wb["任职"].max_row == 2 and wb["述职关系"].max_row == 2
    [dv] = wb["组织"].data_validations.dataValidation
    assert dv.type == "list" and "党总支" in dv.formula1 and "C2" in str(dv.sqref)
    help_rows = [[c.value for c in row] for row in wb["说明"].iter_rows(min_row=2)]
    assert ["组织", "上级编码"] in [r[:2] for r in help_rows]
    assert {r[1] for r in help_rows if r[0] == "任职"} == set(POST_HEAD)


def test_template_imports_cleanly(app, tenant_a) -> None:
    # issue 3 item 7: the template's example rows are themselves a valid file
    result = run_import(app, tenant_a, imports.template_workbook().getvalue())
    assert result.counts() == {"orgs": 2, "people": 1, "posts": 1, "relations": 1}


def test_export_round_trips(app, tenant_a, tenant_b) -> None:
    # issue 3 item 7: export -> import into another tenant gives the same data; into the same, nothing new
    run_import(app, tenant_a, tree_file())
    with in_tenant(app, tenant_a) as s:
        exported = imports.export_workbook(s).getvalue()
        rows_a = imports.export_rows(s)
    assert rows_a["组织"][0] == ["Z", "某镇党委", "党委", None]  # parents first
    result = run_import(app, tenant_b, exported)
    assert result.created == {"orgs": 4, "people": 2, "posts": 2, "relations": 2}
    with in_tenant(app, tenant_b) as s:
        assert imports.export_rows(s) == rows_a
    again = run_import(app, tenant_a, exported)
    assert again.created == {"orgs": 0, "people": 0, "posts": 0, "relations": 0}


def test_export_writes_text_that_looks_like_a_formula_as_text(app, tenant_a) -> None:
    # issue 3 item 7: a name starting with "=" (entered through the API) is exported as text
    with in_tenant(app, tenant_a) as s:
        service.create_org(s, code="E", name="=1+1", kind=OrgKind.UNIT)
        data = imports.export_workbook(s).getvalue()
    cell = openpyxl.load_workbook(io.BytesIO(data))["组织"]["B2"]
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_generated_rows_import(app, tenant_a) -> None:
    # issue 3 item 7: the benchmark's generator makes a valid file (parents shuffled after children)
    data = imports.generate_workbook(300)
    result = run_import(app, tenant_a, data, "gen.xlsx")
    assert result.created == {"orgs": 300, "people": 300, "posts": 300, "relations": 299}
    assert_paths_consistent(orgs_by_code(app, tenant_a))
    csv_data = imports.generate_workbook(50, fmt="csv")
    assert imports.parse("g.csv", csv_data).orgs[0].code.startswith("G")


# --- API -----------------------------------------------------------------------------------------------


def upload(client, slug: str, data: bytes, filename: str = "org.xlsx"):
    """POST a multipart form with one file, encoded here so no temporary file is left open."""
    boundary = "shuzhi-test-boundary"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        f"/api/v1/tenants/{slug}/import",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_api_import(admin_client, tenant_a) -> None:
    # issue 3 item 7: multipart upload through the API
    r = upload(admin_client, tenant_a["slug"], tree_file())
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"orgs": 4, "people": 2, "posts": 2, "relations": 2}
    tree = admin_client.get(f"/api/v1/tenants/{tenant_a['slug']}/orgs/tree").get_json()
    assert {n["code"] for n in tree} == {"Z", "U"}


def test_api_import_errors_have_one_shape(app, admin_client, tenant_a) -> None:
    # issue 3: import bad input, 422 in the one error shape, rows listed, nothing written
    data = xlsx(
        {"组织": [ORG_HEAD, ["A", "甲", "党委", "B"], ["B", "乙", "党委", "A"], ["C", "丙", "x", "Q"]]}
    )
    r = upload(admin_client, tenant_a["slug"], data)
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == 422 and body["message"].startswith("导入文件中有 3 处错误")
    assert [(e["sheet"], e["row"], e["column"]) for e in body["errors"]] == [
        ("组织", 2, "上级编码"),
        ("组织", 4, "类型"),
        ("组织", 4, "上级编码"),
    ]
    assert table_counts(app, tenant_a)["orgs"] == 0


def test_api_no_file(admin_client, tenant_a) -> None:
    # issue 3: import bad input, a form without the file
    r = admin_client.post(
        f"/api/v1/tenants/{tenant_a['slug']}/import", data={}, content_type="multipart/form-data"
    )
    assert r.status_code == 422 and r.get_json()["message"] == "请选择要导入的文件（.xlsx 或 .csv）。"


def test_api_file_over_the_import_limit(app, admin_client, tenant_a) -> None:
    # issue 3: import bad input, 6 MB: under the app's request limit, over the import's own
    r = upload(admin_client, tenant_a["slug"], b"x" * (6 * 1024 * 1024), "big.csv")
    assert r.status_code == 413 and "文件太大" in r.get_json()["message"]
    assert table_counts(app, tenant_a)["orgs"] == 0


def test_api_ten_megabytes(admin_client, tenant_a) -> None:
    # issue 3: import bad input, 10 MB of junk stops at the request limit
    r = upload(admin_client, tenant_a["slug"], b"\x00" * (10 * 1024 * 1024), "junk.xlsx")
    assert r.status_code == 413 and r.get_json()["message"] == "上传的文件太大。"


def test_api_import_needs_admin(client, make_tenant) -> None:
    # issue 3 item 7: only tenant admins import; readers may fetch the template
    t = make_tenant("tenant-r", role=Role.OBSERVER)
    login(client, t["user_id"])
    assert upload(client, t["slug"], tree_file()).status_code == 403
    r = client.get(f"/api/v1/tenants/{t['slug']}/import/template")
    assert r.status_code == 200 and r.mimetype == imports.XLSX_MIME
    assert openpyxl.load_workbook(io.BytesIO(r.data)).sheetnames[:3] == ["组织", "任职", "述职关系"]


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_import_template_export(app, tenant_a, tenant_b, tmp_path) -> None:
    # issue 3 item 7: shuzhi orgs import / template / export, round trip through files
    from shuzhi.orgs.cli import orgs_cli

    runner = app.test_cli_runner()
    src = tmp_path / "org.xlsx"
    src.write_bytes(tree_file())
    r = runner.invoke(orgs_cli, ["import", str(src), "--tenant", tenant_a["slug"]])
    assert r.exit_code == 0, r.output
    assert "已导入：组织 4 个（新增 4，更新 0，移动 0）" in r.output

    out = tmp_path / "export.xlsx"
    r = runner.invoke(orgs_cli, ["export", "--tenant", tenant_a["slug"], str(out)])
    assert r.exit_code == 0 and "已导出组织 4 个、任职 2 条、述职关系 2 条" in r.output
    r = runner.invoke(orgs_cli, ["import", str(out), "--tenant", tenant_b["slug"]])
    assert r.exit_code == 0, r.output
    assert table_counts(app, tenant_b) == table_counts(app, tenant_a)

    tpl = tmp_path / "tpl.xlsx"
    r = runner.invoke(orgs_cli, ["template", str(tpl)])
    assert r.exit_code == 0 and openpyxl.load_workbook(tpl).sheetnames[-1] == "说明"


def test_cli_import_errors_exit_1(app, tenant_a, tmp_path) -> None:
    # issue 3: import bad input from the command line: row errors printed, exit 1, nothing written
    from shuzhi.orgs.cli import orgs_cli

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx({"组织": [ORG_HEAD, ["A", "甲", "党委", "X"], ["A", "乙", "党委", None]]}))
    r = app.test_cli_runner().invoke(orgs_cli, ["import", str(bad), "--tenant", tenant_a["slug"]])
    assert r.exit_code == 1
    assert "组织 第2行「上级编码」：找不到编码为 X 的组织" in r.output
    assert "组织 第3行「编码」：编码 A 与第2行重复。" in r.output
    assert table_counts(app, tenant_a)["orgs"] == 0
    r = app.test_cli_runner().invoke(orgs_cli, ["import", str(bad), "--tenant", "no-such"])
    assert r.exit_code == 1 and "找不到标识为 no-such 的租户" in r.output


def test_cli_dry_run_writes_nothing(app, tenant_a, tmp_path) -> None:
    # issue 3 item 7: --dry-run checks and rolls back
    from shuzhi.orgs.cli import orgs_cli

    src = tmp_path / "org.xlsx"
    src.write_bytes(tree_file())
    r = app.test_cli_runner().invoke(
        orgs_cli, ["import", str(src), "--tenant", tenant_a["slug"], "--dry-run"]
    )
    assert r.exit_code == 0 and "检查通过（未写入）" in r.output
    assert table_counts(app, tenant_a)["orgs"] == 0


def test_row_error_text_forms() -> None:
    # issue 3: the located message reads as the issue asks
    assert (
        RowError("组织", 7, "上级编码", "找不到编码为 X 的组织").text()
        == "组织 第7行「上级编码」：找不到编码为 X 的组织"
    )
    assert RowError("组织", 1, None, "x").text() == "组织 第1行：x"
    assert RowError(None, None, None, "x").text() == "x"
