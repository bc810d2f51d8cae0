"""Rules in words, for the policy page: what each declared rule asks, with its figures."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shuzhi.policy.model import ClauseKind, Policy, Rule, RuleKind
from shuzhi.policy.params import show, value_of

CLAUSE_KIND_LABELS = {
    ClauseKind.RULE: _l("检查规则"),
    ClauseKind.SCORE: _l("评分"),
    ClauseKind.DEADLINE: _l("时间节点"),
    ClauseKind.WORKFLOW: _l("工作流程"),
    ClauseKind.TEMPLATE: _l("模板"),
    ClauseKind.RECORD: _l("记录"),
    ClauseKind.HUMAN: _l("工作要求"),
}


def _names(policy: Policy, keys: list[str]) -> str:
    return "、".join(f"「{(policy.section(k).name if policy.section(k) else k)}」" for k in keys)


def _bounds(lo: Any, hi: Any, unit: str) -> str:
    if lo is not None and hi is not None:
        return _("%(lo)s–%(hi)s%(unit)s", lo=show(lo), hi=show(hi), unit=unit)
    if hi is not None:
        return _("不超过%(hi)s%(unit)s", hi=show(hi), unit=unit)
    if lo is not None:
        return _("不少于%(lo)s%(unit)s", lo=show(lo), unit=unit)
    return ""


def describe_rule(rule: Rule, policy: Policy, params: dict[str, Any]) -> str:
    """One line a secretary understands, e.g. "「存在问题」部分不少于1000字"."""

    def v(key: str, default: Any = None) -> Any:
        return value_of(rule.get(key, default), params)

    kind = rule.kind
    if kind is RuleKind.LENGTH:
        document = rule.get("document", "report")
        if document == "speech":
            what = _("发言稿")
        elif rule.get("section"):
            what = _("%(part)s部分", part=_names(policy, [rule.get("section")]))
        else:
            what = _("全文")
        return what + _bounds(v("min"), v("max"), _("字"))
    if kind is RuleKind.SECTION_SHARE:
        return _(
            "%(parts)s占全文%(bounds)s",
            parts=_names(policy, list(rule.get("sections", []))),
            bounds=_bounds(v("min"), v("max"), ""),
        )
    if kind is RuleKind.REQUIRED_SECTIONS:
        keys = rule.get("sections") or [s.key for s in policy.sections if s.required]
        return _("必须包含：%(parts)s", parts=_names(policy, keys))
    if kind is RuleKind.SECTION_ORDER:
        keys = rule.get("order") or [s.key for s in policy.sections]
        return _("各部分顺序：%(order)s", order=" → ".join(_names(policy, [k]) for k in keys))
    if kind is RuleKind.TOPICS:
        if rule.get("source") == "org":
            return _(
                "必答题由本组织确定 %(lo)s–%(hi)s 个，报告须逐一作答",
                lo=show(v("min", 1)),
                hi=show(v("max", v("min", 1))),
            )
        wanted = set(rule.get("topics", []))
        names = "、".join(t.name for t in policy.topics if t.key in wanted)
        return _("必答题：%(topics)s，报告须逐一作答", topics=names)
    if kind is RuleKind.MENTIONS:
        return _("须谈到：%(words)s", words="、".join(rule.get("keywords", [])))
    if kind is RuleKind.COVERAGE:
        points = rule.get("points", [])
        need = v("min_covered", len(points))
        return _(
            "述职内容要点（至少 %(n)s/%(total)s 项）：%(points)s",
            n=show(need),
            total=len(points),
            points="；".join(p["name"] for p in points),
        )
    if kind is RuleKind.DATA_USAGE:
        keys = rule.get("sections") or []
        where = _names(policy, keys) + _("部分") if keys else _("各部分")
        return _(
            "%(where)s至少用 %(f)s 个具体数据、举 %(c)s 个实例",
            where=where,
            f=show(v("min_figures", 0)),
            c=show(v("min_cases", 0)),
        )
    if kind is RuleKind.READING_TIME:
        return _(
            "按每分钟约 %(pace)s 字估算，宣读不超过 %(m)s 分钟",
            pace=show(v("pace", 200)),
            m=show(v("max_minutes")),
        )
    if kind is RuleKind.PLACEHOLDERS:
        return _("不得留有模板占位符（如 XXX、××、【】）")
    return str(kind)
