"""Pinning (issue 5 item 5): a campaign's policy never changes silently when a plugin upgrades."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from shuzhi.audit.models import AuditEvent
from shuzhi.db import db
from shuzhi.errors import Conflict, ValidationFailed
from shuzhi.hookspecs import hookimpl
from shuzhi.plugins import hooks
from shuzhi.policy import pinning
from shuzhi.policy.loader import load_policy_toml
from shuzhi.tenancy.scope import scoped

FIX = Path(__file__).parent / "policy_fixtures" / "yz_excerpt.toml"


@pytest.fixture
def upgradable(tmp_path):
    """A plugin whose policy.toml we can 'upgrade' by rewriting the file."""
    path = tmp_path / "policy.toml"
    path.write_text(FIX.read_text(encoding="utf-8"), encoding="utf-8")
    plugin = SimpleNamespace(shuzhi_policies=hookimpl(lambda: [load_policy_toml(path, plugin="yzx")]))
    hooks.load()
    hooks.manager.register(plugin, name="yzx")
    yield path
    hooks.load()


def test_pin_keeps_rules_after_plugin_upgrade(app, tenant_a, upgradable) -> None:
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        pin = pinning.pin_policy(db.session, "yz_excerpt", {"max_total": 3000}, actor="tenant-a-admin")
        db.session.commit()
        assert pin.params["max_total"] == 3000 and pin.policy_version == "1"
        assert pinning.pending_upgrade(pin) is None

        # The plugin ships version 2: tighter practices limit, a new rule, a removed one.
        text = upgradable.read_text(encoding="utf-8")
        text = text.replace('version = "1"', 'version = "2"').replace("max = 1000\n", "max = 800\n", 1)
        text = text.replace(
            '[[rule]]\nid = "YZ-07"',
            '[[rule]]\nid = "YZ-04"\nkind = "placeholders"\n\n[[rule]]\nid = "YZ-07"',
        )
        upgradable.write_text(text, encoding="utf-8")

        # The pinned policy is unchanged...
        pinned = pinning.pinned_policy(pin)
        practices = next(r for r in pinned.rules if r.get("section") == "practices")
        assert practices.get("max") == 1000
        # ...and the admin sees exactly what would change.
        up = pinning.pending_upgrade(pin)
        assert up is not None and (up.from_version, up.to_version) == ("1", "2")
        described = [c.describe() for c in up.changes]
        assert "修改规则 YZ-04/length/practices：error max=1000 → error max=800" in described
        assert "新增规则 YZ-04/placeholders" in described

        with pytest.raises(ValidationFailed):
            pinning.apply_upgrade(db.session, pin, actor="tenant-a-admin", reason="  ")
        new = pinning.apply_upgrade(db.session, pin, actor="tenant-a-admin", reason="工委通知采用新版")
        db.session.commit()
        assert new.supersedes_id == pin.id and new.policy_version == "2"
        assert new.overrides == {"max_total": 3000}  # the tenant's choices carry over
        assert db.session.get(type(pin), pin.id) is not None  # the old pin stays visible
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "policy.upgrade")).one()
        assert (
            "1 → 2" in event.summary
            and "修改规则 YZ-04/length/practices：error max=1000 → error max=800" in event.after["changes"]
        )
        with pytest.raises(Conflict):
            pinning.apply_upgrade(db.session, new, actor="x", reason="again")


def test_pin_refuses_impossible_overrides(app, tenant_a, upgradable) -> None:  # clause YZ-04
    with app.app_context(), scoped(db.session, tenant_id=tenant_a["id"]):
        with pytest.raises(ValidationFailed) as exc:
            pinning.pin_policy(db.session, "yz_excerpt", {"max_total": 1200})
        assert "无法满足" in exc.value.message
        with pytest.raises(ValidationFailed) as exc:
            pinning.pin_policy(db.session, "yz_excerpt", {"max_total": 50})
        assert exc.value.errors == {"max_total": ["「全文字数上限」不能小于 1000"]}
