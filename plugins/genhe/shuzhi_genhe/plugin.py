"""Hook implementations of the 根河市市场监督管理局党总支 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for GH-01..GH-11 are added here as the engine grows.
"""

from __future__ import annotations

from pathlib import Path

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

POLICY_FILE = Path(__file__).parent / "policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The genhe policy: 根河市市场监督管理局2023年度党支部书记抓基层党建工作述职评议考核工作方案."""
    return [load_policy_toml(POLICY_FILE, plugin="genhe")]
