"""A report's structure: title, addressee, headings, parts, signature (COUNTING.md "Section shares").

The input is the blocks of :mod:`shuzhi.reports.docx_text` (or of plain text,
one block a line); the output, :class:`ParsedDocument`, implements the policy
engine's ``ParsedReport`` and says more: every heading found and how, each
part's mapping to the policy's ``[[section]]`` with a confidence, template
placeholders, and whether the parser is unsure (then the secretary confirms
or corrects the outline; a correction is a mapping {heading index: part key}).

Headings, in the order they are recognised:

- numbering: 一、 (level 1), （一）(一)〔一〕 (level 2), 1. 1、 1． (level 3), （1） (level 4);
- a Word heading style or outline level (Heading 1-9, 标题 1…) when unnumbered; in the
  editor's plain text, a line starting "# " (level 1), "## " (level 2)… (the marker is
  not counted; :func:`editor_text` writes it for a .docx read into the editor);
- a short bold lead sentence ending in 。 or ： at the start of a paragraph (level 3).

一是…二是… are lead-ins inside a section, not headings. A section runs from its
heading to the next heading of the same or higher level; the parts are the
sections of the highest level present. Paragraphs before the first part form
the opening part, mapped to the policy's 导言/前言 section if it has one.

The title lines (title, subtitle, author, date under it), the addressee
(各位领导、同志们：) and the signature and date at the end are not body: they
are left out of ``paragraphs`` and ``body_words`` (the share denominator) but
kept in ``meta``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from flask_babel import gettext as _

from shuzhi.errors import ValidationFailed
from shuzhi.policy.model import Policy
from shuzhi.reports.counting import Count
from shuzhi.reports.docx_text import Block, DocText
from shuzhi.reports.fastcount import fast_words as count_words

#: Correction value: this heading does not start a part (its text joins the part before).
NOT_A_PART = "-"
#: Correction index of the opening part (paragraphs before the first heading).
INTRO = -1
#: A mapping at or above this confidence is taken without asking.
SURE = 0.7
#: Below this, a heading is not mapped at all.
MATCH_MIN = 0.45
#: Top-level headings mapped to the policy's parts; a report has a handful, a hostile file
#: thousands (each costs a fuzzy match against every section name).
MAX_MAPPED_PARTS = 50

_CN_NUM = "一二三四五六七八九十"
_L1 = re.compile(rf"^[{_CN_NUM}]{{1,3}}\s*[、．.]")
_L2 = re.compile(rf"^[（(〔【]\s*[{_CN_NUM}]{{1,3}}\s*[）)〕】]")
_L3 = re.compile(r"^[0-9０-９]{1,2}\s*[、.．](?![0-9０-９])")
_L4 = re.compile(r"^[（(]\s*[0-9０-９]{1,2}\s*[）)]")
_NUMBERED = ((_L1, 1), (_L2, 2), (_L3, 3), (_L4, 4))
_LEAD_IN = re.compile(rf"^(?:第)?[{_CN_NUM}]{{1,3}}是")
_SENTENCE_END = re.compile(r"[。！？!?；;：:]")
_PAREN = re.compile(r"[（(【〔][^）)】〕]*[）)】〕]")
_NON_WORD = re.compile(r"[\W_]+")
_LEADING_YEAR = re.compile(r"^(?:\d{4}|[〇○零一二三四五六七八九]{4})年度?")
_DATE = re.compile(
    r"^[（(]?\s*(?:[\dXＸ]{1,4}|[〇○零一二三四五六七八九]{4})\s*年\s*"
    r"(?:[\dXＸ]{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"(?:\s*(?:[\dXＸ]{1,2}|[一二三四五六七八九十]{1,3})\s*日)?\s*[）)]?$"
)
_ROLE_WORDS = re.compile(r"书记|主任|述职人|汇报人|支部|党委|党组|总支|工委|委员会|单位|签名|盖章|村|社区")
_NAME_ONLY = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_ADDRESSEE = re.compile(r"同志|领导|代表|委员|各位|尊敬|大家")
_REPORT_WORDS = re.compile(r"述职|报告|汇报|发言|总结")
_LEADS_INTO_BODY = re.compile(r"如下|报告|汇报|述职")
_CLAUSE_PUNCT = re.compile(r"[。，；！？,;!?]")
_INTRO_NAMES = re.compile(r"导言|前言|引言|开头|开篇")

#: Template leftovers (the policy engine's ``placeholders`` rule has its own list).
PLACEHOLDER_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"[XＸ]{2,}",
        r"(?<![A-Za-z])[XＸ](?=[年月日])",
        r"[×＊*]{2,}",
        r"【[^】]*】",
        r"…{2,}|\.{6,}|。{3,}",
        r"[○□]{2,}",
        r"_{3,}|＿{3,}",
    )
)


_ANY_PLACEHOLDER = re.compile("|".join(f"(?:{p.pattern})" for p in PLACEHOLDER_PATTERNS))


class CorrectionError(ValidationFailed):
    """An outline correction that does not fit the report or the policy."""


@dataclass
class Heading:
    index: int  # position among all headings found
    paragraph: int  # index in the body paragraphs
    level: int  # 1 (一、) … 4 ((1))
    text: str  # the whole paragraph
    name: str  # the heading proper: numbering, notes in brackets and the run-on text removed
    how: str  # number | style | bold
    words: int = 0  # 字数 of the section it opens (to the next heading of the same or higher level)


@dataclass
class ReportPart:
    """A top-level section (or the opening paragraphs), mapped to a policy part."""

    key: str | None
    heading: str  # the heading paragraph ("" for the opening part)
    paragraphs: list[str]  # the heading line first (the opening part has none)
    start: int
    words: int
    heading_index: int | None = None  # into ParsedDocument.headings; None: the opening part
    name: str = ""  # the heading proper
    confidence: float = 0.0
    matched: str = ""  # the policy's section name or variant it matched
    how: str = "none"  # exact | contains | similar | ambiguous | intro | corrected | none

    @property
    def is_intro(self) -> bool:
        return self.heading_index is None


@dataclass(frozen=True)
class MetaLine:
    role: str  # title | byline | addressee | signature | date
    text: str


@dataclass(frozen=True)
class Placeholder:
    text: str  # the match ("XXX", "【填写数据】")
    paragraph: int | None  # index in the body paragraphs; None: in a title or signature line
    where: str  # body | note | title | byline | addressee | signature | date


@dataclass
class ParsedDocument:
    """A parsed report: the policy engine's ``ParsedReport`` plus the outline and its doubts."""

    paragraphs: list[str]
    parts: list[ReportPart]
    body_words: int
    documents: dict[str, str] = field(default_factory=dict)
    headings: list[Heading] = field(default_factory=list)
    meta: list[MetaLine] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    lead_ins: list[int] = field(default_factory=list)  # paragraphs starting 一是…二是…
    notes_start: int | None = None  # first footnote/endnote paragraph, if any
    total: Count = field(
        default_factory=lambda: Count(0, 0)
    )  # Word's figures for the whole document, title and signature included
    unsure: bool = False
    reasons: list[str] = field(default_factory=list)
    corrections: dict[int, str | None] = field(default_factory=dict)
    policy: Policy | None = field(default=None, repr=False)
    source: DocText | None = field(default=None, repr=False)

    def part(self, key: str) -> list[ReportPart]:
        return [p for p in self.parts if p.key == key]

    @property
    def confidence(self) -> float:
        scores = [p.confidence for p in self.parts if not p.is_intro]
        return min(scores) if scores else 0.0

    def section_name(self, key: str | None) -> str | None:
        if key is None:
            return None
        spec = self.policy.section(key) if self.policy else None
        return spec.name if spec else key

    def outline(self) -> list[dict[str, Any]]:
        """Every heading (and the opening part), with the part it starts and its 字数.

        What the secretary is shown to confirm or correct; ``index`` is the key
        of a correction ({index: part key}).
        """
        starts = {p.heading_index: p for p in self.parts}
        rows: list[dict[str, Any]] = []
        intro = starts.get(None)
        if intro is not None:
            rows.append(self._row(INTRO, 0, "（开头部分）", intro.start, intro.words, intro))
        for h in self.headings:
            rows.append(
                self._row(h.index, h.level, h.name or h.text, h.paragraph, h.words, starts.get(h.index))
            )
        return rows

    def _row(
        self, index: int, level: int, name: str, paragraph: int, words: int, part: ReportPart | None
    ) -> dict[str, Any]:
        share = f"{100 * words / self.body_words:.1f}%" if self.body_words else "—"
        return {
            "index": index,
            "level": level,
            "heading": name,
            "paragraph": paragraph,
            "words": words,
            "share": share,
            "starts_part": part is not None,
            "part": part.key if part else None,
            "part_name": self.section_name(part.key) if part else None,
            "confidence": round(part.confidence, 2) if part else None,
            "how": part.how if part else None,
        }

    def correct(self, corrections: Mapping[int, str | None]) -> ParsedDocument:
        """The same document parsed again with the secretary's corrections applied."""
        if self.source is None:
            raise CorrectionError(_("无法更正：缺少原始文本。"))
        merged = {**self.corrections, **dict(corrections)}
        return parse_report(self.source, self.policy, corrections=merged, documents=self.documents)

    def to_dict(self) -> dict[str, Any]:
        return {
            "body_words": self.body_words,
            "total": {"words": self.total.words, "chars_no_spaces": self.total.chars_no_spaces},
            "meta": [{"role": m.role, "text": m.text} for m in self.meta],
            "outline": self.outline(),
            "unsure": self.unsure,
            "reasons": list(self.reasons),
            "placeholders": [
                {"text": p.text, "paragraph": p.paragraph, "where": p.where} for p in self.placeholders
            ],
            "corrections": {str(k): v for k, v in self.corrections.items()},
        }


