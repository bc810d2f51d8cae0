"""Ballot sets for tests: plain data, no database.

The ballots room (token, QR code, paper entry) comes in a later issue; until
then this is the shape a plugin's ``shuzhi_tally`` receives: a sequence of
:class:`Ballot`, each one voter's grade for every reporter on the form, with
the voter's group (YZ-08 weights groups 40/60). Grades and groups are checked
against the policy's ``[[grade]]`` and ``[[voter_group]]`` tables, so a test
cannot vote a grade the plan does not have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from shuzhi.policy.model import Policy

#: The group of a ballot when the policy declares no voter groups.
ALL = "all"


@dataclass(frozen=True)
class Ballot:
    """One voter's form: a grade key per reporter."""

    voter_group: str
    grades: Mapping[Hashable, str]


@dataclass
class BallotSet:
    """Ballots for one meeting under ``policy``; build with :meth:`add`, read with :meth:`counts`."""

    policy: Policy
    ballots: list[Ballot] = field(default_factory=list)

    def _grade_key(self, grade: str) -> str:
        for g in self.policy.grades:
            if grade in (g.key, g.name):
                return g.key
        names = "、".join(f"{g.name}({g.key})" for g in self.policy.grades) or "（方案未声明等次）"
        raise ValueError(f"方案 {self.policy.name} 没有等次“{grade}”；可用：{names}")

    def _group_key(self, group: str) -> str:
        groups = self.policy.voter_groups
        if not groups:
            return group
        for g in groups:
            if group in (g.key, g.name):
                return g.key
        names = "、".join(f"{g.name}({g.key})" for g in groups)
        raise ValueError(f"方案 {self.policy.name} 没有投票人类别“{group}”；可用：{names}")

    def add(self, grades: Mapping[Hashable, str], *, group: str = ALL, times: int = 1) -> BallotSet:
        """Add ``times`` identical ballots from ``group``; grades by key or by name (好, 较好…)."""
        if times < 0:
            raise ValueError("张数不能为负")
        ballot = Ballot(self._group_key(group), {r: self._grade_key(g) for r, g in grades.items()})
        self.ballots.extend([ballot] * times)
        return self

    def counts(self, group: str | None = None) -> dict[Hashable, dict[str, int]]:
        """Votes per reporter per grade key (every grade present, zeros included), optionally one group's."""
        wanted = None if group is None else self._group_key(group)
        out: dict[Hashable, Counter[str]] = {}
        for b in self.ballots:
            if wanted is not None and b.voter_group != wanted:
                continue
            for reporter, grade in b.grades.items():
                out.setdefault(reporter, Counter())[grade] += 1
        keys = [g.key for g in self.policy.grades]
        return {r: {k: c.get(k, 0) for k in keys} for r, c in out.items()}

    def __len__(self) -> int:
        return len(self.ballots)


__all__ = ["ALL", "Ballot", "BallotSet"]
