"""A campaign's timeline: stages with deadlines, from the pinned policy and the hook.

The core reads the policy's ``[[stage]]`` tables itself (data first); the
``shuzhi_timeline`` hook adds or refines stages for what data cannot say:
which receiving bodies a level-staged deadline belongs to (JX-04's 乡镇党委
12-25 vs 工委 01-15), which step a stage guards, steps a plan does not have.

A hook entry is a dict with ``key`` and any of: ``name``, ``clause``,
``deadline`` (a date or a spec: ``2024-01-22``, ``meeting+1m``,
``open+10wd`` for working days), ``reminders``, ``level`` (int) or
``levels`` (list), ``receiver_kinds`` (OrgKind values), ``step`` (a
:class:`~shuzhi.cycles.stages.Step` value), ``scope`` ("reporter" or
"review"), ``skip`` (true: the plan has no such step; give ``step``). An
entry whose key matches a declared stage refines it; a new key adds one.

Each deadline guards a step: by the date the reporter (or review) must have
reached it. Stages the core cannot place guard nothing and only inform.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask_babel import gettext as _

from shuzhi.cycles.calendar import Spec, SpecError, parse_spec, shift_years
from shuzhi.cycles.models import Scope
from shuzhi.cycles.stages import RANK, Step, Workflow
from shuzhi.errors import ValidationFailed
from shuzhi.plugins import hooks
from shuzhi.policy.model import Policy

log = logging.getLogger(__name__)

R, V = Scope.REPORTER, Scope.REVIEW

#: Where the five plans' stage keys (and the obvious generic ones) sit in the workflow.
DEFAULT_STEPS: dict[str, tuple[Step, Scope]] = {
    "research": (Step.RESEARCH, R),
    "draft": (Step.DRAFTING, R),
    "pre_review": (Step.PRE_REVIEW, R),
    "review": (Step.PRE_REVIEW, R),  # GH-01: reports go to the 党总支 for review before the meeting
    "submit": (Step.SUBMITTED, R),  # SX-03, TJ-02, YZ-05
    "meeting": (Step.MEETING, V),
    "onsite": (Step.MEETING, V),  # SX-02
    "evaluate": (Step.EVALUATED, V),
    "grade": (Step.GRADED, V),
    "complete": (Step.GRADED, V),  # GH-01: all done by 01-31
    "sub_cycles": (Step.GRADED, V),  # SX-13: sub-committees finish their cycles
    "rectify": (Step.FILED, R),  # TJ-11, GH-10, YZ-12: the rectification plan is in
    "file": (Step.FILED, V),  # GH-11: the bundle filed with the superior
    "results": (Step.CLOSED, V),  # JX-04: results reported to the 组织部
    "report_back": (Step.CLOSED, V),  # SX-14
    "close": (Step.CLOSED, V),
}


@dataclass(frozen=True)
class StagePlan:
    """One stage as the campaign keeps it (a ``campaign_deadlines`` row's content)."""

    key: str
    name: str
    clause: str = ""
    spec: str | None = None
    policy_spec: str | None = None
    reminders: tuple[int, ...] = ()
    levels: tuple[int, ...] | None = None
    receiver_kinds: tuple[str, ...] | None = None
    step: Step | None = None
    scope: Scope = Scope.REPORTER
    source: str = "policy"
    position: int = 0
    parsed: Spec | None = field(default=None, compare=False)

    def applies(self, level: int, receiver_kind: str) -> bool:
        if self.levels is not None and level not in self.levels:
            return False
        return self.receiver_kinds is None or receiver_kind in self.receiver_kinds

    def with_spec(self, spec: str | None) -> StagePlan:
        return replace(self, spec=spec, parsed=_parse(spec))

    def due(self, bases: dict[str, date | None]) -> date | None:
        return self.parsed.resolve(bases) if self.parsed is not None else None

    @classmethod
    def from_row(cls, row: Any) -> StagePlan:
        return cls(
            key=row.key,
            name=row.name,
            clause=row.clause,
            spec=row.spec,
            policy_spec=row.policy_spec,
            reminders=tuple(row.reminders or ()),
            levels=tuple(row.levels) if row.levels is not None else None,
            receiver_kinds=tuple(row.receiver_kinds) if row.receiver_kinds is not None else None,
            step=Step(row.step) if row.step else None,
            scope=Scope(row.scope),
            source=row.source,
            position=row.position,
            parsed=_parse(row.spec),
        )


def _parse(spec: str | None) -> Spec | None:
    if not spec:
        return None
    try:
        return parse_spec(spec)
    except SpecError:
        log.warning("ignoring unreadable deadline spec %r", spec)
        return None


# --- building the plan at opening ----------------------------------------------


def _as_spec(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    parse_spec(text)  # raises SpecError
    return text


def _shifted(spec: str | None, years: int) -> str | None:
    """A plan's fixed dates are for its own year; another year's campaign shifts them."""
    if spec is None or years == 0:
        return spec
    parsed = parse_spec(spec)
    return shift_years(parsed.fixed, years).isoformat() if parsed.fixed is not None else spec


def plan(policy: Policy, params: dict[str, Any], campaign: Any) -> tuple[list[StagePlan], Workflow]:
    """The campaign's stages (declared, then refined and added to by plugins) and its workflow."""
    years = (campaign.year - policy.year) if policy.year else 0
    stages: dict[str, StagePlan] = {}
    for i, s in enumerate(policy.stages):
        step, scope = DEFAULT_STEPS.get(s.key, (None, Scope.REPORTER))
        spec = _shifted(s.deadline, years)
        stages[s.key] = StagePlan(
            key=s.key,
            name=s.name,
            clause=s.clause,
            spec=spec,
            policy_spec=s.deadline,
            reminders=tuple(s.reminders),
            levels=(s.level,) if s.level is not None else None,
            step=step,
            scope=scope,
            position=i * 10,
        )
    skipped: set[Step] = set()
    for result in hooks.call_each("shuzhi_timeline", policy=policy, params=params, campaign=campaign):
        if result.error is not None:
            raise ValidationFailed(
                _(
                    "插件 %(plugin)s 计算时间安排时出错：%(error)s",
                    plugin=result.plugin,
                    error=str(result.error),
                )
            )
        for n, entry in enumerate(result.value or []):
            _merge(stages, skipped, entry, result.plugin, years, 1000 + n * 10)
    ordered = _display_order(stages.values())
    named = {s.step for s in ordered if s.step is not None}
    workflow = Workflow.build(named, skipped)
    ordered = [s for s in ordered if s.step is None or workflow.uses(s.step)]
    return [replace(s, position=i, parsed=_parse(s.spec)) for i, s in enumerate(ordered)], workflow


def _display_order(stages: Iterable[StagePlan]) -> list[StagePlan]:
    """By step; a stage that guards no step stays after the stage declared before it."""
    keyed = []
    last = -1.0
    for s in sorted(stages, key=lambda s: s.position):
        if s.step is not None:
            last = float(RANK[s.step])
            keyed.append((last, s.position, s))
        else:
            keyed.append((last + 0.5, s.position, s))
    return [s for _k, _p, s in sorted(keyed, key=lambda t: (t[0], t[1]))]


def _merge(
    stages: dict[str, StagePlan], skipped: set[Step], entry: dict[str, Any], plugin: str, years: int, pos: int
) -> None:
    def bad(why: str) -> ValidationFailed:
        return ValidationFailed(
            _(
                "插件 %(plugin)s 给出的阶段 %(key)s 有误：%(why)s",
                plugin=plugin,
                key=entry.get("key", "?"),
                why=why,
            )
        )

    key = entry.get("key")
    if not isinstance(key, str) or not key:
        raise bad(_("缺少 key"))
    try:
        step = Step(entry["step"]) if entry.get("step") else None
        scope = Scope(entry["scope"]) if entry.get("scope") else None
    except ValueError as exc:
        raise bad(str(exc)) from exc
    if entry.get("skip"):
        if step is None:
            raise bad(_("跳过的阶段要写明 step"))
        skipped.add(step)
        stages.pop(key, None)
        return
    base = stages.get(key)
    if base is None:
        default_step, default_scope = DEFAULT_STEPS.get(key, (None, Scope.REPORTER))
        base = StagePlan(
            key=key, name=key, step=default_step, scope=default_scope, source=plugin, position=pos
        )
    changes: dict[str, Any] = {}
    if key in stages and plugin not in base.source.split("+"):
        changes["source"] = f"{base.source}+{plugin}"  # declared, refined by the plugin
    if "name" in entry:
        changes["name"] = str(entry["name"])
    if "clause" in entry:
        changes["clause"] = str(entry["clause"])
    if "deadline" in entry:
        try:
            changes["spec"] = _shifted(_as_spec(entry["deadline"]), years)
        except SpecError as exc:
            raise bad(_("截止日期写法不正确：%(spec)s", spec=str(entry["deadline"]))) from exc
        if key not in stages:
            changes["policy_spec"] = changes["spec"]
    if "reminders" in entry:
        changes["reminders"] = tuple(int(x) for x in entry["reminders"])
    if "levels" in entry or "level" in entry:
        raw = entry.get("levels", entry.get("level"))
        changes["levels"] = (
            None if raw is None else tuple(int(x) for x in (raw if isinstance(raw, list | tuple) else [raw]))
        )
    if "receiver_kinds" in entry:
        raw = entry["receiver_kinds"]
        changes["receiver_kinds"] = None if raw is None else tuple(str(k) for k in raw)
    if step is not None:
        changes["step"] = step
    if scope is not None:
        changes["scope"] = scope
    stages[key] = replace(base, **changes)


# --- reading the campaign's timeline ---------------------------------------------


@dataclass(frozen=True)
class Due:
    stage: StagePlan
    due: date | None


class Timeline:
    """The campaign's stages, resolved for a review (level, receiving kind, its dates)."""

    def __init__(self, stages: Sequence[StagePlan], opened_on: date) -> None:
        self.stages = list(stages)
        self.opened_on = opened_on

    def bases(
        self, meeting_date: date | None = None, draw_date: date | None = None
    ) -> dict[str, date | None]:
        return {"open": self.opened_on, "meeting": meeting_date, "draw": draw_date}

    def for_class(self, level: int, receiver_kind: str, meeting_date: date | None = None) -> list[Due]:
        bases = self.bases(meeting_date)
        return [Due(s, s.due(bases)) for s in self.stages if s.applies(level, receiver_kind)]

    def guard(
        self, step: Step, scope: Scope, level: int, receiver_kind: str, meeting_date: date | None = None
    ) -> Due | None:
        """The earliest dated deadline guarding ``step`` for this review class."""
        found = [
            d
            for d in self.for_class(level, receiver_kind, meeting_date)
            if d.stage.step is step and d.stage.scope is scope and d.due is not None
        ]
        return min(found, key=lambda d: d.due) if found else None  # type: ignore[arg-type,return-value]


def order_problems(dues: Iterable[Due]) -> list[tuple[Due, Due]]:
    """Pairs (earlier step, later step) whose deadlines run backwards."""
    dated = sorted(
        (d for d in dues if d.due is not None and d.stage.step is not None),
        key=lambda d: (RANK[d.stage.step], d.due),  # type: ignore[index]
    )
    problems = []
    for i, a in enumerate(dated):
        later = [b for b in dated[i + 1 :] if RANK[b.stage.step] > RANK[a.stage.step]]  # type: ignore[index]
        # The next step's deadline first: the message names the stage right after.
        clash = next((b for b in later if b.due < a.due), None)  # type: ignore[operator]
        if clash is not None:
            problems.append((a, clash))
    return problems


def check(
    timeline: Timeline,
    classes: Iterable[tuple[int, str]],
    nesting: Iterable[tuple[tuple[int, str], tuple[int, str]]] = (),
    meeting_dates: Iterable[tuple[int, str, date]] = (),
) -> None:
    """Raise 422 when a deadline falls after a later step's (per review class), when a
    sub-review's deadline falls after its parent review's for the same step (bottom-up,
    JX-04), or when a meeting date falls before an earlier step's deadline."""
    for level, kind in classes:
        for a, b in order_problems(timeline.for_class(level, kind)):
            raise _order_error(a, b)
    for (clevel, ckind), (plevel, pkind) in nesting:
        child = {
            d.stage.step: d
            for d in timeline.for_class(clevel, ckind)
            if d.stage.scope is Scope.REVIEW and d.due
        }
        parent = {
            d.stage.step: d
            for d in timeline.for_class(plevel, pkind)
            if d.stage.scope is Scope.REVIEW and d.due
        }
        for step, c in child.items():
            p = parent.get(step)
            if p is not None and c.stage.key != p.stage.key and c.due > p.due:  # type: ignore[operator]
                raise ValidationFailed(
                    _(
                        "下级的「%(child)s」截止日期 %(cdue)s 晚于上级的「%(parent)s」截止日期 %(pdue)s；"
                        "述职评议应自下而上完成。",
                        child=c.stage.name,
                        cdue=c.due.isoformat(),  # type: ignore[union-attr]
                        parent=p.stage.name,
                        pdue=p.due.isoformat(),  # type: ignore[union-attr]
                    ),
                    errors={"deadline": [c.stage.key]},
                )
    for level, kind, meeting in meeting_dates:
        # The meeting date is the meeting step's own date: earlier steps must fall before it.
        held = Due(
            StagePlan(key="meeting_date", name=_("述职评议会议"), step=Step.MEETING, scope=Scope.REVIEW),
            meeting,
        )
        for a, b in order_problems([*timeline.for_class(level, kind, meeting), held]):
            raise _order_error(a, b)


def _order_error(a: Due, b: Due) -> ValidationFailed:
    return ValidationFailed(
        _(
            "「%(a)s」的截止日期 %(adue)s 晚于下一阶段「%(b)s」的截止日期 %(bdue)s，请调整。",
            a=a.stage.name,
            adue=a.due.isoformat(),  # type: ignore[union-attr]
            b=b.stage.name,
            bdue=b.due.isoformat(),  # type: ignore[union-attr]
        ),
        errors={"deadline": [a.stage.key, b.stage.key]},
    )