# --- recognising lines ---------------------------------------------------------------


def heading_of(block: Block) -> tuple[int, str, str] | None:
    """(level, name, how) if the block is a heading."""
    if block.where != "body":
        return None
    text = block.text.strip()
    if not text:
        return None
    for pattern, level in _NUMBERED:
        m = pattern.match(text)
        if m:
            return level, _name(text[m.end() :]), "number"
    if _LEAD_IN.match(text):
        return None
    if block.level is not None:
        return block.level, _name(text), "style"
    lead = block.bold_lead.strip()
    if lead and count_words(lead) <= 40 and lead[-1] in "。：:．！":
        return 3, _name(lead), "bold"
    if block.bold_all and count_words(text) <= 30 and not _CLAUSE_PUNCT.search(text[:-1]):
        return 3, _name(text), "bold"
    return None


def editor_text(doc: DocText) -> str:
    """A document as the editor's plain text, one paragraph a line, keeping its headings.

    A heading Word marks only by its style (Heading 1, 标题 2…) or by bold, with no
    一、/（一） numbering, is written with the editor's marker ("# 主要工作", "## …",
    one # per level), so the text parses into the same outline as the .docx; the
    marker is not counted (:func:`shuzhi.reports.uploads.text_blocks`).
    """
    body = [b for b in doc.blocks if b.text.strip()]
    front = _front_matter(body)
    back = _back_matter(body, len(front))
    levels: dict[int, int] = {}  # id(block) -> heading level, for the body's unnumbered headings
    for b in body[len(front) : len(body) - len(back)]:
        found = heading_of(b)
        if found is not None and found[2] != "number":
            levels[id(b)] = found[0]
    lines = []
    for b in doc.all_blocks():
        level = levels.get(id(b))
        lines.append(b.text if level is None else "#" * level + " " + b.text.strip())
    return "\n".join(lines)


