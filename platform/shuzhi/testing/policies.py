"""Policies under test: loaded through the plugin manager, checked like the platform checks them.

A plugin that is not installed yet (a fresh ``shuzhi new-plugin`` checkout)
is made visible with :func:`register_plugin` from its tests' conftest; the
kit puts it back whenever something rebuilds the plugin manager
(``create_app`` does), and leaves it out when ``SHUZHI_BLOCK_PLUGINS`` names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from types import ModuleType
from typing import Any

from shuzhi.plugins import hooks
from shuzhi.policy.evaluate import CodeRule, Context, evaluate
from shuzhi.policy.findings import Finding
from shuzhi.policy.lint import LintResult, lint
from shuzhi.policy.model import Policy, Topic
from shuzhi.policy.params import resolve
from shuzhi.policy.report import ParsedReport

#: Plugins registered by tests rather than by an installed entry point.
_REGISTERED: dict[str, ModuleType | object] = {}


class PolicyNotFound(LookupError):
    """No loaded plugin contributes the policy; the message says what to do."""


class RuleCrashed(AssertionError):
    """A rule raised while checking; the platform would show "rule failed to run"."""


def register_plugin(module: ModuleType | object, name: str) -> None:
    """Make ``module``'s hook implementations count, as if installed under entry point ``name``.

    Does nothing when an installed entry point already provides ``name`` (or the
    same module), so a plugin's conftest can call it unconditionally.
    """
    _REGISTERED[name] = module
    ensure_plugins()


def ensure_plugins() -> None:
    """Register the test-registered plugins on the current plugin manager where missing."""
    pm = hooks.manager
    for name, module in _REGISTERED.items():
        if pm.is_blocked(name) or pm.get_plugin(name) is not None or pm.is_registered(module):
            continue
        pm.register(module, name=name)


def unregister_plugin(name: str) -> None:
    """Undo :func:`register_plugin` (an installed entry point of the same name stays)."""
    module = _REGISTERED.pop(name, None)
    pm = hooks.manager
    installed = {id(plugin) for plugin, _dist in pm.list_plugin_distinfo()}
    if module is not None and pm.get_plugin(name) is module and id(module) not in installed:
        pm.unregister(module, name=name)


def load_policy(name: str) -> Policy:
    """The policy ``name`` as the platform sees it (through every loaded plugin)."""
    ensure_plugins()
    policy = hooks.policy(name)
    if policy is None:
        loaded = "、".join(p.name for p in hooks.policies())
        blocked = (
            f"；被 SHUZHI_BLOCK_PLUGINS 屏蔽：{'、'.join(sorted(hooks.blocked))}" if hooks.blocked else ""
        )
        raise PolicyNotFound(
            f"没有名为 {name} 的方案（已加载：{loaded}{blocked}）。"
            f"插件未安装时，请 pip install -e 插件目录，或在 tests/conftest.py 中调用 "
            f"shuzhi.testing.register_plugin(模块, name=...)"
        )
    return policy


def _policy(policy: Policy | str) -> Policy:
    return load_policy(policy) if isinstance(policy, str) else policy


def resolve_params(policy: Policy | str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The policy's parameters with a tenant's ``overrides`` applied (bounds checked, ParamError if not)."""
    return resolve(_policy(policy), dict(overrides or {}))


def _topic(item: Topic | str | tuple[str, Sequence[str]]) -> Topic:
    if isinstance(item, Topic):
        return item
    if isinstance(item, str):
        return Topic(item, item, (item,))
    name, keywords = item
    return Topic(name, name, tuple(keywords))


def check_report(
    policy: Policy | str,
    report: ParsedReport,
    params: Mapping[str, Any] | None = None,
    topics: Iterable[Topic | str | tuple[str, Sequence[str]]] = (),
    *,
    strict: bool = True,
) -> list[Finding]:
    """Every finding the platform would show for ``report``: declared rules, then plugins' Python rules.

    ``params`` are a tenant's overrides (resolved within the policy's bounds);
    ``topics`` are 必答题 an org chose itself (SX-05): Topic objects, names, or
    ``(name, keywords)`` pairs. With ``strict`` (the default) a hook or a rule
    that raises fails the test with its traceback instead of becoming the
    "rule failed to run" warning users would see.
    """
    pol = _policy(policy)
    ensure_plugins()
    values = resolve(pol, dict(params or {}))
    code_rules, failures = hooks.report_rules(pol, values)
    if strict and failures:
        first = failures[0]
        raise RuleCrashed(f"插件 {first.plugin} 的 shuzhi_report_rules 出错") from first.error
    crashes: list[tuple[str, BaseException]] = []

    def guarded(rule: CodeRule) -> CodeRule:
        def check(rep: ParsedReport, ctx: Context) -> list[Finding]:
            try:
                return rule.check(rep, ctx)
            except Exception as exc:
                crashes.append((rule.id, exc))
                raise

        return replace(rule, check=check)

    ctx = Context(pol, values, chosen_topics=tuple(_topic(t) for t in topics))
    findings = evaluate(report, ctx, [guarded(r) for r in code_rules])
    if strict and crashes:
        rule_id, exc = crashes[0]
        raise RuleCrashed(f"规则 {rule_id} 运行出错") from exc
    if strict:
        failed = [f for f in findings if f.kind == "failed"]
        if failed:
            raise RuleCrashed(failed[0].message)
    return findings


def issues(findings: Iterable[Finding], rule_id: str | None = None, kind: str | None = None) -> list[Finding]:
    """The findings a secretary must act on (errors and warnings, not "info"), optionally one rule's."""
    return [
        f
        for f in findings
        if f.severity != "info"
        and (rule_id is None or f.rule_id == rule_id)
        and (kind is None or f.kind == kind)
    ]


def lint_policy(policy: Policy | str, overrides: Mapping[str, Any] | None = None) -> LintResult:
    """The policy linter's verdict (``.ok``, ``.contradictions``), with a tenant's overrides tried."""
    pol = _policy(policy)
    values = resolve(pol, dict(overrides or {}))
    return lint(pol, values, overridden=(overrides or {}).keys())
