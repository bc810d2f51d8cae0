"""The text of a .docx as Word counts it, block by block (docs/policies/COUNTING.md).

Word's 字数 covers the main body **with tables, text boxes, footnotes and
endnotes**, not headers, footers or comments; tracked deletions are not
counted, insertions are. ``python-docx``'s ``Document.paragraphs`` skips
tables and text boxes, so the body is walked here element by element:

- paragraphs and tables in document order (a table row is one block, its cells
  joined by a tab, so a row counts exactly as its cells do);
- a text box's paragraphs become blocks of their own after the paragraph that
  anchors them; of ``mc:AlternateContent`` only the first ``mc:Choice`` is read
  (the ``mc:Fallback`` repeats the same text box for old readers);
- ``w:del``/``w:moveFrom`` (tracked deletions) and ``w:instrText`` (field codes)
  are skipped; ``w:ins``/``w:moveTo`` and field results are read;
- footnotes and endnotes come last, as blocks marked ``footnote``/``endnote``.

Each block keeps what heading detection needs: the paragraph style's name and
heading level, alignment, and the bold text at the start of the paragraph.

The caller (``shuzhi.reports.uploads``) has vetted the file before python-docx
opens it: size, zip directory, DOCTYPE-free XML, no macros.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from shuzhi.reports.counting import Count
from shuzhi.reports.fastcount import fast_count

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

W_P, W_TBL, W_TR, W_TC, W_R = W + "p", W + "tbl", W + "tr", W + "tc", W + "r"
W_T, W_TAB, W_BR, W_CR = W + "t", W + "tab", W + "br", W + "cr"
W_NBH, W_SYM, W_PTAB = W + "noBreakHyphen", W + "sym", W + "ptab"
W_PPR, W_RPR, W_PSTYLE, W_RSTYLE = W + "pPr", W + "rPr", W + "pStyle", W + "rStyle"
W_JC, W_OUTLINE, W_NUMPR, W_B, W_VAL = W + "jc", W + "outlineLvl", W + "numPr", W + "b", W + "val"
W_SDT, W_SDTCONTENT, W_CUSTOMXML = W + "sdt", W + "sdtContent", W + "customXml"
W_DEL, W_MOVEFROM, W_TXBX = W + "del", W + "moveFrom", W + "txbxContent"
W_DRAWING, W_PICT, W_OBJECT = W + "drawing", W + "pict", W + "object"
W_FOOTNOTE, W_ENDNOTE, W_TYPE = W + "footnote", W + "endnote", W + "type"
W_STYLE, W_STYLEID, W_NAME, W_BASEDON, W_DEFAULT = (
    W + "style",
    W + "styleId",
    W + "name",
    W + "basedOn",
    W + "default",
)
MC_ALT, MC_CHOICE = MC + "AlternateContent", MC + "Choice"

#: Inline elements whose content Word does not count (deletions, a paragraph's properties).
_SKIP_INLINE = frozenset({W_PPR, W_DEL, W_MOVEFROM})
#: Run children that may hold a text box (drawings, VML pictures, embedded objects).
_BOX_HOLDERS = frozenset({W_DRAWING, W_PICT, W_OBJECT, MC_ALT})
_FALSE = frozenset({"0", "false", "off", "none"})
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_NAMES = frozenset({"title", "标题"})

#: XML parser for parts python-docx leaves as bytes (footnotes, endnotes): no entities,
#: no DTD, no network. (The uploads module has refused any DOCTYPE already.)
SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


@dataclass(slots=True)
class Block:
    """One paragraph (or table row) of text, with what heading detection needs."""

    text: str
    where: str = "body"  # body | table | textbox | footnote | endnote
    style: str = ""  # paragraph style name ("heading 1", "标题 1", "Normal")
    level: int | None = None  # heading level given by the style or outline level (1-9)
    title_style: bool = False  # the "Title" style
    align: str = ""  # left | center | right | both …
    bold_lead: str = ""  # the bold text the paragraph starts with
    bold_all: bool = False  # every visible character is bold
    numbered: bool = False  # Word's automatic list numbering (w:numPr)
    _count: Count | None = field(default=None, repr=False, compare=False)

    def count(self) -> Count:
        """Word's figures for this block, computed once (the text is not changed after reading)."""
        if self._count is None:
            self._count = fast_count(self.text)
        return self._count


