"""Stages as a state machine (issue 7 item 2): who moves what, guards, audit, reopening, rollups."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import service
from shuzhi.cycles.models import CampaignStatus, Mode, Reporter, Review
from shuzhi.cycles.stages import Step
from shuzhi.db import db
from shuzhi.errors import Conflict, Forbidden, ValidationFailed
from shuzhi.orgs.models import Org

from .conftest import OPERATOR, set_stages

TJ_DAY = date(2023, 12, 20)  # before TJ-02's 2024-01-05


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def _village(tj, campaign, code: str) -> Reporter:
    org = db.session.scalar(select(Org).where(Org.code == code))
    return db.session.scalar(
        select(Reporter).where(Reporter.campaign_id == campaign.id, Reporter.org_id == org.id)
    )


def test_tongjia_report_goes_through_the_area_leaders_review(demo) -> None:
    # clause TJ-02: the report reaches 党建办 after the 包片领导 reviewed it (pre-review step);
    # CO-02: a reviewer can return it with comments
    tj = demo("tongjia")
    campaign = tj.open(today=date(2023, 12, 1))
    secretary, reviewer = tj.who("secretary"), tj.who("reviewer")
    with tj.scope():
        assert campaign.steps[:4] == ["prepare", "drafting", "pre_review", "submitted"]
        mine = _village(tj, campaign, "C04")
        service.move_reporter(db.session, secretary, mine, Step.DRAFTING, today=TJ_DAY)
        service.move_reporter(db.session, secretary, mine, Step.PRE_REVIEW, today=TJ_DAY)
        # the writer cannot approve their own report
        with pytest.raises(Forbidden):
            service.move_reporter(db.session, secretary, mine, Step.SUBMITTED, today=TJ_DAY)
        # the area leader returns it with comments, then approves the revision
        with pytest.raises(ValidationFailed):
            service.move_reporter(db.session, reviewer, mine, Step.DRAFTING, reason="", today=TJ_DAY)
        service.move_reporter(
            db.session, reviewer, mine, Step.DRAFTING, reason="问题部分太简略", today=TJ_DAY
        )
        service.move_reporter(db.session, secretary, mine, Step.PRE_REVIEW, today=TJ_DAY)
        service.move_reporter(db.session, reviewer, mine, Step.SUBMITTED, today=TJ_DAY)
        db.session.commit()
        assert mine.stage is Step.SUBMITTED
        moves = [(e.before["stage"], e.after["stage"]) for e in _events("reporter.transition")]
        assert moves == [
            ("prepare", "drafting"),
            ("drafting", "pre_review"),
            ("pre_review", "drafting"),
            ("drafting", "pre_review"),
            ("pre_review", "submitted"),
        ]
        assert _events("reporter.transition")[2].after["reason"] == "问题部分太简略"


def test_scopes_secretary_only_own_reviewer_only_their_area(demo) -> None:
    tj = demo("tongjia")
    campaign = tj.open(today=date(2023, 12, 1))
    with tj.scope():
        other = _village(tj, campaign, "C10")  # outside the reviewer's C01–C07 and not the secretary's
        with pytest.raises(Forbidden) as err:
            service.move_reporter(db.session, tj.who("secretary"), other, Step.DRAFTING, today=TJ_DAY)
        assert "不在您负责的范围内" in err.value.message
        near = _village(tj, campaign, "C02")
        service.move_reporter(
            db.session, tj.who("secretary"), _village(tj, campaign, "C04"), Step.DRAFTING, today=TJ_DAY
        )
        service.move_reporter(db.session, OPERATOR, near, Step.DRAFTING, today=TJ_DAY)
        service.move_reporter(db.session, OPERATOR, near, Step.PRE_REVIEW, today=TJ_DAY)
        service.move_reporter(db.session, tj.who("reviewer"), near, Step.SUBMITTED, today=TJ_DAY)
        service.move_reporter(db.session, OPERATOR, other, Step.DRAFTING, today=TJ_DAY)
        service.move_reporter(db.session, OPERATOR, other, Step.PRE_REVIEW, today=TJ_DAY)
        with pytest.raises(Forbidden):
            service.move_reporter(db.session, tj.who("reviewer"), other, Step.SUBMITTED, today=TJ_DAY)


def test_no_skipping_steps(demo) -> None:
    tj = demo("tongjia")
    campaign = tj.open(today=date(2023, 12, 1))
    with tj.scope():
        r = _village(tj, campaign, "C04")
        with pytest.raises(ValidationFailed) as err:
            service.move_reporter(db.session, OPERATOR, r, Step.SUBMITTED, today=TJ_DAY)
        assert "只能从“准备”进入下一环节“撰写”" in err.value.message
        with pytest.raises(ValidationFailed) as err:
            service.move_reporter(db.session, OPERATOR, r, Step.RESEARCH, today=TJ_DAY)
        assert "没有“调研”这一环节" in err.value.message  # TJ's workflow has no research step


def test_moving_backwards_without_permission_is_refused_and_changes_nothing(demo) -> None:
    # issue 7 bad input: moving a stage backwards without permission
    tj = demo("tongjia")
    campaign = tj.open(today=date(2023, 12, 1))
    with tj.scope():
        r = _village(tj, campaign, "C04")
        for step in (Step.DRAFTING, Step.PRE_REVIEW, Step.SUBMITTED):
            service.move_reporter(db.session, OPERATOR, r, step, today=TJ_DAY)
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        for who in (tj.who("secretary"), tj.who("observer")):
            with pytest.raises(Forbidden) as err:
                service.move_reporter(db.session, who, r, Step.DRAFTING, reason="想改", today=TJ_DAY)
            assert "只有租户管理员可以把述职阶段往回退" in err.value.message
        with pytest.raises(Forbidden):  # a reviewer may return for revision, nothing further back
            service.move_reporter(
                db.session, tj.who("reviewer"), r, Step.PREPARE, reason="重来", today=TJ_DAY
            )
        # an admin may, with a reason
        with pytest.raises(ValidationFailed):
            service.move_reporter(db.session, tj.who("admin"), r, Step.PREPARE, reason="  ", today=TJ_DAY)
        db.session.rollback()
        assert db.session.get(Reporter, r.id).stage is Step.SUBMITTED
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
        service.move_reporter(
            db.session, tj.who("admin"), r, Step.PREPARE, reason="报告错交为去年版本", today=TJ_DAY
        )
        db.session.commit()
        last = _events("reporter.transition")[-1]
        assert (last.before, last.after) == (
            {"stage": "submitted"},
            {"stage": "prepare", "reason": "报告错交为去年版本"},
        )


def test_written_reporters_pass_the_meeting_by(demo) -> None:
    # clause CO-03: written reporters have no on-site step; YZ-01 all in writing
    yz = demo("yongzhou")
    campaign = yz.open(today=date(2020, 12, 1))
    day = date(2020, 12, 10)
    with yz.scope():
        r = db.session.scalars(select(Reporter).where(Reporter.campaign_id == campaign.id)).first()
        assert r.mode is Mode.WRITTEN
        for step in (Step.DRAFTING, Step.SUBMITTED):
            service.move_reporter(db.session, OPERATOR, r, step, today=day)
        with pytest.raises(ValidationFailed) as err:
            service.move_reporter(db.session, OPERATOR, r, Step.MEETING, today=day)
        assert "书面述职" in err.value.message
        service.move_reporter(db.session, OPERATOR, r, Step.EVALUATED, today=day)
        assert r.stage is Step.EVALUATED


def _advance_all(review: Review, step: Step) -> None:
    """Test setup: put a review's reporters at ``step`` directly."""
    campaign = service.get_campaign(db.session, review.campaign_id)
    set_stages(campaign, db.session.scalars(select(Reporter).where(Reporter.review_id == review.id)), step)


