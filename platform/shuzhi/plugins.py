"""The plugin manager: entry-point loading, the block list, typed calls.

Call sites use :data:`hooks` (``hooks.policies()``) and never spell pluggy.
"""

from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass

import pluggy

from shuzhi import hookspecs
from shuzhi.policy.descriptor import PolicyDescriptor

log = logging.getLogger(__name__)

CORE = "core"


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
        return self.pm if self.pm is not None else self.load()

    def policies(self) -> list[PolicyDescriptor]:
        found: list[PolicyDescriptor] = []
        for batch in self.manager.hook.shuzhi_policies():
            found.extend(batch or [])
        return sorted(found, key=lambda p: p.name)

    def policy(self, name: str) -> PolicyDescriptor | None:
        return next((p for p in self.policies() if p.name == name), None)

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
