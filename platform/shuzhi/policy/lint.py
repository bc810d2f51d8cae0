"""The policy linter: are a policy's numeric constraints satisfiable together?

Declared length and share rules become linear inequalities over the report's
total 字数 ``T`` and each part's 字数 (parts never add up to more than T; a
required part has at least ``[lint] min_section_chars``, default 100字, since a
heading alone is not a section). Fourier–Motzkin elimination over exact
fractions decides feasibility; each inequality carries the clauses it came
from, and a found contradiction is shrunk to a minimal set of clauses, which
is what the report names (TJ-06 against TJ-10).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from shuzhi.policy.model import Policy, RuleKind
from shuzhi.policy.params import param_name, show, value_of

TOTAL = "T"
STRUCTURE = "结构"
DEFAULT_MIN_SECTION_CHARS = 100
_MAX_FM_ROWS = 4000  # elimination blows up quadratically; policies are far below this


@dataclass(frozen=True)
class Constraint:
    """sum(coef * var) <= bound, with where it came from."""

    coefs: tuple[tuple[str, Fraction], ...]
    bound: Fraction
    sources: frozenset[str]
    text: str = ""

    def coef(self, var: str) -> Fraction:
        return dict(self.coefs).get(var, Fraction(0))


@dataclass(frozen=True)
class Contradiction:
    clauses: tuple[str, ...]  # the clause ids involved (and tenant overrides)
    severity: str  # error if every rule involved is an error rule, else warning
    explanation: tuple[str, ...]  # the constraints, in words
    known: bool = False  # declared in [lint] known: shown, not hidden, not failing CI

    @property
    def message(self) -> str:
        ids = "、".join(self.clauses)
        return f"{ids} 不能同时满足：" + "；".join(self.explanation) + "。"


@dataclass(frozen=True)
class LintResult:
    policy: str
    contradictions: tuple[Contradiction, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(not c.known for c in self.contradictions)


def _c(coefs: dict[str, Fraction], bound: Fraction, source: str, text: str) -> Constraint:
    items = tuple(sorted((k, Fraction(v)) for k, v in coefs.items() if v != 0))
    return Constraint(items, Fraction(bound), frozenset({source}), text)


def _source(rule_id: str, setting: Any, params: dict[str, Any], overridden: set[str]) -> str:
    name = param_name(setting)
    if name and name in overridden:
        return f"{rule_id}[{name}={show(params[name])}]"
    return rule_id


def constraints(policy: Policy, params: dict[str, Any], overridden: Iterable[str] = ()) -> list[Constraint]:
    """The linear constraints a policy's declared rules put on a report."""
    overridden = set(overridden)
    names = {s.key: s.name for s in policy.sections}
    out: list[Constraint] = []
    keys = [s.key for s in policy.sections]
    out.append(_c({TOTAL: Fraction(-1)}, Fraction(0), STRUCTURE, "全文字数不为负"))
    for k in keys:
        out.append(_c({k: Fraction(-1)}, Fraction(0), STRUCTURE, f"「{names[k]}」字数不为负"))
    if keys:
        out.append(
            _c(
                {**{k: Fraction(1) for k in keys}, TOTAL: Fraction(-1)},
                Fraction(0),
                STRUCTURE,
                "各部分之和不超过全文",
            )
        )
    min_chars = Fraction(policy.lint.get("min_section_chars", DEFAULT_MIN_SECTION_CHARS))
    required_by: dict[str, str] = {}
    for rule in policy.rules:
        if rule.kind is RuleKind.REQUIRED_SECTIONS:
            for k in rule.get("sections") or [s.key for s in policy.sections if s.required]:
                required_by.setdefault(k, rule.id)
    for s in policy.sections:
        if s.required and s.key not in required_by and s.clause:
            required_by[s.key] = s.clause
    for k, rid in required_by.items():
        out.append(
            _c({k: Fraction(-1)}, -min_chars, rid, f"「{names[k]}」是必备部分，至少{show(min_chars)}字")
        )
    for rule in policy.rules:
        if rule.kind is RuleKind.LENGTH and rule.get("document", "report") == "report":
            var = rule.get("section") or TOTAL
            what = f"「{names[var]}」" if var != TOTAL else "全文"
            lo, hi = rule.get("min"), rule.get("max")
            if hi is not None:
                v = Fraction(value_of(hi, params))
                out.append(
                    _c(
                        {var: Fraction(1)},
                        v,
                        _source(rule.id, hi, params, overridden),
                        f"{what}不超过{show(v)}字",
                    )
                )
            if lo is not None:
                v = Fraction(value_of(lo, params))
                out.append(
                    _c(
                        {var: Fraction(-1)},
                        -v,
                        _source(rule.id, lo, params, overridden),
                        f"{what}不少于{show(v)}字",
                    )
                )
        elif rule.kind is RuleKind.SECTION_SHARE:
            from shuzhi.policy.loader import _fraction

            secs = list(rule.get("sections", []))
            what = "与".join(f"「{names[k]}」" for k in secs)
            lo, hi = rule.get("min"), rule.get("max")
            if hi is not None:
                q = _fraction(value_of(hi, params))
                coefs = {k: Fraction(1) for k in secs}
                coefs[TOTAL] = -q
                out.append(
                    _c(
                        coefs,
                        Fraction(0),
                        _source(rule.id, hi, params, overridden),
                        f"{what}不超过全文的{show(q)}",
                    )
                )
            if lo is not None:
                p = _fraction(value_of(lo, params))
                coefs = {k: Fraction(-1) for k in secs}
                coefs[TOTAL] = p
                out.append(
                    _c(
                        coefs,
                        Fraction(0),
                        _source(rule.id, lo, params, overridden),
                        f"{what}不少于全文的{show(p)}",
                    )
                )
    return out


