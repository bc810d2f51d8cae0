"""Hook implementations of the 永州市直工委 plan.

The policy is data first (``policy.toml`` beside this file); rules, timeline
and scoring hooks for YZ-01..YZ-14 are added here as the engine grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shuzhi.hookspecs import for_policy, hookimpl
from shuzhi.policy.loader import load_policy_toml
from shuzhi.policy.model import Policy

POLICY_FILE = Path(__file__).parent / "policy.toml"


@hookimpl
def shuzhi_policies() -> list[Policy]:
    """The yongzhou policy: 永州市直单位党组（党委）书记2020年述职评议考核实施方案."""
    return [load_policy_toml(POLICY_FILE, plugin="yongzhou")]


@hookimpl
@for_policy("yongzhou")
def shuzhi_select_onsite(
    policy: Policy, params: dict[str, Any], candidates: Sequence[Any], seed: str
) -> dict[str, Any]:
    """YZ-02: a public random draw of ``onsite_count`` (8) for on-site evaluation, leaving out
    units that already reported on site in earlier years and secretaries in post less than
    half a year (``min_months_in_post``); with a seed, the draw itself (the core's public
    algorithm, so anyone can re-run it)."""
    from shuzhi.meetings.models import Method
    from shuzhi.meetings.selection import answer

    months = int(params.get("min_months_in_post", 6))
    # Reasons are part of the published record: kept in the plan's language, not translated.
    excluded: list[tuple[Any, str]] = []
    for c in candidates:
        if c.onsite_years:
            years = "、".join(str(y) for y in sorted(c.onsite_years))
            excluded.append((c, f"以往已经现场述职（{years}年）"))
        elif c.vacant:
            excluded.append((c, "书记（负责人）空缺，无人可现场述职"))
        elif c.short_in_post(months):
            since = c.post_start.isoformat() if c.post_start else "-"
            excluded.append((c, f"到岗不满{months}个月（{since}到任）"))
    return answer(
        Method.DRAW,
        candidates,
        excluded,
        places=int(params.get("onsite_count", 8)),
        seed=seed,
        clause="YZ-02",
    )
