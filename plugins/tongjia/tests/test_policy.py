"""The tongjia plugin's policy descriptor, loaded the way the platform loads it."""

from __future__ import annotations

from pathlib import Path

import pytest

import shuzhi_tongjia
from shuzhi.plugins import hooks

CLAUSES = (
    "TJ-01",
    "TJ-02",
    "TJ-03",
    "TJ-04",
    "TJ-05",
    "TJ-06",
    "TJ-07",
    "TJ-08",
    "TJ-09",
    "TJ-10",
    "TJ-11",
    "TJ-12",
    "TJ-13",
)


@pytest.fixture
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("tongjia")
    assert found is not None, "the tongjia entry point is not installed (pip install -e plugins/tongjia)"
    return found


def test_descriptor_names_the_plan(policy) -> None:
    # clause TJ-01: the plugin serves exactly its own plan
    assert policy.name == "tongjia" and policy.plugin == "tongjia"
    assert policy.title == "童家镇2023年度村（社区）党组织书记抓党建述职评议考核实施方案"
    assert policy.jurisdiction == "中共乐至县童家镇委员会"
    assert policy.version == "2023.2"


def test_seed_text_ships_with_the_plugin(policy) -> None:
    # the plan users read is the one the rules came from
    seed = Path(shuzhi_tongjia.__file__).parent / "tongjia-2023_001_cbcdc9a11314b2aa.txt"
    assert policy.seed_file == "tongjia-2023_001_cbcdc9a11314b2aa.txt"
    assert policy.seed_text == seed.read_text(encoding="utf-8")
    assert "21个村（社区）党组织全覆盖" in policy.seed_text


def test_every_clause_is_declared_once(policy) -> None:
    # clauses TJ-01..TJ-13 (docs/policies/CLAUSES.md)
    assert policy.clause_ids == CLAUSES