def _name(text: str) -> str:
    """The heading proper: up to the first sentence end, without notes in brackets."""
    text = text.strip()
    m = _SENTENCE_END.search(text)
    if m:
        text = text[: m.start()]
    return _PAREN.sub("", text).strip(" \t　、，,.．")


def _norm(name: str) -> str:
    """A heading or section name reduced for comparison (及/和/与 alike, 的 and numbering dropped)."""
    s = _PAREN.sub("", name)
    s = _NON_WORD.sub("", s)
    s = _LEADING_YEAR.sub("", s)
    for a, b in (("以及", "和"), ("及", "和"), ("与", "和"), ("下一步", "下步"), ("的", "")):
        s = s.replace(a, b)
    return s


def _is_numbered(text: str) -> bool:
    return any(p.match(text) for p, _lvl in _NUMBERED)


def _looks_title(b: Block, t: str, rest: Sequence[Block]) -> bool:
    if count_words(t) > 50 or t[-1] in "。；，：:;," or _LEAD_IN.match(t):
        return False
    if b.title_style or b.align == "center" or _REPORT_WORDS.search(t):
        return True
    # A heading style or bold alone: a title only if no later line looks the same (else it is
    # the first part's heading, "主要做法及成效" in Heading 1 like the others).
    if b.level is not None:
        return not any(o.level == b.level and o.where == "body" for o in rest)
    if b.bold_all:
        return not any(o.bold_all and o.where == "body" and not _LEAD_IN.match(o.text.strip()) for o in rest)
    return False


