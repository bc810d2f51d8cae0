"""What a policy declares as data (policy.toml, format 1), as typed objects.

A policy is data first: clauses, parameters a tenant may override within
bounds, the report's parts, rules over a parsed report, the grade scale,
voter groups and weights, and stages with deadlines. Python hooks add only
what data cannot say.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


class ClauseKind(enum.StrEnum):
    RULE = "rule"
    SCORE = "score"
    DEADLINE = "deadline"
    WORKFLOW = "workflow"
    TEMPLATE = "template"
    RECORD = "record"
    HUMAN = "human"


class Severity(enum.StrEnum):
    ERROR = "error"  # blocks submission
    WARNING = "warning"  # informs


class RuleKind(enum.StrEnum):
    LENGTH = "length"  # 字数 of the report (or of one section) within [min, max]
    SECTION_ORDER = "section_order"  # the parts appear in the declared order
    REQUIRED_SECTIONS = "required_sections"  # every required part is present
    SECTION_SHARE = "section_share"  # share of one or more parts within [min, max]
    TOPICS = "topics"  # 必答题: each topic answered in a section or paragraph
    MENTIONS = "mentions"  # required keywords, each at least ``min_count`` times
    COVERAGE = "coverage"  # content points: at least ``min_covered`` of them addressed
    DATA_USAGE = "data_usage"  # concrete figures and cases per section
    READING_TIME = "reading_time"  # estimated speaking time at a pace in 字/minute
    PLACEHOLDERS = "placeholders"  # template leftovers (XXX, ××, 【】)


@dataclass(frozen=True)
class Clause:
    id: str
    kind: ClauseKind
    text: str
    severity: Severity | None = None


@dataclass(frozen=True)
class Param:
    """A value the policy uses and a tenant may override within bounds."""

    name: str
    type: str  # int | number | fraction | bool | string | date | list
    default: Any
    label: str
    clause: str = ""
    min: Any = None
    max: Any = None
    choices: tuple[Any, ...] = ()
    overridable: bool = True


@dataclass(frozen=True)
class SectionSpec:
    """A part of the report the policy asks for, with the headings that name it."""

    key: str
    name: str
    variants: tuple[str, ...] = ()
    required: bool = True
    clause: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.variants)


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One declared rule; ``id`` is the clause it implements."""

    id: str
    kind: RuleKind
    severity: Severity
    #: Raw settings with parameter references still unresolved ({param = "x"}).
    settings: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)


@dataclass(frozen=True)
class Grade:
    key: str
    name: str
    points: float | None = None


@dataclass(frozen=True)
class VoterGroup:
    key: str
    name: str
    weight: Fraction


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    clause: str = ""
    deadline: str | None = None  # ISO date, or a relative spec ("meeting+1m")
    reminders: tuple[int, ...] = ()  # days before the deadline
    level: int | None = None  # reporting level the deadline applies to (JX-04)


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    title: str
    jurisdiction: str
    year: int | None
    clauses: tuple[Clause, ...]
    params: tuple[Param, ...] = ()
    sections: tuple[SectionSpec, ...] = ()
    topics: tuple[Topic, ...] = ()
    rules: tuple[Rule, ...] = ()
    grades: tuple[Grade, ...] = ()
    voter_groups: tuple[VoterGroup, ...] = ()
    stages: tuple[Stage, ...] = ()
    lint: dict[str, Any] = field(default_factory=dict)
    seed_file: str = ""
    seed_text: str = field(default="", repr=False, compare=False)
    plugin: str = ""
    source: str = field(default="", compare=False)

    @property
    def clause_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.clauses)

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def section(self, key: str) -> SectionSpec | None:
        return next((s for s in self.sections if s.key == key), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}
