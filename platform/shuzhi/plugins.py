"""The plugin manager: entry-point loading, the block list, typed calls.

Call sites use :data:`hooks` (``hooks.policies()``) and never spell pluggy.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
from dataclasses import dataclass, replace
from typing import Any

import pluggy

from shuzhi import hookspecs
from shuzhi.policy.evaluate import CodeRule
from shuzhi.policy.model import Policy

log = logging.getLogger(__name__)

CORE = "core"


@dataclass(frozen=True)
class HookResult:
    plugin: str
    value: Any
    error: BaseException | None


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    distribution: str
    policies: tuple[str, ...]


class Hooks:
    """Typed access to the plugin hooks."""

    def __init__(self) -> None:
        self.pm: pluggy.PluginManager | None = None
        self.blocked: frozenset[str] = frozenset()

    def load(self, blocked: set[str] | frozenset[str] = frozenset()) -> pluggy.PluginManager:
        """(Re)build the manager: core defaults, then every ``shuzhi`` entry point not blocked."""
        from shuzhi import defaults

        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        pm.register(defaults, name=CORE)
        self.blocked = frozenset(blocked) - {CORE}
        for name in self.blocked:
            pm.set_blocked(name)
        pm.load_setuptools_entrypoints(hookspecs.PROJECT)
        self.pm = pm
        return pm

    @property
    def manager(self) -> pluggy.PluginManager:
        if self.pm is None:
            # Outside an app (CLI commands, scripts) honour the block list too.
            blocked = {p.strip() for p in os.environ.get("SHUZHI_BLOCK_PLUGINS", "").split(",") if p.strip()}
            return self.load(blocked)
        return self.pm

    def policies(self) -> list[Policy]:
        found: list[Policy] = []
        for batch in self.manager.hook.shuzhi_policies():
            found.extend(batch or [])
        return sorted(found, key=lambda p: p.name)

    def policy(self, name: str) -> Policy | None:
        return next((p for p in self.policies() if p.name == name), None)

    def call_each(self, hook_name: str, *, first: bool = False, **kwargs: Any) -> list[HookResult]:
        """Call every implementation of a hook on its own, in pluggy's order, so one
        plugin's exception is logged and reported without hiding the others' results.
        With ``first``, stop at the first non-None result (firstresult hooks)."""
        caller = getattr(self.manager.hook, hook_name)
        results: list[HookResult] = []
        for impl in reversed(caller.get_hookimpls()):  # pluggy calls the last registered first
            args = {k: kwargs[k] for k in impl.argnames}
            try:
                value = impl.function(**args)
            except Exception as exc:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
                results.append(HookResult(impl.plugin_name, None, exc))
                continue
            if value is not None:
                results.append(HookResult(impl.plugin_name, value, None))
                if first:
                    break
        return results

    def first(self, hook_name: str, **kwargs: Any) -> HookResult | None:
        """The first non-None result of a firstresult hook (errors before it included)."""
        found = [r for r in self.call_each(hook_name, first=True, **kwargs) if r.error is None]
        return found[0] if found else None

    def report_rules(self, policy: Policy, params: dict[str, Any]) -> tuple[list[CodeRule], list[HookResult]]:
        """Python report rules for ``policy``, and the plugins that failed to give theirs."""
        rules: list[CodeRule] = []
        failures = []
        for r in self.call_each("shuzhi_report_rules", policy=policy, params=params):
            if r.error is not None:
                failures.append(r)
            else:
                rules.extend(replace(rule, plugin=rule.plugin or r.plugin) for rule in r.value)
        return rules, failures

    def plugins(self) -> list[PluginInfo]:
        pm = self.manager
        dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
        out = []
        for name, plugin in pm.list_name_plugin():
            if plugin is None:
                continue
            dist = dists.get(id(plugin))
            version = dist.version if dist is not None else _core_version()
            dist_name = dist.project_name if dist is not None else "shuzhi"
            impl = getattr(plugin, "shuzhi_policies", None)
            policies = tuple(p.name for p in impl()) if impl else ()
            out.append(PluginInfo(name, version, dist_name, policies))
        return sorted(out, key=lambda i: (i.name != CORE, i.name))


def _core_version() -> str:
    try:
        return importlib.metadata.version("shuzhi")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


hooks = Hooks()
