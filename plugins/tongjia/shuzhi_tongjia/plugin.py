"""Hook implementations of the 童家镇党委 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for TJ-01..TJ-13 are added here as the engine grows.
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
    """The tongjia policy: 童家镇2023年度村（社区）党组织书记抓党建述职评议考核实施方案."""
    return [load_policy_toml(POLICY_FILE, plugin="tongjia")]


@hookimpl
@for_policy("tongjia")
def shuzhi_timeline(policy: Policy, params: dict[str, Any], campaign: Any) -> list[dict[str, Any]]:
    """TJ-02: the report reaches the 党建办 only after the responsible area leader
    (包片领导) has reviewed it, so the campaign has a pre-review step before submitting."""
    return [
        {
            "key": "pre_review",
            "name": "述职报告报包片领导审核",
            "clause": "TJ-02",
            "step": "pre_review",
            "scope": "reporter",
        }
    ]
