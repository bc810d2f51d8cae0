"""Reading untrusted spreadsheets: .xlsx or .csv bytes into plain rows, defensively.

Every check that can be done before trusting the content is done here, in this
order: size (before anything is parsed), kind by content (not by the file
name), for .xlsx the zip directory (member count, declared unpacked sizes,
compression ratio: a zip bomb is refused before openpyxl opens it; zipfile
itself stops reading a member at its declared size), then rows and columns
caps while streaming. openpyxl parses XML through defusedxml (installed as a
dependency), so entity expansion is refused too.

Cells come back as ``None``, ``str``, ``int``, ``float``, ``bool``,
``datetime``, or :class:`Formula` (an xlsx formula cell, kept as its text so
the caller can name the cell when refusing it). What the columns mean is the
caller's business (see :mod:`shuzhi.orgs.imports`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

#: Largest file accepted, checked before parsing (the app's own request limit is larger).
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Data rows per sheet (or per csv file).
MAX_ROWS = 100_000
#: Columns read per row; a sheet wider than this is refused.
MAX_COLUMNS = 50
#: Zip-bomb limits for .xlsx: members, total declared unpacked size, compression ratio.
MAX_ZIP_MEMBERS = 500
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 150
#: Members smaller than this are not ratio-checked (tiny XML parts compress very well).
RATIO_MIN_BYTES = 1024 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC = {
    b"\x89PNG": "PNG 图片",
    b"\xff\xd8\xff": "JPEG 图片",
    b"GIF8": "GIF 图片",
    b"%PDF": "PDF 文件",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Formula(str):
    """The text of an xlsx formula cell (``=SUM(A1:A3)``)."""


class SheetError(Exception):
    """The file as a whole cannot be read; ``message`` is for the user."""

    def __init__(self, message: str, *, sheet: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.sheet = sheet


@dataclass
class RawTable:
    """One sheet (or csv file): the rows that have any value, with their 1-based numbers."""

    title: str
    fmt: str  # "xlsx" or "csv"
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)

    @property
    def header(self) -> tuple[int, list[Any]] | None:
        return self.rows[0] if self.rows else None

    @property
    def data(self) -> list[tuple[int, list[Any]]]:
        return self.rows[1:]


def read_tables(filename: str, data: bytes) -> list[RawTable]:
    """Every sheet of an .xlsx, or the one table of a .csv; raises :class:`SheetError`."""
    if not data:
        raise SheetError(_("文件是空的。"))
    if len(data) > MAX_FILE_BYTES:
        raise SheetError(
            _(
                "文件太大（%(size)s），导入文件不能超过 %(limit)s；请分批导入。",
                size=_megabytes(len(data)),
                limit=_megabytes(MAX_FILE_BYTES),
            )
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(_OLE2):
        raise SheetError(
            _("这是旧版 Excel（.xls）或加了密码的文件；请在 Excel 中另存为 .xlsx（不设密码）后再导入。")
        )
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise SheetError(_("这是%(what)s，不是表格文件；请上传 .xlsx 或 .csv 文件。", what=what))
    return [_read_csv(filename, data)]


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


# --- xlsx ---------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(_("文件已损坏，无法作为 .xlsx 打开。")) from exc
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            if "word/document.xml" in names:
                raise SheetError(_("这是 Word 文档（.docx），不是 Excel 工作簿；请上传 .xlsx 或 .csv 文件。"))
            if "ppt/presentation.xml" in names:
                raise SheetError(_("这是 PowerPoint 文件，不是 Excel 工作簿；请上传 .xlsx 或 .csv 文件。"))
            raise SheetError(_("这是压缩包，不是 Excel 工作簿；请上传 .xlsx 或 .csv 文件。"))
        if len(infos) > MAX_ZIP_MEMBERS:
            raise SheetError(_("工作簿的内部部件过多（%(n)d 个），拒绝处理。", n=len(infos)))
        unpacked = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if unpacked > MAX_UNPACKED_BYTES:
            raise SheetError(
                _(
                    "工作簿解压后过大（%(size)s，上限 %(limit)s），拒绝处理。",
                    size=_megabytes(unpacked),
                    limit=_megabytes(MAX_UNPACKED_BYTES),
                )
            )
        suspicious = [
            i
            for i in infos
            if i.file_size > RATIO_MIN_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1)
        ]
        if suspicious or (unpacked > RATIO_MIN_BYTES and unpacked > MAX_RATIO * max(packed, 1)):
            raise SheetError(_("工作簿的压缩比异常（疑似压缩炸弹），拒绝处理。"))


def _read_xlsx(data: bytes) -> list[RawTable]:
    _check_zip(data)
    import openpyxl

    try:
        with warnings.catch_warnings():
            # Files from WPS and others draw style warnings; they are not the user's problem.
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SheetError(_("无法读取该 Excel 文件，文件可能已损坏或不是有效的 .xlsx。")) from exc
    try:
        tables = []
        for ws in wb.worksheets:
            if getattr(ws, "sheet_state", "visible") == "veryHidden":
                continue
            tables.append(_read_sheet(ws))
        return tables
    except SheetError:
        raise
    except Exception as exc:
        raise SheetError(_("无法读取该 Excel 文件，文件可能已损坏或不是有效的 .xlsx。")) from exc
    finally:
        wb.close()


def _read_sheet(ws: Any) -> RawTable:
    title = str(ws.title).strip()
    table = RawTable(title=title, fmt="xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Values only (no cell objects) and no max_col (no padding): reading is most of an
        # import's time. Formula cells come back as their "=…" text, or as formula objects.
        for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            values = [_xlsx_value(v) for v in cells]
            if not any(v is not None for v in values):
                continue
            if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
                raise SheetError(
                    _("工作表「%(sheet)s」超过 %(n)d 列，拒绝处理。", sheet=title, n=MAX_COLUMNS), sheet=title
                )
            table.rows.append((number, _trim(values[:MAX_COLUMNS])))
            if len(table.rows) > MAX_ROWS + 1:  # the header row is not data
                raise SheetError(_too_many_rows(title), sheet=title)
    return table


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, int | float | datetime | date):
        return value
    if isinstance(value, str):
        if value.startswith("="):
            return Formula(value)
        value = value.strip()
        return value or None
    text = getattr(value, "text", None)  # ArrayFormula, DataTableFormula
    if text is not None or type(value).__name__.endswith("Formula"):
        return Formula(text or "=")
    return str(value).strip() or None


def _too_many_rows(title: str) -> str:
    return _("「%(sheet)s」的数据超过 %(n)d 行的上限；请分批导入。", sheet=title, n=MAX_ROWS)


def _trim(values: list[Any]) -> list[Any]:
    while values and values[-1] is None:
        values.pop()
    return values


# --- csv ----------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 as Chinese Excel saves it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise SheetError(_("无法识别文件的编码；请上传 .xlsx，或以 UTF-8 / GB18030 编码保存的 .csv 文件。"))


def _read_csv(filename: str, data: bytes) -> RawTable:
    text = decode_text(data)
    if _CONTROL.search(text[:65536]):
        raise SheetError(_("文件格式不支持：这不是文本表格；请上传 .xlsx 或 .csv 文件。"))
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0].strip() or "CSV"
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    table = RawTable(title=stem, fmt="csv")
    try:
        for number, record in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
        ):
            if len(record) > MAX_COLUMNS and any(v.strip() for v in record[MAX_COLUMNS:]):
                raise SheetError(_("文件超过 %(n)d 列，拒绝处理。", n=MAX_COLUMNS))
            values: list[Any] = [v.strip() or None for v in record[:MAX_COLUMNS]]
            if not any(v is not None for v in values):
                continue
            table.rows.append((number, _trim(values)))
            if len(table.rows) > MAX_ROWS + 1:
                raise SheetError(_too_many_rows(stem))
    except csv.Error as exc:
        raise SheetError(_("CSV 格式不正确：%(detail)s", detail=str(exc))) from exc
    return table


# --- cell values ----------------------------------------------------------------

_FORMULA_START = ("=", "@")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$"),
]


def looks_like_formula(value: Any) -> bool:
    """An xlsx formula, or text a spreadsheet would run as one (CSV injection).

    ``=`` and ``@`` always start a formula; ``+`` and ``-`` do unless a plain
    number follows (``-5`` is a number, ``-cmd|…`` or ``+A1`` is not).
    """
    if isinstance(value, Formula):
        return True
    if not isinstance(value, str) or not value:
        return False
    if value.startswith(_FORMULA_START):
        return True
    return value[0] in "+-" and not _NUMBER.match(value)


def cell_text(value: Any) -> str | None:
    """A cell as text: numbers typed into code columns come back as ``1001``, not ``1001.0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def cell_date(value: Any) -> date:
    """A real date cell, or ``YYYY-MM-DD`` / ``YYYY/MM/DD`` / ``YYYY年M月D日`` text; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for pattern in _DATE_PATTERNS:
            m = pattern.match(value.strip())
            if m:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(value)


def column_letter(index: int) -> str:
    """0-based column index to its spreadsheet letter (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
