"""The steps every reporter and review moves through, and how a policy adapts them.

One ordered list of steps serves reporters and reviews alike (a review's
step is its body's phase: drafting while its reporters write, meeting when it
meets, closed when it has reported its results upward). A policy adapts the
list through its timeline: optional steps (research, pre-review) are used
only when a stage of the timeline names them, and a plugin may skip a step
it does not have. Written reporters pass the meeting by (CO-03).

Pure functions: no database, so the rules can be read and tested alone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class Step(enum.StrEnum):
    PREPARE = "prepare"
    RESEARCH = "research"
    DRAFTING = "drafting"
    PRE_REVIEW = "pre_review"
    SUBMITTED = "submitted"
    MEETING = "meeting"
    EVALUATED = "evaluated"
    GRADED = "graded"
    RECTIFICATION = "rectification"
    FILED = "filed"
    CLOSED = "closed"


ORDER: tuple[Step, ...] = tuple(Step)
RANK: dict[Step, int] = {s: i for i, s in enumerate(ORDER)}

#: Steps only some plans have: used when a timeline stage names them.
OPTIONAL: frozenset[Step] = frozenset({Step.RESEARCH, Step.PRE_REVIEW})
#: Steps no plan may skip.
FIXED: frozenset[Step] = frozenset({Step.PREPARE, Step.SUBMITTED, Step.GRADED, Step.CLOSED})

#: The step's name for a reporter (what the secretary is doing or has done).
REPORTER_LABELS = {
    Step.PREPARE: _l("准备"),
    Step.RESEARCH: _l("调研"),
    Step.DRAFTING: _l("撰写"),
    Step.PRE_REVIEW: _l("待审核"),
    Step.SUBMITTED: _l("已提交"),
    Step.MEETING: _l("已述职"),
    Step.EVALUATED: _l("已测评"),
    Step.GRADED: _l("已定等次"),
    Step.RECTIFICATION: _l("整改中"),
    Step.FILED: _l("整改方案已报"),
    Step.CLOSED: _l("已完成"),
}

#: The step's name for a review (the receiving body's phase).
REVIEW_LABELS = {
    Step.PREPARE: _l("准备"),
    Step.RESEARCH: _l("调研"),
    Step.DRAFTING: _l("撰写述职报告"),
    Step.PRE_REVIEW: _l("审核述职报告"),
    Step.SUBMITTED: _l("报告已收齐"),
    Step.MEETING: _l("述职评议会议"),
    Step.EVALUATED: _l("测评完成"),
    Step.GRADED: _l("等次已定"),
    Step.RECTIFICATION: _l("整改"),
    Step.FILED: _l("材料已备案"),
    Step.CLOSED: _l("已结束并上报"),
}


def label(step: Step | str, *, review: bool = False) -> str:
    return str((REVIEW_LABELS if review else REPORTER_LABELS)[Step(step)])


def at_least(step: Step) -> list[str]:
    """Stage values at ``step`` or beyond (for ``stage IN (…)`` counts)."""
    return [s.value for s in ORDER[RANK[step] :]]


def before(step: Step) -> list[str]:
    """Stage values short of ``step``."""
    return [s.value for s in ORDER[: RANK[step]]]


@dataclass(frozen=True)
class Workflow:
    """The steps a campaign uses, in order."""

    steps: tuple[Step, ...]

    @classmethod
    def build(cls, named: Iterable[Step], skipped: Iterable[Step] = ()) -> Workflow:
        named_set, skip = set(named), set(skipped) - FIXED
        steps = tuple(s for s in ORDER if (s not in OPTIONAL or s in named_set) and s not in skip)
        return cls(steps)

    def uses(self, step: Step) -> bool:
        return step in self.steps

    def path(self, *, written: bool = False) -> tuple[Step, ...]:
        """A reporter's steps: written reporters pass the meeting by (CO-03)."""
        return tuple(s for s in self.steps if not (written and s is Step.MEETING))

    def next_step(self, current: Step, *, written: bool = False, review: bool = False) -> Step | None:
        steps = self.steps if review else self.path(written=written)
        later = [s for s in steps if RANK[s] > RANK[current]]
        return later[0] if later else None

    def as_list(self) -> list[str]:
        return [s.value for s in self.steps]