def _eliminate(rows: list[Constraint], var: str) -> list[Constraint]:
    pos, neg, rest = [], [], []
    for r in rows:
        c = r.coef(var)
        (pos if c > 0 else neg if c < 0 else rest).append(r)
    for p in pos:
        for n in neg:
            a, b = p.coef(var), -n.coef(var)
            coefs: dict[str, Fraction] = {}
            for k, v in p.coefs:
                coefs[k] = coefs.get(k, Fraction(0)) + v * b
            for k, v in n.coefs:
                coefs[k] = coefs.get(k, Fraction(0)) + v * a
            coefs.pop(var, None)
            items = tuple(sorted((k, v) for k, v in coefs.items() if v != 0))
            rest.append(Constraint(items, p.bound * b + n.bound * a, p.sources | n.sources))
    # Drop duplicates and trivially true rows to keep elimination small.
    seen: dict[tuple[Any, ...], Constraint] = {}
    for r in rest:
        if not r.coefs and r.bound >= 0:
            continue
        key = (r.coefs, r.bound)
        if key not in seen or len(r.sources) < len(seen[key].sources):
            seen[key] = r
    return list(seen.values())


def _infeasible(rows: list[Constraint]) -> bool:
    """True if no report can satisfy every row."""
    variables = sorted({k for r in rows for k, _ in r.coefs})
    for var in variables:
        rows = _eliminate(rows, var)
        if len(rows) > _MAX_FM_ROWS:
            raise RuntimeError("policy too large to lint")
    return any(not r.coefs and r.bound < 0 for r in rows)


def _minimal(rows: list[Constraint]) -> list[Constraint]:
    """Drop rows one by one while the rest stays contradictory: every row left is needed."""
    keep = list(rows)
    for row in list(rows):
        if row.sources == {STRUCTURE}:
            continue
        trial = [r for r in keep if r is not row]
        if _infeasible(trial):
            keep = trial
    return keep


def lint(policy: Policy, params: dict[str, Any] | None = None, overridden: Iterable[str] = ()) -> LintResult:
    params = params if params is not None else policy.defaults()
    active = constraints(policy, params, overridden)
    known = set(policy.lint.get("known", []))
    found: list[Contradiction] = []
    for _ in range(5):
        if not _infeasible(active):
            break
        core = _minimal(active)
        clause_ids = sorted({s for r in core for s in r.sources if s != STRUCTURE})
        severities = {_severity(policy, s) for s in clause_ids}
        base_ids = {s.split("[")[0] for s in clause_ids}
        found.append(
            Contradiction(
                clauses=tuple(clause_ids),
                severity="error" if severities == {"error"} else "warning",
                explanation=tuple(r.text for r in core if r.sources != {STRUCTURE}),
                known=bool(base_ids) and base_ids <= known and not any("[" in s for s in clause_ids),
            )
        )
        # Look for further, independent contradictions without one of these rows.
        culprit = next((r for r in reversed(core) if r.sources != {STRUCTURE}), None)
        if culprit is None:
            break
        active = [r for r in active if r is not culprit]
    return LintResult(policy.name, tuple(found))


def _severity(policy: Policy, source: str) -> str:
    rid = source.split("[")[0]
    sevs = {r.severity.value for r in policy.rules if r.id == rid}
    return "error" if sevs == {"error"} else "warning"
