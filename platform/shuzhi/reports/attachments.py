"""Attachments of a report: slides and video for the oral report (JX-06), scans of the
signed and stamped copy (SX-03, YZ-05). Types and sizes are checked by content, not name.

Each kind lists the file types it takes and its size limit. A file is read as
what its first bytes say it is; the name's extension must agree. Refused, each
with a Chinese message (4xx): an empty or oversized file, a program or script
renamed, a PDF with JavaScript, launch actions or embedded files, a slide deck
with macros, a DOCTYPE (entities) or a zip bomb's proportions.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shuzhi.errors import ShuzhiError
from shuzhi.reports.models import AttachmentKind

MB = 1024 * 1024


class AttachmentRefused(ShuzhiError):
    status = 415


class AttachmentTooLarge(AttachmentRefused):
    status = 413


class HostileAttachment(AttachmentRefused):
    status = 422


@dataclass(frozen=True)
class KindRule:
    label: object
    types: tuple[str, ...]  # sniffed types it takes
    max_bytes: int


#: Sniffed type -> the extensions a file of that type may carry, and its MIME type.
TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "pptx": (
        (".pptx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "mp4": ((".mp4", ".m4v", ".mov"), "video/mp4"),
}

KINDS: dict[AttachmentKind, KindRule] = {
    AttachmentKind.SLIDES: KindRule(_l("幻灯片"), ("pptx", "pdf"), 50 * MB),
    AttachmentKind.VIDEO: KindRule(_l("视频短片"), ("mp4",), 200 * MB),
    AttachmentKind.SCAN: KindRule(_l("签字盖章件扫描件"), ("pdf", "jpeg", "png"), 20 * MB),
}

#: The largest of the limits: the request may not be bigger (plus the form's overhead).
MAX_REQUEST_BYTES = max(rule.max_bytes for rule in KINDS.values()) + MB

_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
_ZIP_MAX_PARTS = 5000
_ZIP_MAX_UNPACKED = 500 * MB
_ZIP_MAX_RATIO = 100


@dataclass(frozen=True)
class Checked:
    kind: AttachmentKind
    filename: str
    type: str
    content_type: str


def kind_label(kind: AttachmentKind | str) -> str:
    if kind == AttachmentKind.ORIGINAL:  # kept by the editor, not uploaded on the files page
        return _("报告原件（读入编辑器的文件）")
    try:
        return str(KINDS[AttachmentKind(kind)].label)
    except (KeyError, ValueError):
        return str(kind)


def clean_filename(name: str) -> str:
    """The file's own name without any folder, control characters or leading dots."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.strip().lstrip(".").strip()
    return base[-200:] if base else ""


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if len(data) > 12 and data[4:8] == b"ftyp":
        return "mp4"
    return None


def check(kind: AttachmentKind | str, filename: str, data: bytes) -> Checked:
    """Accept ``data`` as an attachment of ``kind`` or raise :class:`AttachmentRefused`."""
    try:
        kind = AttachmentKind(kind)
        rule = KINDS[kind]
    except (KeyError, ValueError):
        raise AttachmentRefused(
            _("附件类型应为：幻灯片、视频短片或签字盖章件扫描件。"),
            status=422,
            errors={"kind": [_("不支持")]},
        ) from None
    name = clean_filename(filename)
    allowed = "、".join(ext for t in rule.types for ext in TYPES[t][0])
    if not data:
        raise AttachmentRefused(_("文件是空的。"), status=422)
    if len(data) > rule.max_bytes:
        raise AttachmentTooLarge(
            _(
                "文件太大（%(size).1f MB），%(kind)s不能超过 %(limit)d MB。",
                size=len(data) / MB,
                kind=rule.label,
                limit=rule.max_bytes // MB,
            )
        )
    found = sniff(data)
    if found == "zip":
        found = _check_pptx(data)
    if found is None or found not in rule.types:
        raise AttachmentRefused(
            _(
                "这个文件不是可接受的%(kind)s，只能上传 %(allowed)s 文件（按文件内容判断，改扩展名无效）。",
                kind=rule.label,
                allowed=allowed,
            )
        )
    ext = PurePosixPath(name.lower()).suffix
    if ext not in TYPES[found][0]:
        raise AttachmentRefused(
            _(
                "文件名的扩展名（%(ext)s）与文件内容（%(type)s）不符，请用原始文件上传。",
                ext=ext or "—",
                type=found.upper(),
            )
        )
    if found == "pdf" and _PDF_ACTIVE.search(data):
        raise HostileAttachment(
            _(
                "这个 PDF 含有脚本、自动执行动作或嵌入的文件，出于安全原因不能上传；请重新扫描或“打印为 PDF”后再上传。"
            )
        )
    return Checked(kind, name, found, TYPES[found][1])


def _check_pptx(data: bytes) -> str | None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise HostileAttachment(_("文件已损坏，无法打开。")) from None
    if len(infos) > _ZIP_MAX_PARTS:
        raise HostileAttachment(_("文件结构异常（压缩包内文件过多），不能上传。"))
    total = sum(i.file_size for i in infos)
    if total > _ZIP_MAX_UNPACKED or any(
        i.compress_size and i.file_size > MB and i.file_size / i.compress_size > _ZIP_MAX_RATIO for i in infos
    ):
        raise HostileAttachment(_("文件解压后异常巨大（疑似压缩炸弹），不能上传。"))
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise HostileAttachment(
            _("这个演示文稿含有宏（VBA），出于安全原因不能上传；请另存为不含宏的 .pptx 后再上传。")
        )
    if "ppt/presentation.xml" not in names:
        return None
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and info.file_size:
            with zf.open(info) as fh:
                head = fh.read(2048)
            if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                raise HostileAttachment(_("文件含有不安全的 XML 声明（DOCTYPE/ENTITY），不能上传。"))
            if b"macroEnabled" in head:
                raise HostileAttachment(
                    _("这个演示文稿含有宏（VBA），出于安全原因不能上传；请另存为不含宏的 .pptx 后再上传。")
                )
    return "pptx"
