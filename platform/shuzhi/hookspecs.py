"""Every hook a Shuzhi plugin may implement: the one contract for plugins.

Each hook is documented in docs/plugins/hooks.md. Implementations are marked
with ``shuzhi.hookimpl``; the core's own defaults are a plugin too
(``shuzhi.defaults``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from shuzhi.policy.descriptor import PolicyDescriptor

PROJECT = "shuzhi"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def shuzhi_policies() -> list[PolicyDescriptor]:
    """Return the policies (jurisdictions' plans) this plugin contributes.

    Each :class:`~shuzhi.policy.descriptor.PolicyDescriptor` names the policy,
    its version, title, jurisdiction, clause ids and seed text. A plugin
    usually builds it from its ``policy.toml`` with
    :func:`shuzhi.policy.descriptor.load_policy_toml`.
    """
