"""The five jurisdiction plugins as shipped: clause register in sync, block list, listing (issue 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from shuzhi.cli import main
from shuzhi.config import Config
from shuzhi.plugins import hooks

CLAUSES_MD = Path(__file__).resolve().parent.parent / "docs" / "policies" / "CLAUSES.md"
PLUGINS = ("genhe", "jixian", "suixi", "tongjia", "yongzhou")
#: Clause-id prefix -> the policy that must declare it (CO-* is the core's own).
PREFIX_POLICY = {
    "SX": "suixi",
    "TJ": "tongjia",
    "GH": "genhe",
    "YZ": "yongzhou",
    "JX": "jixian",
    "CO": "common",
}
ROW = re.compile(r"^\|\s*([A-Z]{2}-\d{2})\s*\|")


def register() -> dict[str, list[str]]:
    """Clause ids per policy, from the register's tables (first cell of each row)."""
    found: dict[str, list[str]] = {}
    for line in CLAUSES_MD.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            clause = m.group(1)
            found.setdefault(PREFIX_POLICY[clause[:2]], []).append(clause)
    return found


@pytest.fixture
def fresh_hooks() -> Iterator[None]:
    """Tests here reload the global manager; put back the unblocked one after."""
    hooks.load()
    yield
    hooks.load()


def test_register_parses() -> None:
    # guards the parser: an empty parse would make the sync test pass vacuously
    ids = register()
    assert set(ids) == set(PREFIX_POLICY.values())
    assert len(ids["suixi"]) == 14 and ids["jixian"][-1] == "JX-09"


def test_each_policy_declares_exactly_its_clauses(fresh_hooks) -> None:
    # issue 3: nothing silently dropped, nothing invented
    for policy_name, expected in register().items():
        policy = hooks.policy(policy_name)
        assert policy is not None, f"policy {policy_name} is not loaded"
        missing = sorted(set(expected) - set(policy.clause_ids))
        unknown = sorted(set(policy.clause_ids) - set(expected))
        assert not missing, f"{policy_name}: policy.toml lacks {missing} (in CLAUSES.md)"
        assert not unknown, f"{policy_name}: policy.toml names {unknown}, not in CLAUSES.md"
        assert len(policy.clause_ids) == len(set(policy.clause_ids)), f"{policy_name}: duplicate clause ids"


def test_every_plugin_ships_its_seed(fresh_hooks) -> None:
    seeds = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
    for name in PLUGINS:
        policy = hooks.policy(name)
        assert policy is not None and policy.seed_file.startswith(name + "-")
        assert len(policy.seed_text) > 2000  # characters: the shortest plan (genhe) has ~2500
        original = seeds / policy.seed_file
        if original.exists():  # the shared seeds are only beside a development checkout
            assert policy.seed_text == original.read_text(encoding="utf-8")


def test_block_list_removes_plugin_and_its_policy(tmp_path, fresh_hooks) -> None:
    # SHUZHI_BLOCK_PLUGINS -> Config.blocked_plugins -> hooks.load(blocked)
    env = {"SHUZHI_BLOCK_PLUGINS": "genhe, yongzhou", "SHUZHI_INSTANCE_PATH": str(tmp_path)}
    cfg = Config.from_env(environ=env)
    hooks.load(cfg.blocked_plugins)
    loaded = {info.name for info in hooks.plugins()}
    assert loaded == {"core", "jixian", "suixi", "tongjia"}
    assert hooks.policy("genhe") is None and hooks.policy("yongzhou") is None
    assert hooks.policy("jixian") is not None
    assert hooks.blocked == {"genhe", "yongzhou"}


def _plugins_output(tmp_path: Path, **env: str) -> str:
    result = CliRunner().invoke(
        main, ["plugins"], env={"SHUZHI_INSTANCE_PATH": str(tmp_path), **env}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_lists_name_version_and_policy(tmp_path, fresh_hooks) -> None:
    # issue 3: `shuzhi plugins` lists what is loaded with versions
    lines = {line.split()[0]: line.split() for line in _plugins_output(tmp_path).splitlines() if line}
    assert lines["core"] == ["core", "shuzhi", "0.1.0", "common"]
    for name in PLUGINS:
        assert lines[name] == [name, f"shuzhi-{name}", "0.1.0", name]


def test_cli_honours_block_list(tmp_path, fresh_hooks) -> None:
    out = _plugins_output(tmp_path, SHUZHI_BLOCK_PLUGINS="tongjia")
    names = [line.split()[0] for line in out.splitlines() if line]
    assert "tongjia" not in names and "suixi" in names
    assert "blocked: tongjia" in out
