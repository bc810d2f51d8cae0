"""Candidates for on-site selection and the core's default answer to ``shuzhi_select_onsite``.

The hook gets :class:`Candidate` values (plain data, the same at preparation
and at the draw, rebuilt from the stored snapshot) and answers with
:class:`Selection`-shaped dicts. The core's default follows the policy's data
(:func:`shuzhi.cycles.build.reporter_rules`): everyone on site when the plan
has no on-site count (TJ-01, GH-02), a named list when it has one and no draw
stage (SX-02), otherwise a draw without exclusions of its own; a plugin with
exclusions (YZ-02) answers first for its policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from shuzhi.cycles import build
from shuzhi.cycles.models import Selection as CycleSelection
from shuzhi.meetings import algorithm
from shuzhi.meetings.models import Method
from shuzhi.policy.model import Policy

#: Exclusion reasons are part of the published record, in the plan's language (not translated).
VACANT = "书记（负责人）空缺，无人可现场述职"


@dataclass(frozen=True)
class Candidate:
    """One reporter who could report on site, with what exclusions are decided on."""

    key: str  # the unit's code: what the public list and the algorithm use
    reporter_id: int
    org_id: int
    org: str
    person: str
    title: str
    vacant: bool = False
    #: When the reporter took up the post (None: vacant or unknown).
    post_start: date | None = None
    #: The reporting period (tenure is counted within it, as the cycle engine does).
    period_start: date | None = None
    period_end: date | None = None
    #: Earlier years in which the unit reported on site (campaigns here and recorded history).
    onsite_years: tuple[int, ...] = field(default_factory=tuple)
    #: Chosen by the body for a named list (SX-02).
    named: bool = False

    def snapshot(self) -> dict[str, Any]:
        data = asdict(self)
        for k in ("post_start", "period_start", "period_end"):
            data[k] = data[k].isoformat() if data[k] else None
        data["onsite_years"] = list(self.onsite_years)
        return data

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Candidate:
        known = {k: data.get(k) for k in cls.__dataclass_fields__ if k in data}
        for k in ("post_start", "period_start", "period_end"):
            known[k] = date.fromisoformat(known[k]) if known.get(k) else None
        known["onsite_years"] = tuple(int(y) for y in known.get("onsite_years") or ())
        return cls(**known)

    def short_in_post(self, months: int) -> bool:
        if self.post_start is None or self.period_start is None or self.period_end is None:
            return False
        return build.short_in_post(self.post_start, self.period_start, self.period_end, months)


def method_of(selection: CycleSelection) -> Method:
    return {CycleSelection.DRAW: Method.DRAW, CycleSelection.NAMED: Method.NAMED}.get(selection, Method.ALL)


def answer(
    method: Method,
    candidates: Sequence[Candidate],
    excluded: Sequence[tuple[Candidate, str]],
    *,
    places: int,
    seed: str,
    clause: str,
) -> dict[str, Any]:
    """The hook's answer for ``method``: a draw runs the public algorithm when a seed is given."""
    out = {c.key for c, _reason in excluded}
    eligible = [c for c in candidates if c.key not in out]
    if method is Method.ALL:
        selected = list(eligible)
    elif method is Method.NAMED:
        selected = [c for c in eligible if c.named]
    else:
        by_key = {c.key: c for c in eligible}
        selected = [by_key[k] for k in algorithm.draw(seed, by_key, places)] if seed else []
    return {
        "method": method.value,
        "selected": selected,
        "excluded": list(excluded),
        "places": len(eligible) if method is Method.ALL else places,
        "clause": clause,
    }


def default_selection(
    policy: Policy, params: Mapping[str, Any], candidates: Sequence[Candidate], seed: str
) -> dict[str, Any]:
    rules = build.reporter_rules(policy, params)
    method = method_of(rules.selection)
    declared = policy.param("onsite_count")
    clause = declared.clause if declared is not None and declared.clause else "CO-03"
    # Without a reporter in post nobody can speak at the meeting: only a draw leaves them out
    # (a named list names whom it names; "everyone" means every unit, vacancies reported in writing).
    excluded = [(c, VACANT) for c in candidates if c.vacant] if method is Method.DRAW else []
    return answer(method, candidates, excluded, places=rules.onsite_count or 0, seed=seed, clause=clause)
