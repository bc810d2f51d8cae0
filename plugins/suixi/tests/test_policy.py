"""The suixi plugin's policy descriptor, loaded the way the platform loads it."""

from __future__ import annotations

from pathlib import Path

import pytest

import shuzhi_suixi
from shuzhi.plugins import hooks

CLAUSES = (
    "SX-01",
    "SX-02",
    "SX-03",
    "SX-04",
    "SX-05",
    "SX-06",
    "SX-07",
    "SX-08",
    "SX-09",
    "SX-10",
    "SX-11",
    "SX-12",
    "SX-13",
    "SX-14",
)


@pytest.fixture
def policy():
    hooks.load()  # through the entry point, as the app does
    found = hooks.policy("suixi")
    assert found is not None, "the suixi entry point is not installed (pip install -e plugins/suixi)"
    return found


def test_descriptor_names_the_plan(policy) -> None:
    # clause SX-01: the plugin serves exactly its own plan
    assert policy.name == "suixi" and policy.plugin == "suixi"
    assert policy.title == "遂溪县直机关2023年度党组织书记述职述责工作方案"
    assert policy.jurisdiction == "中共遂溪县直属机关工作委员会"
    assert policy.version == "2023.2"


def test_seed_text_ships_with_the_plugin(policy) -> None:
    # the plan users read is the one the rules came from
    seed = Path(shuzhi_suixi.__file__).parent / "suixi-2023_000_ab1fa8a441e8b1f9.txt"
    assert policy.seed_file == "suixi-2023_000_ab1fa8a441e8b1f9.txt"
    assert policy.seed_text == seed.read_text(encoding="utf-8")
    assert "县直工委抽选12个机关党委" in policy.seed_text


def test_every_clause_is_declared_once(policy) -> None:
    # clauses SX-01..SX-14 (docs/policies/CLAUSES.md)
    assert policy.clause_ids == CLAUSES
