"""Reporters from posts and relations (issue 7 item 3): in whose name, how, and who is vacant."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import build, service
from shuzhi.cycles.models import Mode, Reporter, Selection, Subject
from shuzhi.cycles.stages import Step
from shuzhi.db import db
from shuzhi.errors import Conflict, Forbidden, ValidationFailed
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org, OrgKind, Post
from shuzhi.tenancy.models import Tenant

from .conftest import OPERATOR


def _reporters(campaign) -> list[Reporter]:
    return list(db.session.scalars(select(Reporter).where(Reporter.campaign_id == campaign.id)))


def _months_short(post: Post, year: int, months: int) -> bool:
    return build.short_in_post(post.start_date, date(year, 1, 1), date(year, 12, 31), months)


def test_suixi_short_tenure_reports_in_the_orgs_name(demo) -> None:
    # clauses SX-01 (< 6 months in post in 2023: reports in the organization's name) and
    # SX-10 (then the organization is evaluated)
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        reporters = _reporters(campaign)
        holders = orgs.holders(db.session, [r.org_id for r in reporters], date(2023, 12, 31))
        short = [r for r in reporters if _months_short(holders[r.org_id], 2023, 6)]
        assert short and len(short) < len(reporters)
        for r in reporters:
            post = holders[r.org_id]
            assert (r.person_id, r.post_id) == (post.person_id, post.id)
            assert r.tenure_days == orgs.tenure_days(post, date(2023, 1, 1), date(2023, 12, 31))
            if r in short:
                assert r.in_org_name and r.subject is Subject.ORG
                assert "以党组织名义述职" in r.note and "SX-01" in r.note
            else:
                assert not r.in_org_name and r.subject is Subject.PERSON and r.note == ""


def test_suixi_tenure_parameter_is_the_tenants(demo) -> None:
    # clause SX-01 with the tenant's override of min_tenure_months (the pinned parameter decides)
    sx = demo("suixi")
    with sx.scope():
        db.session.get(Tenant, sx.id).policy_choices = {"min_tenure_months": 1}
        db.session.commit()
    campaign = sx.open()
    with sx.scope():
        reporters = _reporters(campaign)
        holders = orgs.holders(db.session, [r.org_id for r in reporters], date(2023, 12, 31))
        for r in reporters:
            assert r.in_org_name == _months_short(holders[r.org_id], 2023, 1)
        assert sum(r.in_org_name for r in reporters) < sum(
            _months_short(holders[r.org_id], 2023, 6) for r in reporters
        )


def test_tongjia_all_21_report_on_site_and_new_ones_report_research(demo) -> None:
    # clauses TJ-01 (all 21 villages/communities, on site, to the town committee) and
    # TJ-05 (a secretary short in post reports for the organization: research and ideas)
    tj = demo("tongjia")
    campaign = tj.open()
    with tj.scope():
        reporters = _reporters(campaign)
        assert len(reporters) == 21
        assert {(r.mode, r.selection) for r in reporters} == {(Mode.ONSITE, Selection.ALL)}
        assert {r.review_id for r in reporters} == {service.root_review(db.session, campaign).id}
        new = [r for r in reporters if r.in_org_name]
        assert new
        for r in new:
            assert r.subject is Subject.ORG and "TJ-05" in r.note and "思路举措" in r.note


def test_genhe_two_branch_secretaries_on_site(demo) -> None:
    # clause GH-02: the first and second branch secretaries report on site to the 党总支
    gh = demo("genhe")
    campaign = gh.open()
    with gh.scope():
        reporters = _reporters(campaign)
        names = sorted(orgs.get_org(db.session, r.org_id).name for r in reporters)
        assert names == ["根河市市场监督管理局第一党支部", "根河市市场监督管理局第二党支部"]
        assert {r.mode for r in reporters} == {Mode.ONSITE}


def test_yongzhou_heads_of_units_without_party_group_report_in_writing(demo) -> None:
    # clause YZ-01: 党组/党委 secretaries and party-member heads of 正处级 units without one,
    # all in writing (the YZ-02 draw chooses eight for on site later)
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        reporters = _reporters(campaign)
        assert len(reporters) >= 30
        assert {(r.mode, r.selection) for r in reporters} == {(Mode.WRITTEN, Selection.DRAW)}
        kinds = {o.id: o.kind for o in db.session.scalars(select(Org))}
        units = [r for r in reporters if kinds[r.org_id] is OrgKind.UNIT]
        assert units
        for r in units:
            head = orgs.holder(db.session, r.org_id, date(2020, 12, 31), title="主要负责人")
            assert r.title == "主要负责人" and r.person_id == head.person_id
        assert all(r.title == "书记" for r in reporters if kinds[r.org_id] is not OrgKind.UNIT)
        # YZ has no "in the organization's name" clause: short tenure is noted, not applied
        short = [r for r in reporters if r.note]
        assert short and not any(r.in_org_name for r in reporters)
        assert all(r.subject is Subject.PERSON for r in reporters)


def test_jixian_every_secretary_reports_on_site(demo) -> None:
    # clause JX-01: all party-organization secretaries of the county (JX-06: mainly oral)
    jx = demo("jixian")
    campaign = jx.open()
    with jx.scope():
        reporters = _reporters(campaign)
        assert {r.mode for r in reporters} == {Mode.ONSITE}
        holders = orgs.holders(db.session, [r.org_id for r in reporters], date(2018, 12, 31))
        assert all(r.person_id == holders[r.org_id].person_id for r in reporters)


def test_suixi_named_list_mode_at_the_top_and_full_meetings_below(demo) -> None:
    # clauses SX-02 (a named list reports on site, the rest in writing) and SX-13 (the
    # sub-committees' own reviews meet in full)
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        for r in _reporters(campaign):
            if r.level == 1:
                assert (r.mode, r.selection) == (Mode.WRITTEN, Selection.NAMED)
            else:
                assert (r.mode, r.selection) == (Mode.ONSITE, Selection.ALL)


def test_vacant_post_is_flagged_and_the_org_reports(demo) -> None:
    tj = demo("tongjia")
    with tj.scope():
        village = orgs.children(db.session, orgs.roots(db.session)[0])[0]
        post = orgs.holder(db.session, village.id, date(2023, 12, 31))
        post.end_date = date(2023, 11, 30)
        db.session.commit()
    campaign = tj.open()
    with tj.scope():
        r = tj.reporter_of(campaign, village.name)
        assert r.vacant and r.person_id is None and r.subject is Subject.ORG
        assert "书记空缺" in r.note


def test_mode_change_is_an_audited_decision(demo) -> None:
    # clause CO-03: on site or in writing per reporter; a change is recorded, never silent
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        r = next(r for r in _reporters(campaign) if r.level == 1)
        with pytest.raises(ValidationFailed):
            service.set_mode(db.session, OPERATOR, r, Mode.ONSITE, reason=" ")
        with pytest.raises(Forbidden):
            service.set_mode(db.session, sx.who("reviewer"), r, Mode.ONSITE, reason="名单内")
        service.set_mode(db.session, sx.who("admin"), r, Mode.ONSITE, reason="列入现场述职名单（附件）")
        db.session.commit()
        assert (r.mode, r.selection) == (Mode.ONSITE, Selection.MANUAL)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reporter.mode"))
        assert event.before == {"mode": "written", "selection": "named"}
        assert event.after["reason"] == "列入现场述职名单（附件）"
        # once it has reported, the mode is history
        r.stage = Step.MEETING
        db.session.flush()
        with pytest.raises(Conflict):
            service.set_mode(db.session, OPERATOR, r, Mode.WRITTEN, reason="改为书面")
        db.session.rollback()
