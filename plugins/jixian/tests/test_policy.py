"""The jixian plugin's policy descriptor, loaded the way the platform loads it."""

from __future__ import annotations

from pathlib import Path

import pytest

import shuzhi_jixian
from shuzhi.plugins import hooks

CLAUSES = ("JX-01", "JX-02", "JX-03", "JX-04", "JX-05", "JX-06", "JX-07", "JX-08", "JX-09")


@pytest.fixture
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("jixian")
    assert found is not None, "the jixian entry point is not installed (pip install -e plugins/jixian)"
    return found


def test_descriptor_names_the_plan(policy) -> None:
    # clause JX-01: the plugin serves exactly its own plan
    assert policy.name == "jixian" and policy.plugin == "jixian"
    assert policy.title == "关于做好2018年度书记抓基层党建述职评议考核工作的通知"
    assert policy.jurisdiction == "中共吉县县委组织部"
    assert policy.version == "2018.2"


def test_seed_text_ships_with_the_plugin(policy) -> None:
    # the plan users read is the one the rules came from
    seed = Path(shuzhi_jixian.__file__).parent / "jixian-2018_004_e51f1e512185841d.txt"
    assert policy.seed_file == "jixian-2018_004_e51f1e512185841d.txt"
    assert policy.seed_text == seed.read_text(encoding="utf-8")
    assert "县直机关单位党组织书记向所属系统党委（总支）述职" in policy.seed_text


def test_every_clause_is_declared_once(policy) -> None:
    # clauses JX-01..JX-09 (docs/policies/CLAUSES.md)
    assert policy.clause_ids == CLAUSES
