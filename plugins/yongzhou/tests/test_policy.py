"""The yongzhou plugin's policy descriptor, loaded the way the platform loads it."""

from __future__ import annotations

from pathlib import Path

import pytest

import shuzhi_yongzhou
from shuzhi.plugins import hooks

CLAUSES = (
    "YZ-01",
    "YZ-02",
    "YZ-03",
    "YZ-04",
    "YZ-05",
    "YZ-06",
    "YZ-07",
    "YZ-08",
    "YZ-09",
    "YZ-10",
    "YZ-11",
    "YZ-12",
    "YZ-13",
    "YZ-14",
)


@pytest.fixture
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("yongzhou")
    assert found is not None, "the yongzhou entry point is not installed (pip install -e plugins/yongzhou)"
    return found


def test_descriptor_names_the_plan(policy) -> None:
    # clause YZ-01: the plugin serves exactly its own plan
    assert policy.name == "yongzhou" and policy.plugin == "yongzhou"
    assert policy.title == "关于2020年市直单位党组（党委）书记履行基层党建工作责任述职评议考核工作的实施方案"
    assert policy.jurisdiction == "中共永州市直属机关工作委员会"
    assert policy.version == "2020.2"


def test_seed_text_ships_with_the_plugin(policy) -> None:
    # the plan users read is the one the rules came from
    seed = Path(shuzhi_yongzhou.__file__).parent / "yongzhou-2020_003_a1a9f9c68415ec60.txt"
    assert policy.seed_file == "yongzhou-2020_003_a1a9f9c68415ec60.txt"
    assert policy.seed_text == seed.read_text(encoding="utf-8")
    assert "公开随机抽选的方式从中产生8名人员" in policy.seed_text


def test_every_clause_is_declared_once(policy) -> None:
    # clauses YZ-01..YZ-14 (docs/policies/CLAUSES.md)
    assert policy.clause_ids == CLAUSES
