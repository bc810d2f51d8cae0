"""Pin a policy for a campaign, show what an upgraded plugin would change, apply on choice.

Upgrading a plugin never changes a running campaign's rules silently: the pin
keeps the policy.toml text it was made from. :func:`pending_upgrade` compares
it with the loaded plugin's policy; :func:`apply_upgrade` makes a new pin
(keeping the old one visible) and writes the change to the audit trail.
Rules a plugin implements in Python follow the installed plugin; the pin
records its version so the difference is visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from shuzhi.audit.service import record
from shuzhi.errors import Conflict, NotFound, ValidationFailed
from shuzhi.plugins import hooks
from shuzhi.policy.lint import lint
from shuzhi.policy.loader import parse_policy
from shuzhi.policy.model import Policy, Rule
from shuzhi.policy.models import PolicyPin
from shuzhi.policy.params import ParamError, as_params_json, resolve, show


def _source_text(policy: Policy) -> str:
    return Path(policy.source).read_text(encoding="utf-8")


def pinned_policy(pin: PolicyPin) -> Policy:
    """The policy exactly as pinned (rebuilt from the stored policy.toml text)."""
    # The seed text a policy.toml names sits beside the plugin's file: parse "there"
    # (not in the working directory) so the pinned policy finds it.
    current = hooks.policy(pin.policy_name)
    folder = Path(current.source).parent if current is not None and current.source else Path()
    policy = parse_policy(
        pin.source,
        path=folder / f"<pin {pin.id}: {pin.policy_name} {pin.policy_version}>",
        plugin=pin.plugin,
    )
    return policy


def pinned_params(pin: PolicyPin) -> dict[str, Any]:
    return resolve(pinned_policy(pin), pin.overrides or None)


def pin_policy(
    session: Session, name: str, overrides: dict[str, Any] | None = None, *, actor: str = ""
) -> PolicyPin:
    """Pin the loaded policy ``name`` with a tenant's overrides (validated and linted)."""
    policy = hooks.policy(name)
    if policy is None:
        raise NotFound(_("没有名为 %(name)s 的方案。", name=name))
    try:
        params = resolve(policy, overrides)
    except ParamError as exc:
        raise ValidationFailed(_("方案参数有误。"), errors={k: [v] for k, v in exc.errors.items()}) from exc
    result = lint(policy, params, overridden=(overrides or {}).keys())
    hard = [c for c in result.contradictions if not c.known and any("[" in s for s in c.clauses)]
    if hard:
        raise ValidationFailed(
            _("这些参数会让方案无法满足：%(why)s", why=hard[0].message),
            errors={"params": [c.message for c in hard]},
        )
    pin = PolicyPin(
        policy_name=policy.name,
        policy_version=policy.version,
        plugin=policy.plugin,
        params=as_params_json(params),
        overrides=dict(overrides or {}),
        source=_source_text(policy),
        created_by=actor,
    )
    session.add(pin)
    session.flush()
    return pin


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed
    what: str  # rule | clause | param | section | stage | grade | voter_group
    key: str
    before: str = ""
    after: str = ""

    def describe(self) -> str:
        verb = {"added": "新增", "removed": "删除", "changed": "修改"}[self.kind]
        detail = f"：{self.before} → {self.after}" if self.kind == "changed" else ""
        return f"{verb}{_WHAT[self.what]} {self.key}{detail}"


_WHAT = {
    "rule": "规则",
    "clause": "条款",
    "param": "参数",
    "section": "部分",
    "stage": "阶段",
    "grade": "等次",
    "voter_group": "投票人类别",
}


def _rule_key(rule: Rule) -> str:
    where = rule.get("section") or ",".join(rule.get("sections", []) or rule.get("topics", []))
    doc = rule.get("document")
    return f"{rule.id}/{rule.kind}" + (f"/{where}" if where else "") + (f"/{doc}" if doc else "")


def _rule_desc(rule: Rule) -> str:
    bits = [rule.severity.value]
    for k in ("min", "max", "max_minutes", "min_count", "min_covered", "min_figures", "min_cases"):
        if k in rule.settings:
            v = rule.settings[k]
            bits.append(f"{k}={v['param'] if isinstance(v, dict) else show(v)}")
    return " ".join(bits)