@dataclass
class DocText:
    """A document's countable text: body blocks in order, then footnotes and endnotes."""

    blocks: list[Block] = field(default_factory=list)
    notes: list[Block] = field(default_factory=list)

    def all_blocks(self) -> Iterator[Block]:
        yield from self.blocks
        yield from self.notes

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.all_blocks())

    def count(self) -> Count:
        """Word's 字数 and 字符数(不计空格) of everything Word counts (blocks never merge runs)."""
        words = chars = 0
        for b in self.all_blocks():
            c = b.count()
            words += c.words
            chars += c.chars_no_spaces
        return Count(words, chars)

    @property
    def paragraph_count(self) -> int:
        return len(self.blocks) + len(self.notes)


# --- styles ----------------------------------------------------------------------


@dataclass(slots=True)
class _Style:
    name: str = ""
    based_on: str | None = None
    bold: bool | None = None
    level: int | None = None
    title: bool = False
    align: str | None = None


class Styles:
    """Style id → resolved name, heading level, bold and alignment (following basedOn).

    Styles are read when first asked for: a document uses a handful of the ~160 its
    template defines."""

    def __init__(self, root: etree._Element | None) -> None:
        self._elements: dict[str, etree._Element] = {}
        self._raw: dict[str, _Style | None] = {}
        self._resolved: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        if root is None:
            return
        for el in root.iterchildren(W_STYLE):
            sid = el.get(W_STYLEID)
            if sid is None:
                continue
            self._elements.setdefault(sid, el)
            if (
                self.default_paragraph is None
                and el.get(W_DEFAULT) in ("1", "true", "on")
                and el.get(W + "type") == "paragraph"
            ):
                self.default_paragraph = sid

    def get(self, sid: str | None) -> _Style:
        sid = sid if sid is not None else self.default_paragraph
        if sid is None:
            return _NO_STYLE
        found = self._resolved.get(sid)
        if found is None:
            found = self._resolved[sid] = self._resolve(sid, 0)
        return found

    def _read(self, sid: str) -> _Style | None:
        if sid in self._raw:
            return self._raw[sid]
        el = self._elements.get(sid)
        st = None if el is None else _read_style(el, sid)
        self._raw[sid] = st
        return st

    def _resolve(self, sid: str, depth: int) -> _Style:
        raw = self._read(sid)
        if raw is None:
            return _NO_STYLE
        if raw.based_on is None or depth > 20:  # a basedOn loop in a hostile file ends here
            return raw
        parent = self._resolve(raw.based_on, depth + 1)
        return _Style(
            raw.name,
            raw.based_on,
            raw.bold if raw.bold is not None else parent.bold,
            raw.level if raw.level is not None else parent.level,
            raw.title,
            raw.align if raw.align is not None else parent.align,
        )


def _read_style(el: etree._Element, sid: str) -> _Style:
    st = _Style()
    name = el.find(W_NAME)
    st.name = (name.get(W_VAL) or "") if name is not None else sid
    based = el.find(W_BASEDON)
    st.based_on = based.get(W_VAL) if based is not None else None
    m = _HEADING_NAME.match(st.name.strip())
    if m:
        st.level = int(m.group(1))
    st.title = st.name.strip().lower() in _TITLE_NAMES
    ppr = el.find(W_PPR)
    if ppr is not None:
        ol = ppr.find(W_OUTLINE)
        if ol is not None and st.level is None:
            st.level = _outline_level(ol)
        jc = ppr.find(W_JC)
        if jc is not None:
            st.align = jc.get(W_VAL)
    rpr = el.find(W_RPR)
    if rpr is not None:
        b = rpr.find(W_B)
        if b is not None:
            st.bold = b.get(W_VAL) not in _FALSE
    return st


_NO_STYLE = _Style()


def _outline_level(el: etree._Element) -> int | None:
    try:
        v = int(el.get(W_VAL) or "9")
    except ValueError:
        return None
    return v + 1 if 0 <= v <= 8 else None  # 9 means body text


# --- the walk --------------------------------------------------------------------


