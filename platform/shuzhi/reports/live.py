"""The live check behind the editor: text in, findings and outline out, fast.

A secretary's editor posts the whole text about every 600 ms while they type.
Everything that does not depend on the text is computed once and kept:
the pinned policy rebuilt from its stored policy.toml text, its resolved
parameters, the clauses shown beside the findings. The key of that cache is
the pin's id *and* a digest of its source and overrides, so a pin row can
never serve another's rules (pins are immutable; an upgrade makes a new pin).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.policy.describe import describe_rule
from shuzhi.policy.model import ClauseKind, Policy
from shuzhi.policy.models import PolicyPin
from shuzhi.policy.params import resolve
from shuzhi.rectification import matching
from shuzhi.reports.check import CheckResult, check_text
from shuzhi.reports.counting import Count
from shuzhi.reports.docx_text import Block
from shuzhi.reports.parse import INTRO, NOT_A_PART, CorrectionError, parse_report
from shuzhi.reports.uploads import text_blocks

#: Pinned policies kept in memory per process (a tenant runs one or two campaigns at a time).
CACHE_SIZE = 64

#: Correction form fields: ``part-<heading index>`` = part key, ``-`` (not a part) or "" (automatic).
FIELD_PREFIX = "part-"


@dataclass(frozen=True)
class ClauseNote:
    """A clause of the policy shown beside the findings: its id, its text, what the rule checks."""

    id: str
    text: str
    checks: tuple[str, ...]
    severity: str


@dataclass(frozen=True)
class Setting:
    """A pinned policy ready to check with: the policy, its parameters, the clauses to show."""

    policy: Policy
    params: dict[str, Any]
    clauses: tuple[ClauseNote, ...]
    #: What is computed once per setting and language (the clauses' HTML), filled by the views.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Target:
    """What a live check needs of a reporter, read in one query."""

    reporter_id: int
    org_id: int
    campaign_id: int
    pin_id: int
    pin_created: Any
    topics: tuple[str, ...]


_cache: OrderedDict[tuple[int, str], Setting] = OrderedDict()
#: (pin id, pin created_at) → the digest key above: a pin row never changes, so a request
#: that knows both needs not read the pin's source text to find its setting.
_by_pin: OrderedDict[tuple[int, Any], tuple[int, str]] = OrderedDict()
_lock = threading.Lock()


def _digest(pin: PolicyPin) -> str:
    h = hashlib.sha256(pin.source.encode("utf-8"))
    h.update(json.dumps(pin.overrides or {}, sort_keys=True, default=str).encode("utf-8"))
    h.update(pin.plugin.encode("utf-8"))
    return h.hexdigest()


def setting_for(pin: PolicyPin) -> Setting:
    """The pinned policy of a campaign (cached; see the module's note on the key)."""
    from shuzhi.policy.pinning import pinned_policy

    key = (pin.id, _digest(pin))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    policy = pinned_policy(pin)
    params = resolve(policy, pin.overrides or None)
    setting = Setting(policy, params, report_clauses(policy, params))
    with _lock:
        _cache[key] = setting
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return setting


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _by_pin.clear()


def target_of(session: Session, reporter_id: int) -> Target | None:
    """The reporter's org, campaign, pin and 必答题 in one statement (the live check runs it per pause)."""
    from shuzhi.cycles.models import Campaign, Reporter
    from shuzhi.reports.models import Report

    row = session.execute(
        select(
            Reporter.id,
            Reporter.org_id,
            Reporter.campaign_id,
            Campaign.pin_id,
            PolicyPin.created_at,
            Report.topics,
        )
        .join(Campaign, Campaign.id == Reporter.campaign_id)
        .join(PolicyPin, PolicyPin.id == Campaign.pin_id)
        .outerjoin(Report, Report.reporter_id == Reporter.id)
        .where(Reporter.id == reporter_id)
    ).first()
    if row is None:
        return None
    return Target(row[0], row[1], row[2], row[3], row[4], tuple(row[5] or ()))


def setting_of(session: Session, target: Target) -> Setting:
    """The target's pinned setting, without reading the pin when it is cached."""
    with _lock:
        key = _by_pin.get((target.pin_id, target.pin_created))
        hit = _cache.get(key) if key is not None else None
        if hit is not None:
            _cache.move_to_end(key)  # type: ignore[arg-type]
            return hit
    pin = session.get(PolicyPin, target.pin_id)
    assert pin is not None
    setting = setting_for(pin)
    with _lock:
        _by_pin[(pin.id, pin.created_at)] = (pin.id, _digest(pin))
        while len(_by_pin) > CACHE_SIZE:
            _by_pin.popitem(last=False)
    return setting


def report_clauses(policy: Policy, params: dict[str, Any]) -> tuple[ClauseNote, ...]:
    """The clauses a report is checked against, each with the rules that check it, in words."""
    checks: dict[str, list[str]] = {}
    for rule in policy.rules:
        try:
            line = describe_rule(rule, policy, params)
        except (KeyError, TypeError, ValueError):  # a rule the describer does not know: show the id only
            line = ""
        checks.setdefault(rule.id, [])
        if line and line not in checks[rule.id]:
            checks[rule.id].append(line)
    out = []
    for clause in policy.clauses:
        if clause.id in checks or (clause.kind is ClauseKind.RULE):
            out.append(
                ClauseNote(
                    clause.id,
                    clause.text,
                    tuple(checks.get(clause.id, ())),
                    str(clause.severity or ""),
                )
            )
    return tuple(out)


def corrections_from(form: Mapping[str, str], policy: Policy) -> dict[int, str | None]:
    """The secretary's outline corrections from the editor's form (unknown values dropped)."""
    keys = {s.key for s in policy.sections} | {NOT_A_PART}
    out: dict[int, str | None] = {}
    for name, value in form.items():
        if not name.startswith(FIELD_PREFIX):
            continue
        try:
            index = int(name[len(FIELD_PREFIX) :])
        except ValueError:
            continue
        value = (value or "").strip()
        if value and value in keys and index >= INTRO:
            out[index] = value
    return out


def response_clause(setting: Setting) -> str | None:
    """The pinned policy's clause asking to answer last year's problems (TJ-07, JX-03, SX-12)."""
    key = "response_clause"
    if key not in setting.memo:
        setting.memo[key] = matching.clause_of(c.id for c in setting.policy.clauses)
    return setting.memo[key]  # type: ignore[no-any-return]


def carried_items(session: Session, setting: Setting, campaign_id: int, org_id: int) -> list[Any]:
    """Last year's unfinished items of the org (CO-05), read only when the policy asks for answers."""
    if response_clause(setting) is None:
        return []
    from shuzhi.rectification import service as rectification

    return rectification.carried_for(session, campaign_id, org_id)


def check(
    setting: Setting,
    text: str,
    corrections: Mapping[int, str | None] | None = None,
    topics: Sequence[str] = (),
    speech: str = "",
    carried: Sequence[matching.CarriedItem] = (),
) -> CheckResult:
    """Every finding on ``text`` (and the on-site ``speech``, SX-06) under the pinned policy.

    A correction that no longer fits the text (the heading it named was
    deleted meanwhile) is dropped rather than refused: the secretary is typing.
    """
    doc = text_blocks(text)
    _counted(doc.blocks)
    documents = {"speech": speech} if speech and speech.strip() else None
    try:
        parsed = parse_report(doc, setting.policy, corrections=corrections or None, documents=documents)
    except CorrectionError:
        parsed = parse_report(doc, setting.policy, documents=documents)
    return check_text(setting.policy, setting.params, parsed, topics, carried)


#: Word's figures per paragraph text: typing changes one paragraph between two checks,
#: so the others' counts are reused (bounded; cleared whole when full).
_COUNTS: dict[str, Count] = {}
_COUNTS_MAX = 20_000


def _counted(blocks: Sequence[Block]) -> None:
    for b in blocks:
        c = _COUNTS.get(b.text)
        if c is None:
            c = b.count()
            if len(_COUNTS) >= _COUNTS_MAX:
                _COUNTS.clear()
            _COUNTS[b.text] = c
        else:
            b._count = c


def speech_limit(setting: Setting) -> int | None:
    """The most 字 the plan allows its on-site speech version (SX-06: 1200), None if it sets none.

    A plan declares it as a length rule on the document "speech"; the editor shows the
    speech box only then."""
    key = "speech_limit"
    if key not in setting.memo:
        from shuzhi.policy.params import value_of

        limits = [
            value_of(rule.get("max"), setting.params)
            for rule in setting.policy.rules
            if rule.get("document") == "speech" and rule.get("max") is not None
        ]
        setting.memo[key] = min((int(v) for v in limits if v is not None), default=None)
    return setting.memo[key]  # type: ignore[no-any-return]


def summary(result: CheckResult) -> dict[str, int]:
    """How many errors and warnings, for the panel's head line."""
    errors = sum(1 for f in result.findings if f.severity == "error")
    warnings = sum(1 for f in result.findings if f.severity == "warning")
    passed = sum(1 for f in result.findings if f.severity == "info")
    return {"errors": errors, "warnings": warnings, "passed": passed}


def empty_message() -> str:
    return _("还没有内容。请在左侧撰写，或上传 .docx / .txt 文件。")