def _looks_byline(b: Block, t: str) -> bool:
    if count_words(t) > 40 or _CLAUSE_PUNCT.search(t.rstrip("。")):
        return False
    return (
        t.startswith(("—", "-", "－"))
        or bool(_DATE.match(t))
        or b.align == "center"
        or bool(_ROLE_WORDS.search(t))
        or bool(_NAME_ONLY.match(t.replace(" ", "").replace("　", "")))
    )


def _looks_addressee(t: str) -> bool:
    return (
        count_words(t) <= 30
        and t[-1] in "：:"
        and bool(_ADDRESSEE.search(t))
        and not _LEADS_INTO_BODY.search(t)
    )


def _looks_signature(b: Block, t: str) -> bool:
    if count_words(t) > 40 or _is_numbered(t):
        return False
    # "石龙村党支部书记：张三" has one colon, before the name; a sentence has other punctuation.
    if re.search(r"[。，；！？,;!?]", t) or re.search(r"[：:]$", t) or len(re.findall(r"[：:]", t)) > 1:
        return False
    return b.align == "right" or bool(_ROLE_WORDS.search(t)) or bool(_NAME_ONLY.match(re.sub(r"\s", "", t)))


def _front_matter(body: Sequence[Block]) -> list[str]:
    roles: list[str] = []
    for b in body[:6]:
        t = b.text.strip()
        if b.where != "body" or _is_numbered(t):
            break
        if not roles and _looks_title(b, t, body[1:]):
            roles.append("title")
        elif _looks_addressee(t):
            roles.append("addressee")
            break  # the body follows the greeting
        elif roles and _DATE.match(t):
            roles.append("date")
        elif roles and roles[-1] in ("title", "byline") and _looks_byline(b, t):
            roles.append("byline")
        else:
            break
    return roles


def _back_matter(body: Sequence[Block], start: int) -> list[str]:
    roles: list[str] = []
    j = len(body)
    while j > start and len(roles) < 4:
        b = body[j - 1]
        t = b.text.strip()
        if b.where != "body":
            break
        if _DATE.match(t):
            role = "date"
        elif _looks_signature(b, t):
            role = "signature"
        else:
            break
        roles.insert(0, role)
        j -= 1
    return roles


# --- mapping to the policy's parts ---------------------------------------------------


