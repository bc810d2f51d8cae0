"""Does a report answer last year's rectification items? (TJ-07, JX-03, SX-12; CO-05)

The plans ask the report to answer last year's problems — TJ-07 “正面回应上年度查摆的
突出问题……整改情况”, JX-03 “回应上年度和半年述职查摆问题的整改情况”, SX-12 “重点难点
问题在下一年度述职时逐一回应” — and CO-05 carries every unfinished item into the next
year's report of the same org. This module is the matcher: pure functions, no database.

**How an item counts as answered.** The item's *key terms* are the CJK bigrams of its
problem text (two adjacent Chinese characters within one phrase, never across
punctuation; no word segmenter), plus any run of 2+ Latin letters or digits ("1310"),
less a short list of words every problem statement uses (:data:`GENERIC`: 存在, 问题,
不够, 加强…). A paragraph answers the item when it contains at least
:data:`THRESHOLD` (half) of the key terms, and at least two of them when the item has
two or more, **and** says what was done (one of :data:`RESPONSE_CUES`: 整改, 针对, 解决, 已,
有了…, not counting one the problem text itself contains): a paragraph that only names the
problem again, as this year's 存在问题 part may, is not an answer. The answering paragraph
with the most key terms is named (the first on a tie).
Paraphrases that keep the problem's nouns pass (“党员活动室的使用都有了记录” answers
“党员活动室使用记录不全”); a report that never names the matter does not.

Paragraphs are numbered as the reviewer's page numbers them: the report's non-empty
lines, title and signature included (``第1段`` is the first line).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from shuzhi.policy.findings import Finding
from shuzhi.reports.counting import is_east_asian

#: The clauses that ask a report to answer last year's problems, in the order a policy's
#: own clause is preferred (a policy names one of them; the finding cites the one it has).
RESPONSE_CLAUSES: tuple[str, ...] = ("TJ-07", "JX-03", "SX-12")

#: Share of an item's key terms a paragraph must contain to answer it.
THRESHOLD = 0.5
#: Fewest key terms a paragraph must contain (when the item has at least this many).
MIN_TERMS = 2

#: Bigrams that say nothing about which problem it is (they are in most problem statements).
GENERIC = frozenset(
    [
        "存在",
        "问题",
        "工作",
        "方面",
        "情况",
        "不够",
        "不足",
        "有待",
        "进一",
        "一步",
        "加强",
        "一些",
        "个别",
        "部分",
        "没有",
        "还不",
        "较为",
        "比较",
        "仍然",
        "有的",
        "我们",
        "主要",
        "等等",
        "不强",
        "不高",
        "不到",
        "到位",
        "还有",
        "需要",
        "有所",
        "整改",
        "上年",
        "年度",
        "去年",
    ]
)

#: Words that say something was done about a problem. Naming last year's problem again (as
#: this year's 存在问题 part may: "有的主题党日活动形式单一") does not answer it; the answer says
#: what was done ("针对……的问题，我们……", "已建立……", "活动室的使用都有了记录"). A cue that is in
#: the item's own problem text ("制度落实不够严格") does not count for that item.
RESPONSE_CUES: tuple[str, ...] = (
    "整改",
    "针对",
    "解决",
    "改进",
    "改善",
    "改正",
    "纠正",
    "完善",
    "健全",
    "建立",
    "制定",
    "补齐",
    "已",
    "有了",
    "变为",
    "做到",
    "实现",
)

#: Longest problem text quoted in a message (the item list shows it whole).
QUOTE_CHARS = 40

_LATIN = re.compile(r"[A-Za-z0-9]{2,}")


@dataclass(frozen=True)
class CarriedItem:
    """An unfinished item of last year, as the check needs it (no ORM object)."""

    id: int
    year: int
    problem: str
    responsible: str = ""
    measures: str = ""
    deadline: date | None = None
    status: str = "open"


@dataclass(frozen=True)
class Response:
    """Whether the report answers one item, and where."""

    item: CarriedItem
    addressed: bool
    paragraph: int | None  # 0-based index of the best paragraph (None: no key term anywhere)
    matched: int  # key terms found in that paragraph
    terms: int  # key terms of the item
    opening: str = ""  # the answering paragraph's first words, to find it in the editor

    @property
    def where(self) -> str:
        return _("第%(n)d段", n=self.paragraph + 1) if self.paragraph is not None else ""

    @property
    def coverage(self) -> str:
        return f"{self.matched}/{self.terms}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item.id,
            "year": self.item.year,
            "problem": self.item.problem,
            "addressed": self.addressed,
            "paragraph": self.paragraph,
            "where": self.where,
            "matched": self.matched,
            "terms": self.terms,
            "opening": self.opening,
        }


def _is_han(ch: str) -> bool:
    return is_east_asian(ch) and unicodedata.category(ch) == "Lo"


def key_terms(text: str) -> frozenset[str]:
    """CJK bigrams (within a phrase) and Latin/digit runs of ``text``, less :data:`GENERIC`."""
    text = unicodedata.normalize("NFKC", text or "")
    terms: set[str] = set()
    prev = ""
    for ch in text:
        if _is_han(ch):
            if prev:
                terms.add(prev + ch)
            prev = ch
        else:
            prev = ""
    terms.update(m.group(0).lower() for m in _LATIN.finditer(text))
    return frozenset(terms - GENERIC)


def needed(terms: int) -> int:
    """Key terms a paragraph must contain to answer an item with ``terms`` key terms."""
    if terms == 0:
        return 1  # an item of generic words only is never answered by accident
    return max(math.ceil(THRESHOLD * terms), min(MIN_TERMS, terms))


def has_cue(paragraph: str, problem: str) -> bool:
    """Does ``paragraph`` say something was done (a :data:`RESPONSE_CUES` word the problem lacks)?"""
    return any(cue in paragraph and cue not in problem for cue in RESPONSE_CUES)


def respond(items: Iterable[CarriedItem], paragraphs: Sequence[str]) -> list[Response]:
    """Each item with the paragraph that answers it best, and whether that is enough.

    Only a paragraph that also says what was done (:func:`has_cue`) can answer; when
    none does, the paragraph naming most of the item's terms is still given, unanswered.
    """
    items = list(items)
    if not items:
        return []
    para_terms = [key_terms(p) for p in paragraphs]
    out = []
    for item in items:
        terms = key_terms(item.problem)
        need = needed(len(terms))
        best, best_n = None, 0  # most key terms anywhere
        answer, answer_n = None, 0  # most key terms in a paragraph that says what was done
        for i, pt in enumerate(para_terms):
            n = len(terms & pt)
            if n > best_n:
                best, best_n = i, n
            if n > answer_n and n >= need and has_cue(paragraphs[i], item.problem):
                answer, answer_n = i, n
        if terms and answer is not None:
            out.append(Response(item, True, answer, answer_n, len(terms), opening(paragraphs[answer])))
        else:
            out.append(Response(item, False, best, best_n, len(terms)))
    return out


def clause_of(clause_ids: Iterable[str]) -> str | None:
    """The policy's clause asking for answers to last year's problems (None: it has none)."""
    ids = set(clause_ids)
    return next((c for c in RESPONSE_CLAUSES if c in ids), None)


#: How many characters of an answering paragraph the editor shows (it has no paragraph numbers).
OPENING_CHARS = 14


def opening(paragraph: str) -> str:
    text = " ".join(paragraph.split())
    return text if len(text) <= OPENING_CHARS else text[:OPENING_CHARS] + "…"


def quote(problem: str) -> str:
    """The problem for a message inside “…”: one line, inner “” as ‘’, long ones cut."""
    problem = " ".join((problem or "").split()).replace("“", "‘").replace("”", "’")
    return problem if len(problem) <= QUOTE_CHARS else problem[: QUOTE_CHARS - 1] + "…"


def findings(clause: str, responses: Sequence[Response]) -> list[Finding]:
    """A warning per unanswered item, an info (passed) per answered one with its paragraph."""
    out = []
    for r in responses:
        if r.addressed:
            out.append(
                Finding(
                    clause,
                    "info",
                    _(
                        "已回应%(year)d年度整改事项“%(problem)s”（%(where)s）。",
                        year=r.item.year,
                        problem=quote(r.item.problem),
                        where=r.where,
                    ),
                    r.coverage,
                    where=r.where,
                    paragraph=r.paragraph,
                    kind="rectification",
                )
            )
        else:
            out.append(
                Finding(
                    clause,
                    "warning",
                    _(
                        "去年整改事项“%(problem)s”在报告中未见回应，请写明整改情况（%(year)d年度，尚未完成）。",
                        problem=quote(r.item.problem),
                        year=r.item.year,
                    ),
                    r.coverage,
                    _("报告中有一段提到该问题的一半以上关键词"),
                    how=_(
                        "关键词为问题描述中相邻两个汉字组成的词（去掉“存在”“问题”“不够”等常用词）；"
                        "某一段包含其中一半以上（且至少两个）即算作回应。"
                    ),
                    kind="rectification",
                )
            )
    return out
