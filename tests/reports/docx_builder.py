"""Build .docx files for the tests with python-docx, adding by raw XML what it has no API for
(footnotes, endnotes, text boxes, tracked changes, fields), and rewrite packages for the
hostile-file tests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = (
    f'xmlns:w="{W_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


class DocxBuilder:
    """A report document built paragraph by paragraph."""

    def __init__(self) -> None:
        self.doc = docx.Document()
        self._footnotes: list[str] = []
        self._endnotes: list[str] = []
        self._change_id = 100

    # plain content
    def para(self, text: str = "", *, style: str | None = None, align: str | None = None, bold: bool = False):
        p = self.doc.add_paragraph(style=style)
        if text:
            p.add_run(text).bold = bold or None
        if align:
            p.alignment = {
                "center": WD_ALIGN_PARAGRAPH.CENTER,
                "right": WD_ALIGN_PARAGRAPH.RIGHT,
            }[align]
        return p

    def title(self, text: str):
        return self.para(text, align="center", bold=True)

    def heading(self, text: str, level: int):
        return self.doc.add_heading(text, level)

    def bold_lead(self, lead: str, rest: str):
        """A paragraph opening with a bold sentence: "**强化政治引领。**我们……"."""
        p = self.doc.add_paragraph()
        p.add_run(lead).bold = True
        p.add_run(rest)
        return p

    def table(self, rows: list[list[str]]):
        t = self.doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                t.cell(i, j).text = text
        return t

    # raw XML additions
    def _append_xml(self, paragraph, xml: str) -> None:
        for el in list(parse_xml(f"<w:root {NSDECL}>{xml}</w:root>")):
            paragraph._p.append(el)

    def textbox(self, anchor_text: str, box_paragraphs: Iterable[str]):
        """A paragraph anchoring a text box, written as Word writes it: the box in
        mc:Choice (DrawingML) and again in mc:Fallback (VML)."""
        inner = "".join(f"<w:p>{_run(t)}</w:p>" for t in box_paragraphs)
        p = self.para(anchor_text)
        self._append_xml(
            p,
            "<w:r><mc:AlternateContent>"
            '<mc:Choice Requires="wps"><w:drawing><wp:inline><wp:extent cx="1000000" cy="500000"/>'
            '<wp:docPr id="1" name="文本框 1"/><a:graphic>'
            '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            f"<wps:wsp><wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx></wps:wsp>"
            "</a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>"
            "<mc:Fallback><w:pict><v:shape><v:textbox>"
            f"<w:txbxContent>{inner}</w:txbxContent>"
            "</v:textbox></v:shape></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>",
        )
        return p

    def tracked(self, kept: str, inserted: str, deleted: str):
        """A paragraph with a tracked insertion and a tracked deletion."""
        p = self.para(kept)
        self._change_id += 2
        stamp = 'w:author="审核人" w:date="2024-01-05T10:00:00Z"'
        self._append_xml(
            p,
            f'<w:ins w:id="{self._change_id}" {stamp}>{_run(inserted)}</w:ins>'
            f'<w:del w:id="{self._change_id + 1}" {stamp}><w:r><w:delText xml:space="preserve">'
            f"{_esc(deleted)}</w:delText></w:r></w:del>",
        )
        return p

    def field(self, before: str, code: str, result: str):
        """A paragraph with a field: its code (w:instrText) and its shown result."""
        p = self.para(before)
        self._append_xml(
            p,
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {_esc(code)} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f"{_run(result)}"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        )
        return p

    def footnote(self, anchor_text: str, note: str):
        self._footnotes.append(note)
        p = self.para(anchor_text)
        self._append_xml(p, f'<w:r><w:footnoteReference w:id="{len(self._footnotes)}"/></w:r>')
        return p

    def endnote(self, anchor_text: str, note: str):
        self._endnotes.append(note)
        p = self.para(anchor_text)
        self._append_xml(p, f'<w:r><w:endnoteReference w:id="{len(self._endnotes)}"/></w:r>')
        return p

    def header(self, text: str) -> None:
        self.doc.sections[0].header.paragraphs[0].text = text

    def footer(self, text: str) -> None:
        self.doc.sections[0].footer.paragraphs[0].text = text

    def comment(self, paragraph, text: str) -> None:
        self.doc.add_comment(paragraph.runs, text=text, author="审核人")

    def _notes_part(self, kind: str, notes: list[str]) -> None:
        tag = "footnote" if kind == "footnotes" else "endnote"
        body = (
            f'<w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
            f'<w:{tag} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
            f"</w:r></w:p></w:{tag}>"
        )
        ref = "footnoteRef" if tag == "footnote" else "endnoteRef"
        for i, note in enumerate(notes, 1):
            body += f'<w:{tag} w:id="{i}"><w:p><w:r><w:{ref}/></w:r>{_run(" " + note)}</w:p></w:{tag}>'
        xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:{kind} xmlns:w="{W_NS}">{body}</w:{kind}>'
        ct = CT.WML_FOOTNOTES if kind == "footnotes" else CT.WML_ENDNOTES
        rt = RT.FOOTNOTES if kind == "footnotes" else RT.ENDNOTES
        part = Part(PackURI(f"/word/{kind}.xml"), ct, xml.encode("utf-8"), self.doc.part.package)
        self.doc.part.relate_to(part, rt)

    def bytes(self) -> bytes:
        if self._footnotes:
            self._notes_part("footnotes", self._footnotes)
            self._footnotes = []
        if self._endnotes:
            self._notes_part("endnotes", self._endnotes)
            self._endnotes = []
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def docx_of(lines: Iterable[str]) -> bytes:
    """A plain document, one paragraph a line."""
    b = DocxBuilder()
    for line in lines:
        b.para(line)
    return b.bytes()


def rezip(
    data: bytes,
    *,
    replace: Mapping[str, bytes] | None = None,
    add: Mapping[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """The same package with some parts replaced or added."""
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.pop(info.filename, None) or src.read(info.filename))
        for name, blob in {**replace, **(add or {})}.items():
            dst.writestr(name, blob)
    return out.getvalue()


def part_of(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)
