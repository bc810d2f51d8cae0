"""The core's own plugin: defaults every tenant gets, through the same hooks."""

from __future__ import annotations

from pathlib import Path

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.descriptor import PolicyDescriptor, load_policy_toml

_POLICY = Path(__file__).parent / "data" / "common_policy.toml"


@hookimpl
def shuzhi_policies() -> list[PolicyDescriptor]:
    """The common policy (clauses CO-01..CO-06) for tenants without a local plan."""
    return [load_policy_toml(_POLICY, plugin="core")]