def test_review_waits_for_its_reporters_and_needs_a_meeting_date(demo) -> None:
    gh = demo("genhe")
    campaign = gh.open(today=date(2023, 12, 1))
    day = date(2024, 1, 10)
    with gh.scope():
        review = service.root_review(db.session, campaign)
        for step in (Step.DRAFTING, Step.PRE_REVIEW):
            service.move_review(db.session, OPERATOR, review, step, today=day)
        with pytest.raises(Conflict) as err:
            service.move_review(db.session, OPERATOR, review, Step.SUBMITTED, today=day)
        assert "还有 2 名述职人未到“已提交”环节" in err.value.message
        _advance_all(review, Step.SUBMITTED)
        service.move_review(db.session, OPERATOR, review, Step.SUBMITTED, today=day)
        with pytest.raises(ValidationFailed) as err:
            service.move_review(db.session, OPERATOR, review, Step.MEETING, today=day)
        assert "请先确定会议日期" in err.value.message
        service.set_meeting_date(db.session, OPERATOR, review, date(2024, 1, 20))
        service.move_review(db.session, OPERATOR, review, Step.MEETING, today=day)
        with pytest.raises(Forbidden):
            service.move_review(db.session, gh.who("reviewer"), review, Step.EVALUATED, today=day)


def test_rollup_counts_per_review(demo) -> None:
    # issue 7 item 1: each review rolls its progress up (submitted, reviewed, evaluated,
    # graded, rectification plans in); JX-04 nested
    jx = demo("jixian")
    campaign = jx.open()
    with jx.scope():
        root = service.root_review(db.session, campaign)
        town = next(r for r in service.child_reviews(db.session, root) if r.receiver_kind == "committee")
        villages = service.review_reporters(db.session, town)
        steps = [Step.SUBMITTED, Step.MEETING, Step.EVALUATED, Step.GRADED, Step.FILED]
        for r, step in zip(villages, steps, strict=False):
            set_stages(campaign, [r], step)
        own, sub = service.progress(db.session, campaign, [root, town], today=date(2018, 12, 1))
        t = own[town.id]
        n = len(villages)
        assert (t.total, t.submitted, t.reviewed, t.evaluated, t.graded, t.plans_in) == (n, 5, 4, 3, 2, 1)
        assert own[root.id].submitted == 0 and own[root.id].total == 14
        assert (
            sub[root.id].submitted == 5
            and sub[root.id].total == service.review_counts(db.session, campaign)["reporters"]
        )
        assert sub[root.id].reviews == 13 and sub[town.id].reviews == 1