class _Walker:
    """Turns body elements into blocks; one instance per part walked."""

    def __init__(self, styles: Styles, where: str = "body") -> None:
        self.styles = styles
        self.where = where
        self.out: list[Block] = []
        self._pending: list[Block] = []  # text-box blocks waiting for their anchor to be emitted
        # per-paragraph state
        self._texts: list[str] = []
        self._lead: list[str] = []
        self._lead_open = True
        self._all_bold = True

    # block level
    def blocks(self, parent: etree._Element) -> None:
        for el in parent:
            tag = el.tag
            if tag == W_P:
                self.out.append(self.paragraph(el, self.where))
                self._flush()
            elif tag == W_TBL:
                self.out.extend(self.table(el))
                self._flush()
            elif tag == W_SDT:
                content = el.find(W_SDTCONTENT)  # (an lxml element with no children is falsy)
                if content is not None:
                    self.blocks(content)
            elif tag in (W_CUSTOMXML, W_SDTCONTENT, W + "ins", W + "moveTo"):
                self.blocks(el)
            # sectPr, bookmarks, w:del (a deleted block) and unknown elements: nothing to count

    def _flush(self) -> None:
        if self._pending:
            self.out.extend(self._pending)
            self._pending = []

    def table(self, tbl: etree._Element) -> list[Block]:
        rows = []
        for tr in _unwrapped(tbl, W_TR):
            cells = [self._cell_text(tc) for tc in _unwrapped(tr, W_TC)]
            rows.append(Block("\t".join(cells), where="table"))
        return rows

    def _cell_text(self, tc: etree._Element) -> str:
        parts: list[str] = []
        for el in tc:
            if el.tag == W_P:
                parts.append(self.paragraph(el, "table").text)
            elif el.tag == W_TBL:
                parts.extend(b.text for b in self.table(el))
            elif el.tag in (W_SDT, W_CUSTOMXML):
                sub = _Walker(self.styles, "table")
                sub.blocks(el)
                parts.extend(b.text for b in sub.out if b.where == "table")
                self._pending.extend(b for b in sub.out if b.where == "textbox")
        return "\n".join(parts)

    def paragraph(self, p: etree._Element, where: str) -> Block:
        ppr = p.find(W_PPR)
        sid = align = None
        level = None
        numbered = False
        if ppr is not None:
            ps = ppr.find(W_PSTYLE)
            if ps is not None:
                sid = ps.get(W_VAL)
            jc = ppr.find(W_JC)
            if jc is not None:
                align = jc.get(W_VAL)
            ol = ppr.find(W_OUTLINE)
            if ol is not None:
                level = _outline_level(ol)
            numbered = ppr.find(W_NUMPR) is not None
        style = self.styles.get(sid)
        saved = self._texts, self._lead, self._lead_open, self._all_bold
        self._texts, self._lead, self._lead_open, self._all_bold = [], [], True, True
        self._inline(p, bool(style.bold))
        text = "".join(self._texts)
        block = Block(
            text,
            where=where,
            style=style.name,
            level=level if level is not None else style.level,
            title_style=style.title,
            align=align or style.align or "",
            bold_lead="".join(self._lead),
            bold_all=self._all_bold and bool(text.strip()),
            numbered=numbered,
        )
        self._texts, self._lead, self._lead_open, self._all_bold = saved
        return block

    def _inline(self, el: etree._Element, para_bold: bool) -> None:
        for child in el:
            tag = child.tag
            if tag == W_R:
                self._run(child, para_bold)
            elif tag in _SKIP_INLINE:
                continue
            elif tag == MC_ALT:
                choice = child.find(MC_CHOICE)
                if choice is not None:
                    self._inline(choice, para_bold)
            elif tag == W_TXBX:
                self._textbox(child)
            elif isinstance(tag, str):  # ins, moveTo, hyperlink, smartTag, sdt, fldSimple …
                self._inline(child, para_bold)

    def _run(self, r: etree._Element, para_bold: bool) -> None:
        bold = para_bold
        texts = self._texts
        for c in r:
            tag = c.tag
            if tag == W_T:
                s = c.text
                if s:
                    texts.append(s)
                    if not s.isspace():
                        if bold:
                            if self._lead_open:
                                self._lead.append(s)
                        else:
                            self._lead_open = False
                            self._all_bold = False
                    elif self._lead_open and bold:
                        self._lead.append(s)
            elif tag == W_RPR:
                bold = self._bold(c, para_bold)
            elif tag in (W_TAB, W_PTAB):
                texts.append("\t")
            elif tag in (W_BR, W_CR):
                texts.append("\n")
            elif tag == W_NBH:
                texts.append("-")
            elif tag == W_SYM:
                texts.append(_symbol(c))
            elif tag in _BOX_HOLDERS:
                for box in _textboxes(c):
                    self._textbox(box)
            # w:delText (a tracked deletion), w:instrText (a field code), marks: not text

    def _bold(self, rpr: etree._Element, para_bold: bool) -> bool:
        b = rpr.find(W_B)
        if b is not None:
            return b.get(W_VAL) not in _FALSE
        rs = rpr.find(W_RSTYLE)
        if rs is not None:
            cb = self.styles.get(rs.get(W_VAL)).bold
            if cb is not None:
                return cb
        return para_bold

    def _textbox(self, box: etree._Element) -> None:
        sub = _Walker(self.styles, "textbox")
        sub.blocks(box)
        for b in sub.out:
            b.where = "textbox"
        self._pending.extend(sub.out)


