"""``shuzhi policy lint``: the five shipped policies lint in CI (issue 5 items 4 and 7)."""

from __future__ import annotations

from click.testing import CliRunner

from shuzhi.plugins import hooks
from shuzhi.policy.cli import policy_cli


def test_all_five_policies_lint_with_tj_contradiction_shown() -> None:  # clause TJ-06, TJ-10
    hooks.load()
    res = CliRunner().invoke(policy_cli, ["lint", "--all"])
    assert res.exit_code == 0, res.output
    for name in ("suixi", "tongjia", "genhe", "yongzhou", "jixian", "common"):
        assert f"{name}:" in res.output
    tj = [line for line in res.output.splitlines() if line.startswith("tongjia:")]
    assert len(tj) == 1 and "已知矛盾" in tj[0] and "TJ-06" in tj[0] and "TJ-10" in tj[0]
    assert "yongzhou: 数值规则可以同时满足" in res.output  # clause YZ-04


def test_impossible_override_fails() -> None:  # clause YZ-04
    hooks.load()
    policy = hooks.policy("yongzhou")
    total = next(p.name for p in policy.params if p.clause == "YZ-04" and p.type == "int" and p.default == 2500)
    res = CliRunner().invoke(policy_cli, ["lint", "yongzhou", "--set", f"{total}=1200"])
    assert res.exit_code == 1
    assert f"YZ-04[{total}=1200]" in res.output


def test_out_of_bounds_override_and_unknown_policy() -> None:
    hooks.load()
    res = CliRunner().invoke(policy_cli, ["lint", "yongzhou", "--set", "nonsense=1"])
    assert res.exit_code == 1 and "方案中没有这个参数" in res.output
    res = CliRunner().invoke(policy_cli, ["lint", "nowhere"])
    assert res.exit_code == 1 and "没有名为 nowhere 的方案" in res.output


def test_show_lists_clauses_in_chinese() -> None:
    hooks.load()
    res = CliRunner().invoke(policy_cli, ["show", "genhe"])
    assert res.exit_code == 0 and "GH-03" in res.output and "坚强堡垒" in res.output


def test_block_list_honoured_outside_the_app(monkeypatch) -> None:
    monkeypatch.setenv("SHUZHI_BLOCK_PLUGINS", "genhe")
    hooks.pm = None  # as in a fresh CLI process
    try:
        res = CliRunner().invoke(policy_cli, ["list"])
        assert res.exit_code == 0 and "genhe" not in res.output and "tongjia" in res.output
    finally:
        monkeypatch.delenv("SHUZHI_BLOCK_PLUGINS")
        hooks.load()
