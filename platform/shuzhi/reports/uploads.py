"""Taking a report in: an uploaded .docx or .txt, or pasted text, checked before it is trusted.

The checks run in this order, each refusing with a :class:`UploadError` (a 4xx
with a Chinese message) and nothing else happening:

1. size (413), before anything is parsed;
2. what the bytes are, by content and then by name (415): .doc/.wps (and
   encrypted files, which are OLE2 too), .pdf, images, RTF and anything but a
   .docx or a text file are refused with how to save as .docx;
3. for a .docx, the zip directory alone (zip bombs: member count, declared
   unpacked sizes, compression ratio), the content types (macros, templates,
   not a Word document), and the prolog of every XML part (no DOCTYPE, so no
   entities and no external references) — all before python-docx opens it;
4. the paragraph cap (422), before the text is walked.

The original bytes come back with the extracted text; the caller stores them.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from lxml import etree

from shuzhi.errors import ShuzhiError
from shuzhi.reports import docx_text
from shuzhi.reports.counting import Count
from shuzhi.reports.docx_text import Block, DocText

#: Largest upload accepted, checked first (a 3000字 report with photos is well under 5 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Paragraphs (every w:p, table cells and text boxes included; text lines) in one report.
MAX_PARAGRAPHS = 20_000
#: Zip-bomb limits: parts in the package, their declared unpacked total, and the ratio
#: of a large part's unpacked to packed size (XML compresses ~10×, images not at all).
MAX_ZIP_MEMBERS = 1000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024
#: How far into an XML part its prolog (where a DOCTYPE would be) may reach.
MAX_PROLOG_BYTES = 64 * 1024

#: What every refusal of a file type says to do.
SAVE_AS = lazy_gettext("请在 Word 或 WPS 中“另存为”.docx 格式后再上传")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"{\\rtf", "RTF 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
)
_DOCX_NAMES = {".docx"}
_TEXT_NAMES = {".txt", ""}
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
log = logging.getLogger(__name__)
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"


class UploadError(ShuzhiError):
    """A report file or text that cannot be taken in; ``message`` says why and what to do."""

    status = 422


class UploadTooLarge(UploadError):
    status = 413


class UnsupportedUpload(UploadError):
    status = 415


class UnsafeUpload(UploadError):
    """A file built to harm the reader: zip bomb, XML entities, macros."""

    status = 422


class UnreadableUpload(UploadError):
    status = 422


class TooManyParagraphs(UploadError):
    status = 422


class MacroDocument(UnsafeUpload):
    """A macro-enabled document (.docm, vbaProject.bin): refused as a file type."""

    status = 415


@dataclass(frozen=True)
class Imported:
    """What came in: the original bytes (to store) and the text read from them."""

    kind: str  # docx | txt | paste
    filename: str
    original: bytes
    doc: DocText
    encoding: str = ""  # for text: the encoding it was read in

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.original).hexdigest()

    def count(self) -> Count:
        return self.doc.count()


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _suffix(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


# --- entry points ----------------------------------------------------------------


def read_upload(filename: str, data: bytes) -> Imported:
    """An uploaded report file (.docx or .txt); raises :class:`UploadError`."""
    _check_size(len(data))
    if not data:
        raise UnreadableUpload(_("文件是空的。"))
    suffix = _suffix(filename)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return Imported("docx", filename, data, read_docx(data))
    if data.startswith(_OLE2):
        raise UnsupportedUpload(
            _(
                "这是旧版 Word（.doc）、WPS（.wps）文件或加了密码的文档，无法读取。%(how)s（不要设置密码）。",
                how=SAVE_AS,
            )
        )
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedUpload(_("这是%(what)s，不是 Word 文档。%(how)s。", what=what, how=SAVE_AS))
    if suffix in _DOCX_NAMES:
        raise UnsupportedUpload(
            _("文件名是 .docx，但内容不是 Word 文档（可能是改了扩展名）。%(how)s。", how=SAVE_AS)
        )
    if suffix not in _TEXT_NAMES:
        raise UnsupportedUpload(
            _(
                "不支持 %(suffix)s 文件，只能上传 .docx 或 .txt。%(how)s。",
                suffix=suffix,
                how=SAVE_AS,
            )
        )
    text, encoding = decode_text(data)
    return Imported("txt", filename, data, text_blocks(text), encoding)


def read_paste(text: str) -> Imported:
    """Text pasted into the editor."""
    data = text.encode("utf-8")
    _check_size(len(data))
    if not text.strip():
        raise UnreadableUpload(_("没有内容：请粘贴报告全文。"))
    return Imported("paste", "", data, text_blocks(text), "utf-8")


def _check_size(n: int) -> None:
    if n > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            _(
                "文件太大（%(size)s），述职报告不能超过 %(limit)s；请压缩或删去报告中的图片后再上传。",
                size=_mb(n),
                limit=_mb(MAX_UPLOAD_BYTES),
            )
        )


# --- text ------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Text bytes in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            break  # binary bytes that happen to decode
        return text, enc
    raise UnsupportedUpload(
        _(
            "无法识别该文本文件的编码，或它不是文本文件。请另存为 UTF-8 编码的 .txt，或%(how)s。",
            how=SAVE_AS,
        )
    )


#: The editor's heading marker: "# 主要工作" is a level-1 heading, "## " level 2… (like
#: Markdown, and like a Word heading style: for headings without 一、/（一） numbering).
#: The marker is markup, not text: it is not counted and not kept in the block's text.
HEADING_MARK = re.compile(r"^(#{1,9})[ \t\u3000]+(?=\S)")


def marked_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a line written "# 标题" / "## 标题" in the editor, else None."""
    m = HEADING_MARK.match(line)
    return (len(m.group(1)), line[m.end() :]) if m else None


