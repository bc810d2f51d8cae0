"""Evaluate a policy's declared rules on a parsed report.

One function per rule kind; each returns Findings with the measured figure,
the limit, where, and a message a secretary understands. Plugins add rules
through the ``shuzhi_report_rules`` hook; :func:`evaluate` runs those too and
turns a plugin's exception into a visible "rule failed to run" finding.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from shuzhi.policy.findings import Finding
from shuzhi.policy.model import Policy, Rule, RuleKind, Topic
from shuzhi.policy.params import show, value_of
from shuzhi.policy.report import ParsedReport, Part
from shuzhi.reports.counting import count_words

log = logging.getLogger(__name__)

#: Speaking pace for reading-time estimates, 字 per minute (SX-06: 1200字 in 6 minutes).
DEFAULT_PACE = 200
DEFAULT_PLACEHOLDERS = (r"[XＸ]{2,}", r"[×＊*]{2,}", r"【[^】]*】", r"○{2,}")
_FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|个|次|人|名|项|场|户|家|万|亿|元|余|多|条|期|批|篇|件|天|小时|公里|亩)?"
    r"|[一二三四五六七八九十百千万两]+(?:个|次|人|名|项|场|户|家|条|期|批|篇|件)"
)
_CASE = re.compile(r"例如|比如|譬如|如[^何果今此同]|以[^，。]{1,20}为例|案例|典型|事例")


@dataclass
class Context:
    """What a check knows besides the report."""

    policy: Policy
    params: dict[str, Any]
    #: 必答题 the org chose itself (SX-05); fixed topics come from the policy.
    chosen_topics: Sequence[Topic] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def value(self, rule: Rule, key: str, default: Any = None) -> Any:
        return value_of(rule.get(key, default), self.params)

    def section_name(self, key: str) -> str:
        spec = self.policy.section(key)
        return spec.name if spec else key


RuleFn = Callable[[Rule, ParsedReport, Context], list[Finding]]


def _words_of(report: ParsedReport, keys: Iterable[str]) -> int:
    wanted = set(keys)
    return sum(p.words for p in report.parts if p.key in wanted)


def _names(ctx: Context, keys: Sequence[str]) -> str:
    return "与".join(f"「{ctx.section_name(k)}」" for k in keys)


def _frac(v: Any) -> Fraction | None:
    from shuzhi.policy.loader import _fraction

    return None if v is None else _fraction(v)


def _pct(part: int, whole: int) -> str:
    return f"{(100 * part / whole):.1f}%" if whole else "—"


def check_length(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    lo, hi = ctx.value(rule, "min"), ctx.value(rule, "max")
    section = rule.get("section")
    document = rule.get("document", "report")
    if document != "report":
        text = report.documents.get(document)
        if text is None:
            return []  # that document is not part of this check
        words, what = count_words(text), {"speech": "发言稿"}.get(document, document)
    elif section:
        if not any(p.key == section for p in report.parts):
            return []  # absence is required_sections' finding, not a length one
        words, what = _words_of(report, [section]), f"「{ctx.section_name(section)}」部分"
    else:
        # A length limit means the figure the secretary sees in Word's 字数
        # statistics, title and signature included; shares use the body only.
        total = getattr(report, "total", None)
        words, what = (total.words if total is not None else report.body_words), "全文"
    how = f"按 Word 字数规则统计{what}（中文每字计1，连续的英文、数字计1）"
    out = []
    if hi is not None and words > hi:
        out.append(
            Finding(
                rule.id,
                rule.severity,
                rule.message or f"{what} {words}字，要求不超过{show(hi)}字，请删减 {words - hi}字。",
                words,
                f"不超过{show(hi)}字",
                what,
                how=how,
                kind=rule.kind,
            )
        )
    if lo is not None and words < lo:
        out.append(
            Finding(
                rule.id,
                rule.severity,
                rule.message or f"{what} {words}字，要求不少于{show(lo)}字，还差 {lo - words}字。",
                words,
                f"不少于{show(lo)}字",
                what,
                how=how,
                kind=rule.kind,
            )
        )
    return out


def check_required_sections(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    keys = rule.get("sections") or [s.key for s in ctx.policy.sections if s.required]
    present = {p.key for p in report.parts}
    out = []
    for key in keys:
        if key not in present:
            spec = ctx.policy.section(key)
            names = " / ".join(spec.names) if spec else key
            out.append(
                Finding(
                    rule.id,
                    rule.severity,
                    rule.message or f"缺少「{ctx.section_name(key)}」部分（可用的标题：{names}）。",
                    None,
                    "必须包含",
                    ctx.section_name(key),
                    kind=rule.kind,
                )
            )
    return out


def check_section_order(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    order = list(rule.get("order") or [s.key for s in ctx.policy.sections])
    seen: list[str] = []
    for p in report.parts:
        if p.key in order and p.key not in seen:
            seen.append(p.key)
    expected = [k for k in order if k in seen]
    if seen == expected:
        return []
    first_bad = next(i for i, (a, b) in enumerate(zip(seen, expected, strict=True)) if a != b)
    part = next(p for p in report.parts if p.key == seen[first_bad])
    actual = " → ".join(ctx.section_name(k) for k in seen)
    wanted = " → ".join(ctx.section_name(k) for k in expected)
    return [
        Finding(
            rule.id,
            rule.severity,
            rule.message or f"各部分顺序应为：{wanted}；现在是：{actual}。",
            actual,
            wanted,
            part.heading,
            part.start,
            kind=rule.kind,
        )
    ]


def check_section_share(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    keys = list(rule.get("sections", []))
    if not report.body_words or not any(p.key in keys for p in report.parts):
        return []
    words = _words_of(report, keys)
    share = Fraction(words, report.body_words)
    lo, hi = _frac(ctx.value(rule, "min")), _frac(ctx.value(rule, "max"))
    what = _names(ctx, keys) + "部分"
    how = f"{what} {words}字 ÷ 全文正文 {report.body_words}字（不含标题、称谓和落款）= {_pct(words, report.body_words)}"
    out = []
    if lo is not None and share < lo:
        out.append(
            Finding(
                rule.id,
                rule.severity,
                rule.message
                or f"{what} {words}字，占全文 {_pct(words, report.body_words)}，要求不少于{show(lo)}。",
                _pct(words, report.body_words),
                f"不少于{show(lo)}",
                what,
                how=how,
                kind=rule.kind,
            )
        )
    if hi is not None and share > hi:
        out.append(
            Finding(
                rule.id,
                rule.severity,
                rule.message
                or f"{what} {words}字，占全文 {_pct(words, report.body_words)}，要求不超过{show(hi)}。",
                _pct(words, report.body_words),
                f"不超过{show(hi)}",
                what,
                how=how,
                kind=rule.kind,
            )
        )
    return out


def _addressing(report: ParsedReport, keywords: Sequence[str]) -> tuple[int, str] | None:
    """The first heading or paragraph that names one of ``keywords``."""
    for i, text in enumerate(report.paragraphs):
        for kw in keywords:
            if kw in text:
                return i, kw
    return None


def check_topics(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    if rule.get("source") == "org":
        topics = list(ctx.chosen_topics)
        lo, hi = ctx.value(rule, "min"), ctx.value(rule, "max")
        if lo is not None and len(topics) < lo:
            return [
                Finding(
                    rule.id,
                    rule.severity,
                    f"本组织还没有确定必答题：需要确定 {lo}–{hi or lo} 个重点难点问题后再撰写。",
                    len(topics),
                    f"{lo}–{hi or lo}个",
                    kind=rule.kind,
                )
            ]
        if hi is not None and len(topics) > hi:
            return [
                Finding(
                    rule.id,
                    rule.severity,
                    f"本组织确定了 {len(topics)} 个必答题，方案要求 {lo or 1}–{hi} 个，请精简后再撰写。",
                    len(topics),
                    f"{lo or 1}–{hi}个",
                    kind=rule.kind,
                )
            ]
    else:
        wanted = set(rule.get("topics", []))
        topics = [t for t in ctx.policy.topics if t.key in wanted]
    out = []
    for topic in topics:
        hit = _addressing(report, topic.keywords)
        if hit is None:
            out.append(
                Finding(
                    rule.id,
                    rule.severity,
                    f"必答题「{topic.name}」未作答：没有哪一部分或段落谈到（{'、'.join(topic.keywords)}）。",
                    None,
                    "必须作答",
                    topic.name,
                    kind=rule.kind,
                )
            )
        else:
            idx, kw = hit
            out.append(
                Finding(
                    rule.id,
                    "info",
                    f"必答题「{topic.name}」在第{idx + 1}段作答（提到“{kw}”）。",
                    kw,
                    "必须作答",
                    topic.name,
                    idx,
                    kind=rule.kind,
                )
            )
    return out


def check_mentions(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    text = "\n".join(report.paragraphs)
    need = int(ctx.value(rule, "min_count", 1) or 1)
    out = []
    for kw in rule.get("keywords", []):
        n = text.count(kw)
        if n < need:
            out.append(
                Finding(
                    rule.id,
                    rule.severity,
                    rule.message or f"报告应当谈到“{kw}”（现在出现 {n} 次，要求至少 {need} 次）。",
                    n,
                    f"至少{need}次",
                    kind=rule.kind,
                )
            )
    return out


def check_coverage(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    points = rule.get("points", [])
    missing = [p["name"] for p in points if _addressing(report, p.get("keywords", [p["name"]])) is None]
    need = ctx.value(rule, "min_covered", len(points))
    covered = len(points) - len(missing)
    if covered >= need:
        return []
    return [
        Finding(
            rule.id,
            rule.severity,
            rule.message or f"述职内容要点覆盖 {covered}/{len(points)} 项，没有谈到：{'；'.join(missing)}。",
            covered,
            f"至少{need}项",
            kind=rule.kind,
        )
    ]


def count_figures(text: str) -> int:
    return len(_FIGURE.findall(text))


def count_cases(text: str) -> int:
    return len(_CASE.findall(text))


def check_data_usage(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    keys = rule.get("sections") or [p.key for p in report.parts if p.key]
    min_fig = int(ctx.value(rule, "min_figures", 0) or 0)
    min_case = int(ctx.value(rule, "min_cases", 0) or 0)
    out = []
    for part in report.parts:
        if part.key not in keys:
            continue
        text = "\n".join(part.paragraphs[1:])
        figures, cases = count_figures(text), count_cases(text)
        name = ctx.section_name(part.key) if part.key else part.heading
        if figures < min_fig:
            out.append(
                Finding(
                    rule.id,
                    rule.severity,
                    f"「{name}」部分只用了 {figures} 个具体数据，要求至少 {min_fig} 个（如开展党课多少次、发展积极分子多少名）。",
                    figures,
                    f"至少{min_fig}个数据",
                    part.heading,
                    part.start,
                    "统计阿拉伯数字和“三次”“五名”等数量词",
                    rule.kind,
                )
            )
        if cases < min_case:
            out.append(
                Finding(
                    rule.id,
                    rule.severity,
                    f"「{name}」部分只举了 {cases} 个实例，要求至少 {min_case} 个（用“例如”“以…为例”等举出具体事例）。",
                    cases,
                    f"至少{min_case}个实例",
                    part.heading,
                    part.start,
                    kind=rule.kind,
                )
            )
    return out


def check_reading_time(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    document = rule.get("document", "report")
    if document == "report":
        words = report.body_words
    elif document in report.documents:
        words = count_words(report.documents[document])
    else:
        return []
    pace = int(ctx.value(rule, "pace", DEFAULT_PACE) or DEFAULT_PACE)
    limit = ctx.value(rule, "max_minutes")
    minutes = words / pace
    if limit is None or minutes <= limit:
        return []
    return [
        Finding(
            rule.id,
            rule.severity,
            rule.message
            or f"按每分钟约{pace}字估算，宣读需要约 {minutes:.1f} 分钟，超过 {show(limit)} 分钟的时限。",
            f"{minutes:.1f}分钟",
            f"不超过{show(limit)}分钟",
            how=f"{words}字 ÷ {pace}字/分钟",
            kind=rule.kind,
        )
    ]


@functools.lru_cache(maxsize=64)
def _placeholder_patterns(sources: tuple[str, ...]) -> tuple[list[re.Pattern[str]], re.Pattern[str]]:
    """The rule's patterns, compiled once, and one alternation of them all (the live check runs per pause)."""
    compiled = [re.compile(p) for p in sources]
    try:
        anyone = re.compile("|".join(f"(?:{p})" for p in sources))
    except re.error:  # e.g. a pattern with its own global flags: no shortcut, every pattern per paragraph
        anyone = re.compile("")
    return compiled, anyone


