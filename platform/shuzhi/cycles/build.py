"""Who reports to whom in a campaign: reviews nested by the relations, and each reporter.

Everything here works on plain values read in a few set-wide queries (the
relations of the day, the posts in office, the orgs' kinds), so a province of
100,000 orgs is walked in memory, not row by row in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from shuzhi.cycles.calendar import add_months
from shuzhi.cycles.models import Mode, Selection, Subject
from shuzhi.orgs.models import OrgKind
from shuzhi.policy.model import ClauseKind, Policy

#: The post that reports for an org of each kind: heads of units without a
#: party organization of their own report as 主要负责人 (YZ-01).
REPORTING_TITLE = {OrgKind.UNIT.value: "主要负责人"}
SECRETARY = "书记"
DEFAULT_MIN_TENURE_MONTHS = 6
#: How the plans say "reports in the organization's name" (SX-01, TJ-05).
_IN_ORG_WORDS = ("以党组织名义述职", "代表党组织述职")


def reporting_title(kind: str) -> str:
    return REPORTING_TITLE.get(kind, SECRETARY)


@dataclass(frozen=True)
class ReporterRules:
    """How the pinned policy decides a reporter's name and mode."""

    min_tenure_months: int
    #: The clause under which short tenure means reporting in the org's name (None: the plan has none).
    in_org_clause: str | None
    #: That clause in the plan's own words.
    in_org_text: str
    selection: Selection
    onsite_count: int | None = None

    @property
    def default_mode(self) -> Mode:
        return Mode.ONSITE if self.selection is Selection.ALL else Mode.WRITTEN


def reporter_rules(policy: Policy, params: Mapping[str, Any]) -> ReporterRules:
    """Read the rules from the policy's data: its tenure parameter and clauses, its on-site count.

    SX-01 declares ``min_tenure_months``; TJ-05 says it in words only (the core's
    six months then). A plan with an on-site count chooses some on site: by a
    public draw when it has a ``draw`` stage (YZ-02), else by a named list
    (SX-02); without one, everyone reports on site (TJ-01, GH-02, JX-06).
    """
    months = params.get("min_tenure_months")
    declared = policy.param("min_tenure_months")
    clause = declared.clause if declared is not None and declared.clause else None
    if clause is None:
        clause = next(
            (
                c.id
                for c in policy.clauses
                if c.kind is ClauseKind.WORKFLOW and any(w in c.text for w in _IN_ORG_WORDS)
            ),
            None,
        )
    text = next((c.text for c in policy.clauses if c.id == clause), "") if clause else ""
    onsite = params.get("onsite_count")
    if onsite is None:
        selection = Selection.ALL
    elif any(s.key == "draw" for s in policy.stages):
        selection = Selection.DRAW
    else:
        selection = Selection.NAMED
    return ReporterRules(
        min_tenure_months=int(months) if months is not None else DEFAULT_MIN_TENURE_MONTHS,
        in_org_clause=clause,
        in_org_text=text,
        selection=selection,
        onsite_count=int(onsite) if onsite is not None else None,
    )


class RelationCycle(ValueError):
    def __init__(self, org_ids: list[int]) -> None:
        super().__init__(org_ids)
        self.org_ids = org_ids


def find_cycle(pairs: Mapping[int, int]) -> list[int] | None:
    """A cycle in reporter → receiver (each org reports to one), as the org ids around it."""
    state: dict[int, int] = {}  # 1: on the current walk, 2: done
    for start in pairs:
        if state.get(start):
            continue
        walk: list[int] = []
        node: int | None = start
        while node is not None and not state.get(node):
            state[node] = 1
            walk.append(node)
            node = pairs.get(node)
        if node is not None and state.get(node) == 1:
            return walk[walk.index(node) :]
        for n in walk:
            state[n] = 2
    return None


@dataclass
class ReviewNode:
    receiver_id: int
    level: int  # the level of its reporters
    parent_receiver_id: int | None
    reporters: list[int] = field(default_factory=list)


def review_tree(root_id: int, pairs: Mapping[int, int]) -> list[ReviewNode]:
    """Reviews under ``root_id``, parents before children: one per org with reporters."""
    by_receiver: dict[int, list[int]] = {}
    for reporter, receiver in pairs.items():
        by_receiver.setdefault(receiver, []).append(reporter)
    nodes: list[ReviewNode] = []
    frontier = [(root_id, None, 1)]
    seen = {root_id}
    while frontier:
        nxt = []
        for receiver, parent, level in frontier:
            mine = sorted(r for r in by_receiver.get(receiver, ()) if r not in seen)
            if not mine:
                continue
            seen.update(mine)
            nodes.append(ReviewNode(receiver, level, parent, mine))
            nxt.extend((r, receiver, level + 1) for r in mine)
        frontier = nxt
    return nodes


@dataclass(frozen=True)
class PostInfo:
    post_id: int
    person_id: int
    title: str
    start: date
    end: date | None


@dataclass(frozen=True)
class ReporterInfo:
    person_id: int | None
    post_id: int | None
    title: str
    tenure_days: int
    in_org_name: bool
    subject: Subject
    vacant: bool
    note: str


def short_in_post(start: date, period_start: date, period_end: date, months: int) -> bool:
    """In post fewer than ``months`` months of the period (SX-01, TJ-05)."""
    since = max(start, period_start)
    return add_months(since, months) > date.fromordinal(period_end.toordinal() + 1)


def reporter_info(
    kind: str,
    post: PostInfo | None,
    rules: ReporterRules,
    period_start: date,
    period_end: date,
) -> ReporterInfo:
    title = reporting_title(kind)
    if post is None:
        return ReporterInfo(
            None,
            None,
            title,
            0,
            False,
            Subject.ORG,
            True,
            _("%(title)s空缺（%(day)s 无人在任），由组织述职", title=title, day=period_end.isoformat()),
        )
    since = max(post.start, period_start)
    until = min(post.end or period_end, period_end)
    days = max(0, (until - since).days + 1)
    short = short_in_post(post.start, period_start, period_end, rules.min_tenure_months)
    if short and rules.in_org_clause:
        note = _(
            "任职不满%(months)s个月（本期在任 %(days)s 天），以党组织名义述职。%(clause)s：%(text)s",
            months=rules.min_tenure_months,
            days=days,
            clause=rules.in_org_clause,
            text=rules.in_org_text,
        )
        return ReporterInfo(post.person_id, post.post_id, post.title, days, True, Subject.ORG, False, note)
    note = ""
    if short:
        note = _("任职不满%(months)s个月（本期在任 %(days)s 天）", months=rules.min_tenure_months, days=days)
    return ReporterInfo(post.person_id, post.post_id, post.title, days, False, Subject.PERSON, False, note)


def latest_posts(
    rows: Iterable[tuple[int, int, int, str, date, date | None]], kinds: Mapping[int, str]
) -> dict[int, PostInfo]:
    """org id → the post that reports for it (the latest start wins, as in orgs.holders)."""
    found: dict[int, PostInfo] = {}
    for org_id, post_id, person_id, title, start, end in rows:
        if title != reporting_title(kinds.get(org_id, "")):
            continue
        held = found.get(org_id)
        if held is None or start >= held.start:
            found[org_id] = PostInfo(post_id, person_id, title, start, end)
    return found