def text_blocks(text: str) -> DocText:
    """Plain text as blocks, one per line (blank lines dropped; "# " lines are headings)."""
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    blocks = []
    for ln in lines:
        if not ln:
            continue
        if ln[0] == "#":
            marked = marked_heading(ln)
            if marked is not None:
                blocks.append(Block(marked[1], level=marked[0], style=f"heading {marked[0]}"))
                continue
        blocks.append(Block(ln))
    _check_paragraphs(len(blocks))
    return DocText(blocks)


def _check_paragraphs(n: int) -> None:
    if n > MAX_PARAGRAPHS:
        raise TooManyParagraphs(
            _(
                "文档的段落超过 %(limit)d 段的上限，不像是一份述职报告；请只上传报告正文。",
                limit=MAX_PARAGRAPHS,
            )
        )


# --- docx ------------------------------------------------------------------------


def read_docx(data: bytes) -> DocText:
    """The text of a .docx, after :func:`check_docx`."""
    check_docx(data)
    try:
        document = docx_text.open_document(data)
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise UnreadableUpload(_("无法读取该 Word 文档，文件可能已损坏。%(how)s。", how=SAVE_AS)) from exc
    _check_paragraphs(docx_text.body_paragraph_count(document))
    try:
        doc = docx_text.extract(document)
    except Exception as exc:  # a part python-docx accepted but we cannot walk: the user's file, not a 500
        log.warning("docx text extraction failed", exc_info=exc)
        raise UnreadableUpload(
            _("无法读取该 Word 文档的内容，文件可能已损坏。%(how)s。", how=SAVE_AS)
        ) from exc
    _check_paragraphs(doc.paragraph_count)
    return doc


