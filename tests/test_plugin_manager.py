"""The plugin manager: core defaults as a plugin, entry points, the block list (issue 3 item 9)."""

from __future__ import annotations

import inspect
import re

import pytest

from shuzhi import hookspecs
from shuzhi.plugins import CORE, Hooks
from shuzhi.policy.loader import PolicyFileError, load_policy_toml


def test_core_registers_through_the_same_hook() -> None:
    hooks = Hooks()
    hooks.load()
    names = [name for name, _ in hooks.manager.list_name_plugin()]
    assert CORE in names
    common = hooks.policy("common")
    assert common is not None and common.plugin == "core"
    assert common.clause_ids == ("CO-01", "CO-02", "CO-03", "CO-04", "CO-05", "CO-06")


def test_core_cannot_be_blocked() -> None:
    hooks = Hooks()
    hooks.load({"core"})
    assert hooks.policy("common") is not None


def test_blocked_entry_point_plugin_is_not_loaded() -> None:
    hooks = Hooks()
    hooks.load()
    external = [i.name for i in hooks.plugins() if i.name != CORE]
    assert external, "the five jurisdiction plugins must be installed (python3 run.py setup)"
    victim = external[0]
    hooks.load({victim})
    assert victim not in [i.name for i in hooks.plugins()]
    assert victim in hooks.blocked


def test_every_hookspec_is_typed_and_documented() -> None:
    specs = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("shuzhi_")]
    assert specs
    for fn in specs:
        assert fn.__doc__ and len(fn.__doc__.strip()) > 40, fn.__name__
        assert "return" in inspect.get_annotations(fn), fn.__name__


def test_policy_toml_errors_name_the_file(tmp_path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text(
        '[policy]\nname = "xx"\ntitle = "t"\njurisdiction = "j"\n[[clause]]\nid = "YZ-8"\nkind = "human"\ntext = "t"\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError, match="YZ-8"):
        load_policy_toml(bad)
    bad.write_text("[policy\n", encoding="utf-8")
    with pytest.raises(PolicyFileError, match=re.escape(str(bad))):
        load_policy_toml(bad)
    bad.write_text(
        '[policy]\nname = "xx"\ntitle = "t"\njurisdiction = "j"\nseed = "missing.txt"\n', encoding="utf-8"
    )
    with pytest.raises(PolicyFileError, match=r"missing\.txt"):
        load_policy_toml(bad)


def test_hook_docs_and_specs_in_sync() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "plugins" / "hooks.md").read_text(
        encoding="utf-8"
    )
    documented = set(re.findall(r"^## (shuzhi_\w+)\s*$", doc, flags=re.M))
    specs = {
        name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("shuzhi_")
    }
    assert documented == specs, (
        f"undocumented: {specs - documented}; documented but absent: {documented - specs}"
    )


def test_a_raising_plugin_does_not_hide_the_others() -> None:
    from shuzhi.hookspecs import for_policy, hookimpl
    from shuzhi.policy.evaluate import CodeRule

    class Good:
        @hookimpl
        @for_policy("common")
        def shuzhi_report_rules(policy, params):
            return [CodeRule("CO-02", "warning", lambda report, ctx: [])]

    class Bad:
        @hookimpl
        def shuzhi_report_rules(policy, params):
            raise RuntimeError("boom")

    hooks = Hooks()
    pm = hooks.load()
    pm.register(Good, name="good")
    pm.register(Bad, name="bad")
    common = hooks.policy("common")
    rules, failures = hooks.report_rules(common, {})
    assert [(r.id, r.plugin) for r in rules] == [("CO-02", "good")]
    assert [f.plugin for f in failures] == ["bad"] and isinstance(failures[0].error, RuntimeError)
    # for_policy: the good plugin answers nothing for another policy
    other = hooks.policy("tongjia")
    rules, _ = hooks.report_rules(other, {})
    assert rules == []
