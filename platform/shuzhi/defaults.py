"""The core's own plugin: defaults every tenant gets, through the same hooks."""

from __future__ import annotations

from pathlib import Path

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

_POLICY = Path(__file__).parent / "data" / "common_policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The common policy (clauses CO-01..CO-06) for tenants without a local plan."""
    return [load_policy_toml(_POLICY, plugin="core")]