def check_placeholders(rule: Rule, report: ParsedReport, ctx: Context) -> list[Finding]:
    patterns, anyone = _placeholder_patterns(tuple(rule.get("patterns", DEFAULT_PLACEHOLDERS)))
    out = []
    for i, text in enumerate(report.paragraphs):
        if anyone.search(text) is None:
            continue  # one pass for most paragraphs; the loop below names the pattern in order
        for pat in patterns:
            m = pat.search(text)
            if m:
                out.append(
                    Finding(
                        rule.id,
                        rule.severity,
                        f"第{i + 1}段还留有模板占位符“{m.group(0)}”，请替换为实际内容。",
                        m.group(0),
                        "不得留有占位符",
                        paragraph=i,
                        kind=rule.kind,
                    )
                )
                break
    return out


CHECKS: dict[RuleKind, RuleFn] = {
    RuleKind.LENGTH: check_length,
    RuleKind.REQUIRED_SECTIONS: check_required_sections,
    RuleKind.SECTION_ORDER: check_section_order,
    RuleKind.SECTION_SHARE: check_section_share,
    RuleKind.TOPICS: check_topics,
    RuleKind.MENTIONS: check_mentions,
    RuleKind.COVERAGE: check_coverage,
    RuleKind.DATA_USAGE: check_data_usage,
    RuleKind.READING_TIME: check_reading_time,
    RuleKind.PLACEHOLDERS: check_placeholders,
}


