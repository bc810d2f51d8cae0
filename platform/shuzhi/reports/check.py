"""Checking a parsed report against a policy: declared rules, plugin rules, the outline.

The policy engine (:mod:`shuzhi.policy.evaluate`) does the checking; this glue
adds the plugins' Python rules (``shuzhi_report_rules``), turns a plugin that
fails to give its rules into a visible finding, and adds what the parser
itself noticed: an outline it is unsure of, and template placeholders when
the policy declares no ``placeholders`` rule of its own. When the caller passes
last year's unfinished rectification items (CO-05) and the policy asks for them
to be answered (TJ-07, JX-03, SX-12), each item's answer or its absence is a
finding too, and the list (item, answered, where) is kept on the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from shuzhi.policy.evaluate import Context, evaluate, parts_summary
from shuzhi.policy.findings import Finding
from shuzhi.policy.model import Policy, RuleKind, Topic
from shuzhi.rectification import matching
from shuzhi.reports.parse import ParsedDocument

#: rule_id of the findings the parser contributes (no clause of any plan: the platform's own).
PARSE_RULE = "PARSE"


@dataclass
class CheckResult:
    findings: list[Finding]
    outline: list[dict[str, Any]]  # parts_summary: each part's heading, part, 字数, share
    parsed: ParsedDocument = field(repr=False)
    #: Last year's unfinished rectification items and where the report answers them (CO-05).
    responses: list[matching.Response] = field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "body_words": self.parsed.body_words,
            "total": {
                "words": self.parsed.total.words,
                "chars_no_spaces": self.parsed.total.chars_no_spaces,
            },
            "outline": self.outline,
            "headings": self.parsed.outline(),
            "unsure": self.parsed.unsure,
            "reasons": list(self.parsed.reasons),
            "findings": [f.to_dict() for f in self.findings],
            "rectification": [r.to_dict() for r in self.responses],
        }


def as_topics(topics: Sequence[Topic | str]) -> list[Topic]:
    """The org's own 必答题 (SX-05); a bare name is its own keyword."""
    out = []
    for i, t in enumerate(topics):
        if isinstance(t, Topic):
            out.append(t)
        elif str(t).strip():
            name = str(t).strip()
            out.append(Topic(f"org-{i + 1}", name, (name,)))
    return out


def check_text(
    policy: Policy,
    params: dict[str, Any],
    parsed: ParsedDocument,
    topics: Sequence[Topic | str] = (),
    carried: Sequence[matching.CarriedItem] = (),
) -> CheckResult:
    """Every finding on ``parsed`` under ``policy`` with resolved ``params``, and the outline.

    ``carried``: the org's unfinished items of last year (``rectification.service.carried_for``),
    checked only under a policy with one of :data:`matching.RESPONSE_CLAUSES`.
    """
    from shuzhi.plugins import hooks

    ctx = Context(policy, params, chosen_topics=as_topics(topics))
    code_rules, failures = hooks.report_rules(policy, params)
    findings = evaluate(parsed, ctx, code_rules)
    for failure in failures:
        findings.append(
            Finding(
                PARSE_RULE,
                "warning",
                _(
                    "插件 %(plugin)s 未能提供它的检查规则，这部分规则没有检查；已记录，请联系管理员。",
                    plugin=failure.plugin,
                ),
                type(failure.error).__name__,
                kind="failed",
            )
        )
    findings.extend(parser_findings(parsed, policy))
    responses: list[matching.Response] = []
    clause = matching.clause_of(c.id for c in policy.clauses) if carried else None
    if clause:
        responses = matching.respond(carried, report_lines(parsed))
        findings.extend(matching.findings(clause, responses))
    return CheckResult(findings, parts_summary(parsed, ctx), parsed, responses)


def report_lines(parsed: ParsedDocument) -> list[str]:
    """Every non-empty line of the report, title and signature included: the paragraphs as the
    reviewer's page numbers them (``第1段`` is the first line)."""
    if parsed.source is None:
        return list(parsed.paragraphs)
    return [b.text.strip() for b in parsed.source.blocks if b.text.strip()]


def parser_findings(parsed: ParsedDocument, policy: Policy) -> list[Finding]:
    out: list[Finding] = []
    if parsed.unsure:
        outline = "；".join(
            f"{row['heading']}→{row['part_name'] or '未对应'}"
            for row in parsed.outline()
            if row["starts_part"]
        )
        out.append(
            Finding(
                PARSE_RULE,
                "warning",
                _(
                    "报告结构识别可能不准：%(reasons)s 请核对识别出的提纲（%(outline)s），必要时更正各小标题对应的部分。",
                    reasons="".join(parsed.reasons),
                    outline=outline or "—",
                ),
                round(parsed.confidence, 2),
                kind="structure",
            )
        )
    if not any(r.kind == RuleKind.PLACEHOLDERS for r in policy.rules):
        for ph in parsed.placeholders:
            where = _("第%(n)d段", n=ph.paragraph + 1) if ph.paragraph is not None else _where_meta(ph.where)
            out.append(
                Finding(
                    PARSE_RULE,
                    "warning",
                    _("%(where)s还留有模板占位符“%(text)s”，请替换为实际内容。", where=where, text=ph.text),
                    ph.text,
                    where=where,
                    paragraph=ph.paragraph,
                    kind="placeholders",
                )
            )
    return out


def _where_meta(role: str) -> str:
    return {
        "title": _("标题"),
        "byline": _("标题下的署名"),
        "date": _("日期"),
        "addressee": _("称谓"),
        "signature": _("落款"),
    }.get(role, role)