def test_closing_is_bottom_up_and_reports_results_upward(demo) -> None:
    # clauses JX-04 (each committee reports its results to the 县委组织部), SX-14 (units report
    # how it went to the 工委 when done); closing the top review ends the campaign
    jx = demo("jixian")
    campaign = jx.open()
    day = date(2019, 1, 10)
    with jx.scope():
        root = service.root_review(db.session, campaign)
        organs = next(
            r
            for r in service.child_reviews(db.session, root)
            if r.receiver_org_id == jx.org("中共吉县县直机关工作委员会").id
        )
        systems = service.child_reviews(db.session, organs)
        for review in [organs, *systems]:
            _advance_all(review, Step.FILED)
        set_stages(campaign, [organs, *systems], Step.FILED)
        with pytest.raises(Conflict) as err:
            service.move_review(db.session, OPERATOR, organs, Step.CLOSED, today=day)
        assert "还有 4 个下级评议单元未结束并上报结果" in err.value.message
        for system in systems:
            service.move_review(db.session, OPERATOR, system, Step.CLOSED, today=day)
        service.move_review(db.session, OPERATOR, organs, Step.CLOSED, today=day)
        db.session.commit()
        assert organs.results["reporters"] == 4 and organs.results["subtree"]["total"] == 4 + sum(
            len(service.review_reporters(db.session, s)) for s in systems
        )
        assert {r.stage for r in service.review_reporters(db.session, organs)} == {Step.CLOSED}
        reports = _events("review.report_up")
        assert len(reports) == 5
        assert reports[-1].target_id == str(root.id)  # reported to the county committee's review
        assert "中共吉县县直机关工作委员会 报告述职评议结果" in reports[-1].summary
        assert "（报 中共吉县县委）" in reports[-1].summary
        # an admin can reopen with a reason; the report upward is withdrawn
        service.move_review(db.session, OPERATOR, organs, Step.FILED, reason="补充整改材料", today=day)
        assert organs.results is None
        # the top review closing ends the campaign
        service.move_review(db.session, OPERATOR, organs, Step.CLOSED, today=day)
        others = list(
            db.session.scalars(
                select(Review).where(
                    Review.campaign_id == campaign.id, Review.stage != Step.CLOSED, Review.id != root.id
                )
            )
        )
        for review in [*others, root]:
            _advance_all(review, Step.FILED)
        set_stages(campaign, others, Step.CLOSED)
        set_stages(campaign, [root], Step.FILED)
        service.move_review(db.session, OPERATOR, root, Step.CLOSED, today=day)
        assert campaign.status is CampaignStatus.CLOSED
        with pytest.raises(Conflict):
            service.move_review(db.session, OPERATOR, organs, Step.FILED, reason="太晚了", today=day)


def test_tallies_follow_every_move_and_recount_repairs_them(demo) -> None:
    # issue 7 item 1: the rolled-up counts the page reads agree with grouped counts of the rows
    from shuzhi.cycles import tallies

    jx = demo("jixian")
    campaign = jx.open()
    day = date(2018, 12, 1)
    with jx.scope():
        assert tallies.check(db.session, campaign.id)
        reporters = list(db.session.scalars(select(Reporter).where(Reporter.campaign_id == campaign.id)))
        for r in reporters[::3]:
            service.move_reporter(db.session, OPERATOR, r, Step.DRAFTING, today=day)
            service.move_reporter(db.session, OPERATOR, r, Step.SUBMITTED, today=day)
        for r in reporters[::6]:
            service.move_reporter(db.session, OPERATOR, r, Step.DRAFTING, reason="退回", today=day)
        town = next(
            r
            for r in db.session.scalars(
                select(Review).where(Review.campaign_id == campaign.id, Review.level == 2)
            )
        )
        service.move_review(db.session, OPERATOR, town, Step.DRAFTING, today=day)
        db.session.commit()
        assert tallies.check(db.session, campaign.id)
        _own, sub = service.progress(
            db.session, campaign, [service.root_review(db.session, campaign)], today=day
        )
        (root_sub,) = sub.values()
        assert root_sub.submitted == len(reporters[::3]) - len(reporters[::6])
        assert root_sub.by_stage["drafting"] == len(reporters[::6])
        # drift (rows edited past the service) is found and repaired
        reporters[1].stage = Step.GRADED
        db.session.flush()
        assert not tallies.check(db.session, campaign.id)
        tallies.recount(db.session, campaign.tenant_id, campaign.id)
        assert tallies.check(db.session, campaign.id)