#: match_section's answers: the editor re-parses the whole text at every pause in typing,
#: and fuzzy-matching the same few headings against every part name was half of it.
#: Keyed by the policy object's id, with the policy kept in the value (so an id reused by
#: another policy after this one is gone never answers): pinned policies live in a cache.
_MATCHES: dict[tuple[int, str], tuple[Policy, tuple[str | None, float, str, str]]] = {}
_MATCHES_MAX = 4096


def match_section(name: str, policy: Policy) -> tuple[str | None, float, str, str]:
    """(key, confidence, matched name, how) of the policy part a heading names."""
    key = (id(policy), name)
    hit = _MATCHES.get(key)
    if hit is not None and hit[0] is policy:
        return hit[1]
    found = _match_section(name, policy)
    if len(_MATCHES) >= _MATCHES_MAX:
        _MATCHES.clear()  # hostile outlines: start again rather than grow
    _MATCHES[key] = (policy, found)
    return found


def _match_section(name: str, policy: Policy) -> tuple[str | None, float, str, str]:
    n = _norm(name)
    if not n:
        return None, 0.0, "", "none"
    scored: list[tuple[float, int, str, str, str]] = []  # confidence, order, key, matched, how
    for order, spec in enumerate(policy.sections):
        best: tuple[float, str, str] = (0.0, "", "none")
        for cand in spec.names:
            c = _norm(cand)
            if not c:
                continue
            if n == c:
                found = (1.0, cand, "exact")
            elif len(c) >= 2 and c in n:
                found = (0.75 + 0.25 * len(c) / len(n), cand, "contains")
            elif len(n) >= 2 and n in c:
                found = (0.6 + 0.3 * len(n) / len(c), cand, "contains")
            else:
                r = SequenceMatcher(None, n, c).ratio()
                found = (r * 0.85 if r >= 0.5 else 0.0, cand, "similar")
            if found[0] > best[0]:
                best = found
        if best[0] > 0:
            scored.append((best[0], order, spec.key, best[1], best[2]))
    if not scored:
        return None, 0.0, "", "none"
    scored.sort(key=lambda s: (-s[0], s[1]))
    conf, _o, key, matched, how = scored[0]
    if conf < MATCH_MIN:
        return None, conf, "", "none"
    if len(scored) > 1 and scored[1][0] >= SURE and conf - scored[1][0] < 0.1:
        # 存在的问题及下步打算: names two parts; take the better one but ask.
        return key, min(conf, SURE - 0.1), matched, "ambiguous"
    return key, conf, matched, how


def intro_key(policy: Policy | None) -> str | None:
    """The policy part the opening paragraphs belong to (suixi's 导言), if it has one."""
    if policy is None:
        return None
    for spec in policy.sections:
        if spec.key in ("intro", "preface", "opening") or any(_INTRO_NAMES.search(n) for n in spec.names):
            return spec.key
    return None


# --- parsing -------------------------------------------------------------------------


