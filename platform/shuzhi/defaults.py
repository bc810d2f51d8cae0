"""The core's own plugin: defaults every tenant gets, through the same hooks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

_POLICY = Path(__file__).parent / "data" / "common_policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The common policy (clauses CO-01..CO-06) for tenants without a local plan."""
    return [load_policy_toml(_POLICY, plugin="core")]


@hookimpl
def shuzhi_select_onsite(
    policy: Policy, params: dict[str, Any], candidates: Sequence[Any], seed: str
) -> dict[str, Any]:
    """The core's on-site selection from the policy's data (CO-03): everyone (TJ-01, GH-02),
    a named list (SX-02) or a draw without exclusions; registered first, so asked last."""
    from shuzhi.meetings.selection import default_selection

    return default_selection(policy, params, candidates, seed)