def _unwrapped(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Children with ``tag``, looking through content controls and custom XML around them
    (rows of a table, cells of a row); a deleted row (w:del) is not read."""
    for el in parent:
        if el.tag == tag:
            yield el
        elif el.tag in (W_SDT, W_SDTCONTENT, W_CUSTOMXML):
            yield from _unwrapped(el, tag)


def _textboxes(el: etree._Element) -> Iterator[etree._Element]:
    """Outermost text boxes under a drawing/picture, reading mc:Choice and skipping mc:Fallback."""
    if el.tag == MC_ALT:
        choice = el.find(MC_CHOICE)
        if choice is not None:
            yield from _textboxes(choice)
        return
    for child in el:
        tag = child.tag
        if tag == W_TXBX:
            yield child
        elif tag == MC_ALT:
            choice = child.find(MC_CHOICE)
            if choice is not None:
                yield from _textboxes(choice)
        elif isinstance(tag, str):
            yield from _textboxes(child)


def _symbol(el: etree._Element) -> str:
    try:
        cp = int(el.get(W + "char") or "", 16)
    except ValueError:
        return ""
    # Symbol-font characters live in the private use area (F000-F0FF); either way they count.
    return chr(cp) if 0 < cp < 0x110000 else ""


# --- entry points ----------------------------------------------------------------


def _notes(root: etree._Element | None, tag: str, where: str, styles: Styles) -> list[Block]:
    if root is None:
        return []
    walker = _Walker(styles, where)
    for note in root.iter(tag):
        if note.get(W_TYPE) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        walker.blocks(note)
    for b in walker.out:
        if b.where != "textbox":
            b.where = where
    return walker.out


FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
ENDNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"


def open_document(data: bytes):  # -> docx.document.Document
    """python-docx's Document for vetted bytes (see :func:`shuzhi.reports.uploads.check_docx`)."""
    import docx

    return docx.Document(io.BytesIO(data))


def related_xml(document, reltype: str) -> etree._Element | None:
    """A part related to the main document, parsed safely (python-docx keeps some as bytes)."""
    for rel in document.part.rels.values():
        if rel.reltype == reltype and not rel.is_external:
            part = rel.target_part
            element = getattr(part, "element", None)
            if element is not None:
                return element
            return etree.fromstring(part.blob, SAFE_PARSER)
    return None


def extract(document) -> DocText:
    """The countable text of an open python-docx Document."""
    styles = Styles(document.styles.element)
    walker = _Walker(styles)
    walker.blocks(document.element.body)
    notes = _notes(related_xml(document, FOOTNOTES_RT), W_FOOTNOTE, "footnote", styles)
    notes += _notes(related_xml(document, ENDNOTES_RT), W_ENDNOTE, "endnote", styles)
    return DocText(walker.out, notes)


def body_paragraph_count(document) -> int:
    """Paragraphs in the body (all of them: table cells, text boxes, empty ones)."""
    return sum(1 for _ in document.element.body.iter(W_P))
