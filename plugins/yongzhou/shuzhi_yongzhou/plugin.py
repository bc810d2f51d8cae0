"""Hook implementations of the 永州市直工委 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for YZ-01..YZ-14 are added here as the engine grows.
"""

from __future__ import annotations

from pathlib import Path

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

POLICY_FILE = Path(__file__).parent / "policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The yongzhou policy: 永州市直单位党组（党委）书记2020年述职评议考核实施方案."""
    return [load_policy_toml(POLICY_FILE, plugin="yongzhou")]
