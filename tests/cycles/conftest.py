"""Cycle-engine fixtures: the demo's tenants (shuzhi.demo, idempotent) and who acts in them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from shuzhi.cycles import access, service
from shuzhi.cycles.access import Who
from shuzhi.cycles.models import Campaign, Reporter
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.orgs.models import Org
from shuzhi.tenancy.models import Tenant, User
from shuzhi.tenancy.scope import scoped

#: The reporting year of each demo plan.
YEARS = {"jixian": 2018, "suixi": 2023, "tongjia": 2023, "genhe": 2023, "yongzhou": 2020}
OPERATOR = access.operator("test")


@dataclass
class DemoTenant:
    slug: str
    id: int
    year: int

    @contextmanager
    def scope(self) -> Iterator[Any]:
        with scoped(db.session, tenant_id=self.id) as session:
            yield session

    def who(self, role: str) -> Who:
        """The demo login ``<slug>-<role>`` acting in this tenant (admin, reviewer, secretary, observer)."""
        with scoped(db.session, platform=True):
            user = db.session.scalar(select(User).where(User.username == f"{self.slug}-{role}"))
        assert user is not None
        return access.for_user(user, self.id)

    def open(self, today: date | None = None, **kw: Any) -> Campaign:
        """Open the plan's year's campaign as the operator, committed."""
        with self.scope():
            campaign = service.open_campaign(
                db.session,
                OPERATOR,
                year=kw.pop("year", self.year),
                today=today or date(self.year, 12, 1),
                **kw,
            )
            db.session.commit()
            return campaign

    def org(self, name: str) -> Org:
        found = db.session.scalar(select(Org).where(Org.name == name))
        assert found is not None, name
        return found

    def org_by_code(self, code: str) -> Org:
        found = db.session.scalar(select(Org).where(Org.code == code))
        assert found is not None, code
        return found

    def reporter_of(self, campaign: Campaign, org_name: str) -> Reporter:
        org = self.org(org_name)
        found = db.session.scalar(
            select(Reporter).where(Reporter.campaign_id == campaign.id, Reporter.org_id == org.id)
        )
        assert found is not None, org_name
        return found


def set_stages(campaign: Campaign, items: Any, step: Any) -> None:
    """Test setup: put reporters or reviews at ``step`` directly, then recount the tallies
    (the service moves one at a time and keeps them; a shortcut must rebuild them)."""
    from shuzhi.cycles import tallies

    for item in items:
        item.stage = step
    db.session.flush()
    tallies.recount(db.session, campaign.tenant_id, campaign.id)


@pytest.fixture
def demo(app) -> Iterator[Callable[[str], DemoTenant]]:
    """``demo("jixian")`` builds that demo tenant (inside an app context kept for the test)."""
    with app.app_context():

        def make(slug: str) -> DemoTenant:
            build_demo(db.session, only=[slug])
            tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            return DemoTenant(slug, tid, YEARS[slug])

        yield make