def parse_report(
    doc: DocText,
    policy: Policy | None = None,
    *,
    corrections: Mapping[int, str | None] | None = None,
    documents: Mapping[str, str] | None = None,
) -> ParsedDocument:
    """Split a document into title lines, body paragraphs, headings and parts."""
    body = [b for b in doc.blocks if b.text.strip()]
    front = _front_matter(body)
    back = _back_matter(body, len(front))
    main = body[len(front) : len(body) - len(back)]
    meta = [MetaLine(r, b.text.strip()) for r, b in zip(front, body, strict=False)]
    meta += [MetaLine(r, b.text.strip()) for r, b in zip(back, body[len(body) - len(back) :], strict=True)]

    paragraphs = [b.text.strip() for b in main]
    note_blocks = [b for b in doc.notes if b.text.strip()]
    notes = [b.text.strip() for b in note_blocks]
    # one count per block, reused for the parts, the body and Word's total (stripping the
    # ends of a paragraph does not change its count: whitespace counts nothing)
    counts = [b.count() for b in body]
    pw = [b.count().words for b in main]
    note_counts = [b.count() for b in note_blocks]
    n_main = len(paragraphs)

    headings: list[Heading] = []
    lead_ins: list[int] = []
    for i, b in enumerate(main):
        found = heading_of(b)
        if found:
            level, name, how = found
            headings.append(Heading(len(headings), i, level, paragraphs[i], name, how))
        elif _LEAD_IN.match(paragraphs[i]):
            lead_ins.append(i)
    _section_words(headings, pw)

    fixes = _validated(corrections or {}, headings, policy)
    parts = _parts(headings, paragraphs, pw, policy, fixes)

    notes_start = None
    if notes:
        notes_start = n_main
        paragraphs = paragraphs + notes
    body_words = sum(pw) + sum(c.words for c in note_counts)
    total = Count(
        sum(c.words for c in counts) + sum(c.words for c in note_counts),
        sum(c.chars_no_spaces for c in counts) + sum(c.chars_no_spaces for c in note_counts),
    )

    parsed = ParsedDocument(
        paragraphs=paragraphs,
        parts=parts,
        body_words=body_words,
        documents=dict(documents or {}),
        headings=headings,
        meta=meta,
        placeholders=_placeholders(meta, paragraphs, notes_start),
        lead_ins=lead_ins,
        notes_start=notes_start,
        total=total,
        corrections=dict(fixes),
        policy=policy,
        source=doc,
    )
    parsed.reasons = _doubts(parsed, policy)
    parsed.unsure = bool(parsed.reasons)
    return parsed


def _section_words(headings: list[Heading], pw: list[int]) -> None:
    """Each heading's section: to the next heading of the same or higher level."""
    prefix = [0]
    for w in pw:
        prefix.append(prefix[-1] + w)
    open_: list[Heading] = []  # headings whose section has not ended yet, levels increasing
    for h in headings:
        while open_ and open_[-1].level >= h.level:
            done = open_.pop()
            done.words = prefix[h.paragraph] - prefix[done.paragraph]
        open_.append(h)
    for done in open_:
        done.words = prefix[len(pw)] - prefix[done.paragraph]


def _validated(
    corrections: Mapping[int, str | None], headings: list[Heading], policy: Policy | None
) -> dict[int, str | None]:
    keys = {s.key for s in policy.sections} if policy else set()
    out: dict[int, str | None] = {}
    for raw_index, key in corrections.items():
        try:
            index = int(raw_index)
        except (TypeError, ValueError):
            raise CorrectionError(_("更正中的标题序号“%(i)s”不是数字。", i=raw_index)) from None
        if index != INTRO and not 0 <= index < len(headings):
            raise CorrectionError(
                _("更正中的标题序号 %(i)d 不存在（本报告识别出 %(n)d 个小标题）。", i=index, n=len(headings))
            )
        if key is not None and key != NOT_A_PART and key not in keys:
            raise CorrectionError(
                _(
                    "更正中的部分“%(key)s”不是本方案的部分（可选：%(keys)s）。",
                    key=key,
                    keys="、".join(sorted(keys)) or "—",
                )
            )
        if index == INTRO and key == NOT_A_PART:
            raise CorrectionError(_("开头部分不能标为“不是一个部分”。"))
        out[index] = key
    return out