def check_docx(data: bytes) -> None:
    """Everything that can be refused before python-docx opens the package."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_zip(zf)
    except UploadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        # a damaged package: bad CRC, truncated member, names that disagree…
        raise UnreadableUpload(_("文件已损坏，无法作为 .docx 打开。%(how)s。", how=SAVE_AS)) from exc


def _check_zip(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise UnsafeUpload(_("文档的内部部件过多（%(n)d 个），拒绝处理。", n=len(infos)))
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnsafeUpload(
            _(
                "文档解压后过大（%(size)s，上限 %(limit)s），拒绝处理。",
                size=_mb(unpacked),
                limit=_mb(MAX_UNPACKED_BYTES),
            )
        )
    for i in infos:
        if i.file_size > RATIO_MIN_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise UnsafeUpload(_("文档的压缩比异常（疑似压缩炸弹），拒绝处理。"))
        if i.flag_bits & 0x1:
            raise UnsupportedUpload(_("文档内部被加密，无法读取。%(how)s（不要设置密码）。", how=SAVE_AS))
    names = {i.filename for i in infos}
    other = _other_package(names)
    if other:
        raise UnsupportedUpload(_("这是%(what)s，不是 Word 文档。%(how)s。", what=other, how=SAVE_AS))
    if "[Content_Types].xml" not in names:
        raise UnsupportedUpload(_("这是压缩包，不是 Word 文档。%(how)s。", how=SAVE_AS))
    for i in infos:
        if _is_xml_part(i.filename):
            _check_prolog(zf, i)
    _check_content_types(zf, names)
    if "word/document.xml" in names:
        _check_paragraphs(_count_paragraphs(zf, "word/document.xml"))


_CHUNK = 1 << 20


def _count_paragraphs(zf: zipfile.ZipFile, name: str) -> int:
    """w:p elements in a part, streamed, stopping past the cap (python-docx would parse them all).

    Word and WPS always write the "w" prefix; a file that does not is counted again after
    parsing (:func:`shuzhi.reports.docx_text.body_paragraph_count`)."""
    n = 0
    tail = b""
    with zf.open(name) as fh:
        while n <= MAX_PARAGRAPHS:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            buf = tail + chunk
            # Three 5-byte marks (<w:p/> by its first five): none lies wholly in the last
            # 4 bytes kept, and one cut there is whole in the next buffer, counted then.
            n += buf.count(b"<w:p>") + buf.count(b"<w:p ") + buf.count(b"<w:p/")
            tail = buf[-4:]
    return n


def _other_package(names: set[str]) -> str | None:
    if "word/document.xml" in names:
        return None
    if "xl/workbook.xml" in names:
        return "Excel 工作簿"
    if "ppt/presentation.xml" in names:
        return "PowerPoint 演示文稿"
    if "mimetype" in names:
        return "OpenDocument / WPS 文件"
    return None


def _is_xml_part(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".xml", ".rels", ".vml"))


_PROLOG_END = re.compile(rb"<[A-Za-z_]")
_DECL = re.compile(rb"<!(?!--)")


def _check_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse any markup declaration (DOCTYPE, ENTITY) before the root element."""
    with zf.open(info) as fh:
        head = fh.read(MAX_PROLOG_BYTES)
    if (
        head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or head[1:2] == b"\x00"
        or head[:1] == b"\x00"
    ):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    m = _PROLOG_END.search(head)
    prolog = head[: m.start()] if m else head
    # Comments in the prolog could hide "<!" look-alikes; a DOCTYPE is what we refuse.
    prolog = re.sub(rb"<!--.*?-->", b"", prolog, flags=re.S)
    if _DECL.search(prolog):
        raise UnsafeUpload(
            _("文档的 XML 部件含有 DOCTYPE/实体声明（可能用于攻击），拒绝处理。%(how)s。", how=SAVE_AS)
        )
    if m is None and len(head) >= MAX_PROLOG_BYTES:
        raise UnsafeUpload(_("文档的 XML 部件格式异常，拒绝处理。"))


def _check_content_types(zf: zipfile.ZipFile, names: set[str]) -> None:
    macro = any(n.lower().endswith("vbaproject.bin") for n in names)
    try:
        root = etree.fromstring(zf.read("[Content_Types].xml"), docx_text.SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableUpload(_("文件已损坏，无法作为 .docx 打开。%(how)s。", how=SAVE_AS)) from exc
    types = [el.get("ContentType") or "" for el in root if el.tag in (_CT + "Override", _CT + "Default")]
    macro = macro or any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in types)
    if macro:
        raise MacroDocument(
            _("文档含有宏（.docm 或启用宏的文档），为安全起见拒绝处理。%(how)s（不含宏）。", how=SAVE_AS)
        )
    overrides = {el.get("PartName"): el.get("ContentType") for el in root if el.tag == _CT + "Override"}
    if _WORD_MAIN in overrides.values():
        return
    if any("wordprocessingml.template" in t for t in types):
        raise UnsupportedUpload(_("这是 Word 模板（.dotx），不是文档。%(how)s。", how=SAVE_AS))
    if any("spreadsheetml" in t for t in types):
        what = "Excel 工作簿"
    elif any("presentationml" in t for t in types):
        what = "PowerPoint 演示文稿"
    else:
        raise UnsupportedUpload(_("这不是标准格式的 Word 文档（可能由其他程序生成）。%(how)s。", how=SAVE_AS))
    raise UnsupportedUpload(_("这是%(what)s，不是 Word 文档。%(how)s。", what=what, how=SAVE_AS))