def _compare(what: str, old: dict[str, str], new: dict[str, str]) -> list[Change]:
    out = [Change("removed", what, k, old[k]) for k in old if k not in new]
    out += [Change("added", what, k, "", new[k]) for k in new if k not in old]
    out += [Change("changed", what, k, old[k], new[k]) for k in old if k in new and old[k] != new[k]]
    return out


def diff(old: Policy, new: Policy) -> list[Change]:
    """What changes from ``old`` to ``new``: rules, clauses, parameters, parts, stages, grades."""
    changes: list[Change] = []
    changes += _compare(
        "rule",
        {_rule_key(r): _rule_desc(r) for r in old.rules},
        {_rule_key(r): _rule_desc(r) for r in new.rules},
    )
    changes += _compare(
        "clause",
        {c.id: f"{c.kind}/{c.severity or '-'} {c.text}" for c in old.clauses},
        {c.id: f"{c.kind}/{c.severity or '-'} {c.text}" for c in new.clauses},
    )
    changes += _compare(
        "param",
        {
            p.name: f"{show(p.default)} [{show(p.min) if p.min is not None else ''}..{show(p.max) if p.max is not None else ''}]"
            for p in old.params
        },
        {
            p.name: f"{show(p.default)} [{show(p.min) if p.min is not None else ''}..{show(p.max) if p.max is not None else ''}]"
            for p in new.params
        },
    )
    changes += _compare(
        "section",
        {s.key: " / ".join(s.names) for s in old.sections},
        {s.key: " / ".join(s.names) for s in new.sections},
    )
    changes += _compare(
        "stage",
        {s.key: f"{s.deadline or '-'} {list(s.reminders)}" for s in old.stages},
        {s.key: f"{s.deadline or '-'} {list(s.reminders)}" for s in new.stages},
    )
    changes += _compare(
        "grade",
        {g.key: f"{g.name} {g.points}" for g in old.grades},
        {g.key: f"{g.name} {g.points}" for g in new.grades},
    )
    changes += _compare(
        "voter_group",
        {g.key: f"{g.name} {show(g.weight)}" for g in old.voter_groups},
        {g.key: f"{g.name} {show(g.weight)}" for g in new.voter_groups},
    )
    return changes


@dataclass(frozen=True)
class Upgrade:
    pin: PolicyPin
    from_version: str
    to_version: str
    changes: list[Change]


def pending_upgrade(pin: PolicyPin) -> Upgrade | None:
    """The loaded plugin's policy differs from the pin: what would change."""
    current = hooks.policy(pin.policy_name)
    if current is None:
        return None
    source = _source_text(current)
    if source == pin.source:
        return None
    return Upgrade(pin, pin.policy_version, current.version, diff(pinned_policy(pin), current))


def apply_upgrade(session: Session, pin: PolicyPin, *, actor: str, reason: str) -> PolicyPin:
    """Re-pin to the loaded plugin's policy, keeping the tenant's overrides; audited."""
    if not reason.strip():
        raise ValidationFailed(_("请写明采用新版本方案的理由。"), errors={"reason": [_("必填")]})
    upgrade = pending_upgrade(pin)
    if upgrade is None:
        raise Conflict(_("方案没有新版本，无需更新。"))
    new_pin = pin_policy(session, pin.policy_name, pin.overrides or None, actor=actor)
    new_pin.supersedes_id = pin.id
    new_pin.reason = reason.strip()[:500]
    session.flush()
    record(
        session,
        "policy.upgrade",
        target_type="policy_pins",
        target_id=new_pin.id,
        summary=f"{pin.policy_name} {upgrade.from_version} → {upgrade.to_version}：{reason.strip()}"[:500],
        before={"pin": pin.id, "version": upgrade.from_version},
        after={
            "pin": new_pin.id,
            "version": upgrade.to_version,
            "changes": [c.describe() for c in upgrade.changes],
        },
    )
    return new_pin