def _parts(
    headings: list[Heading],
    paragraphs: list[str],
    pw: list[int],
    policy: Policy | None,
    fixes: dict[int, str | None],
) -> list[ReportPart]:
    top = min((h.level for h in headings), default=None)
    starts = [
        h
        for h in headings
        if (h.level == top and fixes.get(h.index, "") != NOT_A_PART)
        or (h.index in fixes and fixes[h.index] != NOT_A_PART)
    ]
    parts: list[ReportPart] = []
    first = starts[0].paragraph if starts else len(paragraphs)
    if first > 0:
        key = intro_key(policy)
        how, conf = ("intro", 1.0) if key else ("none", 0.0)
        if INTRO in fixes:
            key, how, conf = fixes[INTRO], "corrected", 1.0
        parts.append(ReportPart(key, "", paragraphs[:first], 0, sum(pw[:first]), None, "", conf, "", how))
    for k, h in enumerate(starts):
        stop = starts[k + 1].paragraph if k + 1 < len(starts) else len(paragraphs)
        if h.index in fixes:
            key, conf, matched, how = fixes[h.index], 1.0, "", "corrected"
        elif policy is not None and k < MAX_MAPPED_PARTS:
            key, conf, matched, how = match_section(h.name or h.text, policy)
        else:
            key, conf, matched, how = None, 0.0, "", "none"
        parts.append(
            ReportPart(
                key,
                h.text,
                paragraphs[h.paragraph : stop],
                h.paragraph,
                sum(pw[h.paragraph : stop]),
                h.index,
                h.name,
                conf,
                matched,
                how,
            )
        )
    return parts


#: The first leftover placeholder per paragraph text: typing changes one paragraph between two
#: live checks, so the others' answers are reused (bounded; cleared whole when full).
_FIRST_PLACEHOLDER: dict[str, str] = {}
_FIRST_PLACEHOLDER_MAX = 20_000


def _first_placeholder(text: str) -> str:
    hit = _FIRST_PLACEHOLDER.get(text)
    if hit is None:
        m = _ANY_PLACEHOLDER.search(text)  # one pass per paragraph; the first leftover is named
        hit = m.group(0) if m else ""
        if len(_FIRST_PLACEHOLDER) >= _FIRST_PLACEHOLDER_MAX:
            _FIRST_PLACEHOLDER.clear()
        _FIRST_PLACEHOLDER[text] = hit
    return hit


def _placeholders(meta: list[MetaLine], paragraphs: list[str], notes_start: int | None) -> list[Placeholder]:
    found: list[Placeholder] = []

    def scan(text: str, paragraph: int | None, where: str) -> None:
        hit = _first_placeholder(text)
        if hit:
            found.append(Placeholder(hit, paragraph, where))

    for m in meta:
        scan(m.text, None, m.role)
    for i, text in enumerate(paragraphs):
        scan(text, i, "note" if notes_start is not None and i >= notes_start else "body")
    return found


def _doubts(parsed: ParsedDocument, policy: Policy | None) -> list[str]:
    reasons: list[str] = []
    if not parsed.headings:
        reasons.append(_("没有识别出小标题（如“一、”“（一）”或 Word 标题样式），无法划分报告的各个部分。"))
    if policy is None:
        return reasons
    starts = sum(1 for p in parsed.parts if not p.is_intro)
    if starts > MAX_MAPPED_PARTS:
        reasons.append(
            _(
                "识别出 %(n)d 个一级标题，远多于述职报告的通常结构，只对应了前 %(max)d 个。",
                n=starts,
                max=MAX_MAPPED_PARTS,
            )
        )
    for p in parsed.parts[: MAX_MAPPED_PARTS + 1]:
        if p.is_intro or p.how == "corrected":
            continue
        name = p.name or p.heading
        if p.key is None:
            reasons.append(_("小标题“%(h)s”没有对应到方案规定的任何部分。", h=name))
        elif p.how == "ambiguous":
            reasons.append(
                _(
                    "小标题“%(h)s”同时像几个部分，暂按“%(part)s”处理。",
                    h=name,
                    part=parsed.section_name(p.key),
                )
            )
        elif p.confidence < SURE:
            reasons.append(
                _(
                    "小标题“%(h)s”对应“%(part)s”的把握不大（相似度 %(pct)d%%）。",
                    h=name,
                    part=parsed.section_name(p.key),
                    pct=round(p.confidence * 100),
                )
            )
    present = {p.key for p in parsed.parts}
    for spec in policy.sections:
        if spec.required and spec.key not in present:
            reasons.append(_("没有找到方案要求的“%(part)s”部分。", part=spec.name))
    return reasons
