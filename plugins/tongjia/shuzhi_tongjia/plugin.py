"""Hook implementations of the 童家镇党委 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for TJ-01..TJ-13 are added here as the engine grows.
"""

from __future__ import annotations

from pathlib import Path

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

POLICY_FILE = Path(__file__).parent / "policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The tongjia policy: 童家镇2023年度村（社区）党组织书记抓党建述职评议考核实施方案."""
    return [load_policy_toml(POLICY_FILE, plugin="tongjia")]
