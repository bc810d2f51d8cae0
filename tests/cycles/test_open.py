"""Opening a campaign (issue 7 item 1): pinned policy, nested reviews, reporters in bulk, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import service
from shuzhi.cycles.models import Campaign, CampaignStatus, Deadline, Reporter, Review
from shuzhi.db import db
from shuzhi.errors import Conflict, ValidationFailed
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org, OrgKind, ReportingRelation
from shuzhi.policy.models import PolicyPin
from shuzhi.tenancy.models import Tenant

from .conftest import OPERATOR


def _counts() -> dict[str, int]:
    return {
        m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Campaign, Review, Reporter, Deadline, PolicyPin, AuditEvent)
    }


def test_campaign_pins_the_adopted_policy_with_overrides(demo) -> None:
    # clause CO-01: a cycle belongs to a year and a receiving body, under the pinned policy
    sx = demo("suixi")
    with sx.scope():
        tenant = db.session.get(Tenant, sx.id)
        tenant.policy_choices = {"min_tenure_months": 4}
        db.session.commit()
    campaign = sx.open()
    with sx.scope():
        pin = service.pin_of(db.session, campaign)
        assert (pin.policy_name, pin.overrides, pin.params["min_tenure_months"]) == (
            "suixi",
            {"min_tenure_months": 4},
            4,
        )
        assert campaign.receiver_org_id == orgs.roots(db.session)[0].id
        assert (campaign.year, campaign.period_start, campaign.period_end) == (
            2023,
            date(2023, 1, 1),
            date(2023, 12, 31),
        )
        assert campaign.status is CampaignStatus.OPEN
        assert campaign.title == "2023年度党组织书记抓基层党建工作述职评议考核"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.open"))
        assert event.after["reporters"] == service.review_counts(db.session, campaign)["reporters"]
        assert event.after["pin"] == pin.id


def test_jixian_reviews_nest_by_reporting_relations_not_the_tree(demo) -> None:
    # clauses JX-01, JX-02, JX-04: every secretary of the county, nested bottom-up by relations
    jx = demo("jixian")
    campaign = jx.open()
    with jx.scope():
        root = service.root_review(db.session, campaign)
        county = jx.org("中共吉县县委")
        assert root.receiver_org_id == county.id and root.level == 1 and root.parent_id is None
        levels = orgs.reporters_by_level(db.session, county, date(2018, 12, 31))
        reporters = list(db.session.scalars(select(Reporter).where(Reporter.campaign_id == campaign.id)))
        # JX-01: every org that reports, once, at its level
        assert sorted(r.org_id for r in reporters) == sorted(o.id for level in levels for o in level)
        assert {r.org_id: r.level for r in reporters} == {
            o.id: i + 1 for i, lv in enumerate(levels) for o in lv
        }
        # one review per receiving body with reporters, nested by the relations
        reviews = {
            r.receiver_org_id: r
            for r in db.session.scalars(select(Review).where(Review.campaign_id == campaign.id))
        }
        organs = jx.org("中共吉县县直机关工作委员会")
        system = jx.org("吉县教育系统党委")
        assert reviews[organs.id].parent_id == root.id and reviews[organs.id].level == 2
        assert reviews[system.id].parent_id == reviews[organs.id].id and reviews[system.id].level == 3
        assert (
            reviews[system.id].path
            == f"/{root.id}/{reviews[organs.id].id}/{system.id and reviews[system.id].id}/"
        )
        # JX-02: a bureau's 机关党支部 reports to its system, whatever the tree says
        branch = jx.reporter_of(campaign, "吉县教育科技局机关党支部")
        assert branch.review_id == reviews[system.id].id and branch.level == 3
        # bureaus without reporters of their own have no review
        bureau = jx.org("吉县教育科技局党组")
        assert bureau.id not in reviews
        assert len(reviews) == 1 + 5 + 3 + 4  # 县委, 5 乡镇党委, 3 工委, 4 系统党委(总支)


def test_suixi_sub_committees_get_their_own_reviews(demo) -> None:
    # clause SX-13: 机关党委 and 党总支 run their subordinates' cycles inside the 工委's (nested)
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        root = service.root_review(db.session, campaign)
        subs = service.child_reviews(db.session, root)
        names = {orgs.get_org(db.session, r.receiver_org_id).name for r in subs}
        assert {"中共遂溪县委机关党委", "遂溪县卫生健康局党总支"} <= names
        for sub in subs:
            assert sub.level == 2
            mine = service.review_reporters(db.session, sub)
            org = orgs.get_org(db.session, sub.receiver_org_id)
            assert sorted(r.org_id for r in mine) == sorted(
                o.id for o in orgs.reporters_to(db.session, org, date(2023, 12, 31))
            )


def test_yongzhou_unit_party_groups_nest_their_own_review(demo) -> None:
    # clause YZ-13: a unit's party group reports inside the unit each year (a nested review)
    yz = demo("yongzhou")
    with yz.scope():
        unit = db.session.scalars(
            select(Org).where(Org.kind == OrgKind.PARTY_GROUP).order_by(Org.code)
        ).first()
        for n in (1, 2):
            branch = orgs.create_org(
                db.session,
                code=f"{unit.code}-B{n}",
                name=f"{unit.name}机关第{n}党支部",
                kind=OrgKind.BRANCH,
                parent_id=unit.id,
            )
            orgs.add_relation(
                db.session, reporter_id=branch.id, receiver_id=unit.id, valid_from=date(2019, 1, 1)
            )
        db.session.commit()
    campaign = yz.open()
    with yz.scope():
        root = service.root_review(db.session, campaign)
        (inner,) = service.child_reviews(db.session, root)
        assert inner.receiver_org_id == unit.id and inner.level == 2
        assert len(service.review_reporters(db.session, inner)) == 2
        # the unit itself still reports to the 工委 in the top review
        assert yz.reporter_of(campaign, unit.name).review_id == root.id


def test_second_campaign_same_year_and_policy_is_409_and_changes_nothing(demo) -> None:
    # issue 7 bad input: opening a second campaign for the same year and policy
    tj = demo("tongjia")
    tj.open()
    with tj.scope():
        before = _counts()
        with pytest.raises(Conflict) as err:
            service.open_campaign(db.session, OPERATOR, year=2023, today=date(2023, 12, 2))
        db.session.rollback()
        assert err.value.status == 409
        assert "2023 年度已按“tongjia”方案开启过述职评议" in err.value.message
        assert _counts() == before


def test_relation_cycle_is_422_and_changes_nothing(demo) -> None:
    # issue 7 bad input: a reporting-relation cycle in the data (the orgs service refuses to
    # make one, so it is written past the service, as a bad import of old data could)
    gh = demo("genhe")
    with gh.scope():
        a = gh.org("根河市市场监督管理局第一党支部")
        b = gh.org("根河市市场监督管理局第二党支部")
        old = db.session.scalar(select(ReportingRelation).where(ReportingRelation.reporter_id == b.id))
        old.receiver_id = a.id
        db.session.add(ReportingRelation(reporter_id=a.id, receiver_id=b.id, valid_from=date(2021, 1, 1)))
        old_a = db.session.scalar(
            select(ReportingRelation).where(
                ReportingRelation.reporter_id == a.id, ReportingRelation.receiver_id != b.id
            )
        )
        db.session.delete(old_a)
        db.session.commit()
        before = _counts()
        with pytest.raises(ValidationFailed) as err:
            service.open_campaign(db.session, OPERATOR, year=2023, today=date(2023, 12, 2))
        db.session.rollback()
        assert err.value.status == 422
        assert (
            "述职关系存在循环" in err.value.message
            and a.name in err.value.message
            and b.name in err.value.message
        )
        assert _counts() == before


def test_bad_years_and_periods_are_422(demo) -> None:
    gh = demo("genhe")
    with gh.scope():
        for kw, field in (
            ({"year": 1999}, "year"),
            (
                {"year": 2023, "period_start": date(2023, 12, 31), "period_end": date(2023, 1, 1)},
                "period_end",
            ),
        ):
            with pytest.raises(ValidationFailed) as err:
                service.open_campaign(db.session, OPERATOR, **kw)
            assert field in err.value.errors
        db.session.rollback()
        assert _counts()["campaigns"] == 0


def test_tenant_without_policy_cannot_open(demo) -> None:
    gh = demo("genhe")
    with gh.scope():
        db.session.get(Tenant, gh.id).policy_name = ""
        db.session.commit()
        with pytest.raises(ValidationFailed) as err:
            service.open_campaign(db.session, OPERATOR, year=2023)
        assert "请先在“述职方案”页面选择" in err.value.message


def test_another_years_campaign_shifts_the_plans_dates(demo) -> None:
    # clause SX-03: the plan's 2024-01-22 is for its 2023 cycle; a 2024 campaign gets 2025-01-22
    sx = demo("suixi")
    campaign = sx.open(year=2024, today=date(2024, 12, 1))
    with sx.scope():
        submit = next(d for d in service.deadlines(db.session, campaign) if d.key == "submit")
        assert (submit.policy_spec, submit.spec) == ("2024-01-22", "2025-01-22")


def test_only_admins_open(demo) -> None:
    tj = demo("tongjia")
    with tj.scope():
        for role in ("secretary", "reviewer", "observer"):
            with pytest.raises(Exception) as err:
                service.open_campaign(db.session, tj.who(role), year=2023)
            assert getattr(err.value, "status", None) == 403
        assert _counts()["campaigns"] == 0
