"""The genhe plugin's policy descriptor, loaded the way the platform loads it."""

from __future__ import annotations

from pathlib import Path

import pytest

import shuzhi_genhe
from shuzhi.plugins import hooks

CLAUSES = ("GH-01", "GH-02", "GH-03", "GH-04", "GH-05", "GH-06", "GH-07", "GH-08", "GH-09", "GH-10", "GH-11")


@pytest.fixture
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("genhe")
    assert found is not None, "the genhe entry point is not installed (pip install -e plugins/genhe)"
    return found


def test_descriptor_names_the_plan(policy) -> None:
    # clause GH-01: the plugin serves exactly its own plan
    assert policy.name == "genhe" and policy.plugin == "genhe"
    assert policy.title == "根河市市场监督管理局2023年度党支部书记抓基层党建工作述职评议考核工作方案"
    assert policy.jurisdiction == "根河市市场监督管理局党总支"
    assert policy.version == "2023.2"


def test_seed_text_ships_with_the_plugin(policy) -> None:
    # the plan users read is the one the rules came from
    seed = Path(shuzhi_genhe.__file__).parent / "genhe-2023_002_b1addb69841a860d.txt"
    assert policy.seed_file == "genhe-2023_002_b1addb69841a860d.txt"
    assert policy.seed_text == seed.read_text(encoding="utf-8")
    assert "第一党支部书记、第二党支部书记" in policy.seed_text


def test_every_clause_is_declared_once(policy) -> None:
    # clauses GH-01..GH-11 (docs/policies/CLAUSES.md)
    assert policy.clause_ids == CLAUSES
