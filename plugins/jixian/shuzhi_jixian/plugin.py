"""Hook implementations of the 吉县县委组织部 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for JX-01..JX-09 are added here as the engine grows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shuzhi.hookspecs import for_policy, hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

POLICY_FILE = Path(__file__).parent / "policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The jixian policy: 关于做好2018年度书记抓基层党建述职评议考核工作的通知."""
    return [load_policy_toml(POLICY_FILE, plugin="jixian")]


@hookimpl
@for_policy("jixian")
def shuzhi_timeline(policy: Policy, params: dict[str, Any], campaign: Any) -> list[dict[str, Any]]:
    """JX-04, bottom-up and staged: each level's reviews finish their 述职评议 (the
    ``graded`` step) by their own date; level 2 splits by receiving body (乡镇党委 by
    12-25, the 工委s by 01-15); every committee below the 县委 reports its results
    (the review ``closed`` and reported upward) by 01-20."""
    graded = {"step": "graded", "scope": "review"}
    return [
        {"key": "system_committees", **graded, "levels": [3]},
        {"key": "townships", **graded, "levels": [2], "receiver_kinds": ["committee"]},
        {"key": "working_committees", **graded, "levels": [2], "receiver_kinds": ["working_committee"]},
        {"key": "results", "step": "closed", "scope": "review", "levels": [2, 3]},
        {"key": "county", **graded, "levels": [1]},
    ]
