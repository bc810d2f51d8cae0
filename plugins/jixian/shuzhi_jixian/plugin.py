"""Hook implementations of the 吉县县委组织部 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for JX-01..JX-09 are added here as the engine grows.
"""

from __future__ import annotations

from pathlib import Path

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

POLICY_FILE = Path(__file__).parent / "policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The jixian policy: 关于做好2018年度书记抓基层党建述职评议考核工作的通知."""
    return [load_policy_toml(POLICY_FILE, plugin="jixian")]