@dataclass(frozen=True)
class CodeRule:
    """A rule a plugin implements in Python (``shuzhi_report_rules``)."""

    id: str
    severity: str
    check: Callable[[ParsedReport, Context], list[Finding]]
    plugin: str = ""


def _failed(rule_id: str, plugin: str, exc: BaseException) -> Finding:
    log.exception("rule %s of plugin %s failed", rule_id, plugin or "core", exc_info=exc)
    return Finding(
        rule_id,
        "warning",
        f"检查规则 {rule_id}（插件 {plugin or 'core'}）运行出错，未能检查；已记录，请联系管理员。",
        type(exc).__name__,
        kind="failed",
    )


def evaluate(
    report: ParsedReport,
    ctx: Context,
    code_rules: Sequence[CodeRule] = (),
) -> list[Finding]:
    """All findings, declared rules first, in the policy's order."""
    findings: list[Finding] = []
    for rule in ctx.policy.rules:
        try:
            findings.extend(CHECKS[rule.kind](rule, report, ctx))
        except Exception as exc:
            findings.append(_failed(rule.id, ctx.policy.plugin, exc))
    for code in code_rules:
        try:
            findings.extend(code.check(report, ctx))
        except Exception as exc:
            findings.append(_failed(code.id, code.plugin, exc))
    return findings


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]


def parts_summary(report: ParsedReport, ctx: Context) -> list[dict[str, Any]]:
    """Each part's heading, mapped part, 字数 and share: the outline a secretary sees."""
    return [
        {
            "heading": p.heading,
            "part": p.key,
            "part_name": ctx.section_name(p.key) if p.key else None,
            "words": p.words,
            "share": _pct(p.words, report.body_words),
        }
        for p in report.parts
    ]


__all__ = ["CHECKS", "CodeRule", "Context", "Part", "evaluate"]
