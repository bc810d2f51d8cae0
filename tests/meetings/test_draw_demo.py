"""永州's demo campaign is just after its public draw (issue 7 item 8; YZ-02, YZ-06)."""

from __future__ import annotations

from sqlalchemy import select

from shuzhi.cycles import service as cycles
from shuzhi.cycles.models import Mode, Reporter
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.meetings import algorithm
from shuzhi.meetings import service as draws
from shuzhi.meetings.demo import ONSITE_2019
from shuzhi.meetings.models import DrawStatus
from shuzhi.tenancy.models import Tenant
from shuzhi.tenancy.scope import scoped


def test_yongzhou_demo_has_a_confirmed_verifiable_draw(app) -> None:
    # clauses YZ-02 (8 drawn publicly, earlier on-site units and short tenure excluded), YZ-06 (mid-December)
    with app.app_context():
        build_demo(db.session, only=["yongzhou"], campaigns=True)
        build_demo(db.session, only=["yongzhou"], campaigns=True)  # idempotent
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "yongzhou"))
        with scoped(db.session, tenant_id=tid):
            campaign = cycles.campaign_for_year(db.session, 2020)
            history = draws.draws_of(db.session, campaign)
            assert len(history) == 1
            draw = history[0]
            assert draw.status is DrawStatus.CONFIRMED and len(draw.witnesses) == 2
            assert draw.drawn_at.date().isoformat() == "2020-12-16"
            reasons = {c["key"]: c["excluded"] for c in draw.candidates}
            assert all("2019" in reasons[k] for k in ONSITE_2019)
            assert sum(1 for r in reasons.values() if r.startswith("到岗不满")) == 4
            assert algorithm.verify(draws.public_record(draw)).ok
            onsite = db.session.scalars(
                select(Reporter).where(Reporter.campaign_id == campaign.id, Reporter.mode == Mode.ONSITE)
            ).all()
            assert len(onsite) == 8
