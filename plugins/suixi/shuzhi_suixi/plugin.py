"""Hook implementations of the 遂溪县直工委 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for SX-01..SX-14 are added here as the engine grows.
"""

from __future__ import annotations

from pathlib import Path

from shuzhi.hookspecs import hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

POLICY_FILE = Path(__file__).parent / "policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The suixi policy: 遂溪县直机关2023年度党组织书记述职述责工作方案."""
    return [load_policy_toml(POLICY_FILE, plugin="suixi")]
