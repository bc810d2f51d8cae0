"""Deadlines and the timeline (issue 7 item 5): locks, extensions, staging, overdue, working days."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import service
from shuzhi.cycles.calendar import (
    add_months,
    add_working_days,
    describe_spec,
    is_working_day,
    uncovered_years,
)
from shuzhi.cycles.models import Deadline, Reporter, Review
from shuzhi.cycles.stages import Step
from shuzhi.db import db
from shuzhi.errors import Conflict, Forbidden, ValidationFailed

from .conftest import OPERATOR, set_stages


def _deadline(campaign, key: str) -> Deadline:
    return db.session.scalar(select(Deadline).where(Deadline.campaign_id == campaign.id, Deadline.key == key))


def _first(campaign, **where) -> Reporter:
    stmt = select(Reporter).where(Reporter.campaign_id == campaign.id).order_by(Reporter.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(Reporter, k) == v)
    return db.session.scalars(stmt).first()


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_suixi_late_submit_is_locked_unless_extended(demo) -> None:
    # clause SX-03: all written reports by 2024-01-22; issue 7 bad input: late submit after
    # the deadline without an extension; an admin's extension with a reason, audited
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        r = _first(campaign, level=1)
        service.move_reporter(db.session, OPERATOR, r, Step.DRAFTING, today=date(2024, 1, 2))
        service.move_reporter(
            db.session, OPERATOR, r, Step.SUBMITTED, today=date(2024, 1, 22)
        )  # on the day: fine
        service.move_reporter(db.session, OPERATOR, r, Step.DRAFTING, reason="重交", today=date(2024, 1, 22))
        db.session.commit()
        before = _audit_count()
        with pytest.raises(Conflict) as err:
            service.move_reporter(db.session, OPERATOR, r, Step.SUBMITTED, today=date(2024, 1, 23))
        assert err.value.status == 409
        assert (
            "「提交书面述职材料（签字盖章，电子版发县直工委邮箱）」的截止日期 2024-01-22 已过"
            in err.value.message
        )
        assert "请管理员为该述职人办理延期" in err.value.message
        db.session.rollback()
        assert db.session.get(Reporter, r.id).stage is Step.DRAFTING and _audit_count() == before

        # extensions: admins only, with a reason, after the original date
        with pytest.raises(Forbidden):
            service.grant_extension(
                db.session, sx.who("reviewer"), r, Step.SUBMITTED, date(2024, 1, 26), reason="病假"
            )
        with pytest.raises(ValidationFailed):
            service.grant_extension(db.session, OPERATOR, r, Step.SUBMITTED, date(2024, 1, 26), reason=" ")
        with pytest.raises(ValidationFailed):
            service.grant_extension(db.session, OPERATOR, r, Step.SUBMITTED, date(2024, 1, 20), reason="病假")
        with pytest.raises(ValidationFailed):  # no deadline guards the meeting for a reporter
            service.grant_extension(db.session, OPERATOR, r, Step.MEETING, date(2024, 3, 1), reason="病假")
        service.grant_extension(
            db.session, OPERATOR, r, Step.SUBMITTED, date(2024, 1, 26), reason="书记住院，延期4天"
        )
        db.session.commit()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reporter.extension"))
        assert event.after["until"] == "2024-01-26" and event.after["reason"] == "书记住院，延期4天"
        # another reporter is still locked; this one may submit until the 26th
        other = _first(campaign, level=1, stage=Step.PREPARE)
        service.move_reporter(db.session, OPERATOR, other, Step.DRAFTING, today=date(2024, 1, 23))
        with pytest.raises(Conflict):
            service.move_reporter(db.session, OPERATOR, other, Step.SUBMITTED, today=date(2024, 1, 23))
        service.move_reporter(db.session, OPERATOR, r, Step.SUBMITTED, today=date(2024, 1, 26))
        assert r.stage is Step.SUBMITTED


def test_tongjia_submit_by_jan_5(demo) -> None:
    # clause TJ-02: the electronic report (after the 包片领导's review) is due 2024-01-05
    tj = demo("tongjia")
    campaign = tj.open()
    with tj.scope():
        assert _deadline(campaign, "submit").spec == "2024-01-05"
        r = _first(campaign)
        for step in (Step.DRAFTING, Step.PRE_REVIEW):
            service.move_reporter(db.session, OPERATOR, r, step, today=date(2024, 1, 4))
        with pytest.raises(Conflict) as err:
            service.move_reporter(db.session, OPERATOR, r, Step.SUBMITTED, today=date(2024, 1, 6))
        assert "2024-01-05 已过" in err.value.message


def test_genhe_review_before_the_meeting_and_all_done_by_jan_31(demo) -> None:
    # clauses GH-01 (reports go to the 党总支 for review before the meeting; everything done by
    # 2024-01-31) and GH-11 (the bundle filed by 2024-02-09)
    gh = demo("genhe")
    campaign = gh.open()
    with gh.scope():
        review = service.root_review(db.session, campaign)
        r = _first(campaign)
        service.move_reporter(db.session, OPERATOR, r, Step.DRAFTING, today=date(2024, 1, 2))
        # no meeting date yet: the pre-review has no date to miss
        assert service.reporter_lock(db.session, r, Step.PRE_REVIEW, today=date(2024, 1, 25)) is None
        service.set_meeting_date(db.session, OPERATOR, review, date(2024, 1, 20))
        with pytest.raises(Conflict) as err:
            service.move_reporter(db.session, OPERATOR, r, Step.PRE_REVIEW, today=date(2024, 1, 21))
        assert "「述职报告报党总支审核把关（会议召开前）」的截止日期 2024-01-20 已过" in err.value.message
        assert (
            _deadline(campaign, "complete").spec == "2024-01-31"
            and _deadline(campaign, "file").spec == "2024-02-09"
        )
        roll = service.rollup(db.session, campaign, today=date(2024, 2, 1))
        assert roll.own([review])[review.id].reviews_overdue == 1  # not graded by 01-31
        assert (
            service.rollup(db.session, campaign, today=date(2024, 1, 31))
            .own([review])[review.id]
            .reviews_overdue
            == 0
        )


def test_yongzhou_report_by_dec_15_and_rectification_within_a_month_of_the_meeting(demo) -> None:
    # clauses YZ-05 (paper and electronic report by 2020-12-15) and YZ-12 (the rectification
    # plan within one month after the meeting: a deadline relative to the review's meeting)
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        review = service.root_review(db.session, campaign)
        assert _deadline(campaign, "submit").spec == "2020-12-15"
        assert _deadline(campaign, "rectify").spec == "meeting+1m"
        r = _first(campaign)
        service.move_reporter(db.session, OPERATOR, r, Step.DRAFTING, today=date(2020, 12, 1))
        with pytest.raises(Conflict):
            service.move_reporter(db.session, OPERATOR, r, Step.SUBMITTED, today=date(2020, 12, 16))
        service.move_reporter(db.session, OPERATOR, r, Step.SUBMITTED, today=date(2020, 12, 15))
        for step in (Step.EVALUATED, Step.GRADED, Step.RECTIFICATION):
            service.move_reporter(db.session, OPERATOR, r, step, today=date(2021, 2, 20))
        # no meeting date yet: no date to miss
        assert service.reporter_lock(db.session, r, Step.FILED, today=date(2021, 3, 1)) is None
        service.set_meeting_date(db.session, OPERATOR, review, date(2021, 1, 8))
        rows = {d["key"]: d for d in service.reporter_deadlines(db.session, r, today=date(2021, 2, 1))}
        assert rows["rectify"]["due"] == date(2021, 2, 8) and rows["rectify"]["days_left"] == 7
        assert rows["rectify"]["reminders"] == [
            date(2021, 2, 1),
            date(2021, 2, 7),
        ]  # CO-06: [7, 1] days before
        with pytest.raises(Conflict) as err:
            service.move_reporter(db.session, OPERATOR, r, Step.FILED, today=date(2021, 2, 9))
        assert "2021-02-08 已过" in err.value.message
        service.move_reporter(db.session, OPERATOR, r, Step.FILED, today=date(2021, 2, 8))


def test_overdue_flags_after_each_deadline(demo) -> None:
    # clause CO-06: every deadline has reminders before it and a flag after it
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        root = service.root_review(db.session, campaign)
        total = service.review_counts(db.session, campaign)["reporters"]
        assert _deadline(campaign, "submit").reminders == [7, 3, 1]
        r = _first(campaign, level=1)
        before = service.rollup(db.session, campaign, today=date(2024, 1, 22)).subtree([root])[root.id]
        after = service.rollup(db.session, campaign, today=date(2024, 1, 23)).subtree([root])[root.id]
        assert (before.overdue, after.overdue) == (0, total)
        rows = service.reporter_deadlines(db.session, r, today=date(2024, 1, 23))
        assert [(d["key"], d["overdue"], d["locked"]) for d in rows] == [("submit", True, True)]
        # an extension takes the reporter off the overdue list while it runs
        service.grant_extension(db.session, OPERATOR, r, Step.SUBMITTED, date(2024, 1, 30), reason="借调外出")
        roll = service.rollup(db.session, campaign, today=date(2024, 1, 23))
        assert roll.subtree([root])[root.id].overdue == total - 1
        assert roll.own([root])[root.id].overdue == len(service.review_reporters(db.session, root)) - 1
        assert service.reporter_deadlines(db.session, r, today=date(2024, 1, 23))[0]["overdue"] is False
        # a submitted reporter is not overdue
        set_stages(campaign, [r], Step.SUBMITTED)
        assert (
            service.rollup(db.session, campaign, today=date(2024, 2, 1)).subtree([root])[root.id].overdue
            == total - 1
        )


def test_jixian_bottom_up_staged_deadlines(demo) -> None:
    # clause JX-04: 县直系统党委(总支) and 乡镇党委 finish by 2018-12-25; 县直工委, 社区工委, 非公工委 by
    # 2019-01-15; each committee reports its results by 2019-01-20; every level by end of January
    jx = demo("jixian")
    campaign = jx.open()
    with jx.scope():
        root = service.root_review(db.session, campaign)
        reviews = list(db.session.scalars(select(Review).where(Review.campaign_id == campaign.id)))
        tline = service.timeline(db.session, campaign)

        def graded_due(review: Review) -> date | None:
            due = tline.guard(Step.GRADED, service.Scope.REVIEW, review.level, review.receiver_kind)
            return due.due if due else None

        name = {r.id: service.orgs.get_org(db.session, r.receiver_org_id).name for r in reviews}
        for review in reviews:
            n = name[review.id]
            expected = (
                date(2019, 1, 31)
                if review.level == 1
                else date(2018, 12, 25)
                if review.level == 3 or n.endswith(("镇党委", "乡党委"))
                else date(2019, 1, 15)
            )
            assert graded_due(review) == expected, n
            closed = tline.guard(Step.CLOSED, service.Scope.REVIEW, review.level, review.receiver_kind)
            assert (closed.due if closed else None) == (None if review.level == 1 else date(2019, 1, 20))

        def overdue(day: date) -> int:
            return service.rollup(db.session, campaign, today=day).subtree([root])[root.id].reviews_overdue

        assert overdue(date(2018, 12, 25)) == 0
        assert overdue(date(2018, 12, 26)) == 4 + 5  # the systems and the townships
        assert overdue(date(2019, 1, 16)) == 12  # and the three working committees
        assert overdue(date(2019, 2, 1)) == 13  # and the county
        # a township that finished on time is not overdue for grading, but is for reporting up
        town = next(r for r in reviews if name[r.id].endswith("镇党委"))
        set_stages(campaign, [town], Step.GRADED)
        assert overdue(date(2018, 12, 26)) == 8
        assert overdue(date(2019, 1, 21)) == 12


def test_deadline_after_the_next_stages_is_422_and_changes_nothing(demo) -> None:
    # issue 7 bad input: a deadline set after the next stage's
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        before = _audit_count()
        with pytest.raises(ValidationFailed) as err:
            service.set_deadline(db.session, OPERATOR, campaign, "submit", "2024-02-15", reason="推迟")
        assert err.value.status == 422
        assert (
            "「提交书面述职材料（签字盖章，电子版发县直工委邮箱）」的截止日期 2024-02-15 晚于下一阶段「现场述职评议（2月上旬）」的截止日期 2024-02-10"
            in err.value.message
        )
        with pytest.raises(ValidationFailed) as err:
            service.set_deadline(db.session, OPERATOR, campaign, "submit", "next tuesday")
        assert "deadline" in err.value.errors
        db.session.rollback()
        assert _deadline(campaign, "submit").spec == "2024-01-22" and _audit_count() == before
        # a valid change is kept, with who and why, and audited
        service.set_deadline(
            db.session, sx.who("admin"), campaign, "submit", date(2024, 1, 26), reason="春节前统一收齐"
        )
        db.session.commit()
        row = _deadline(campaign, "submit")
        assert (row.spec, row.policy_spec, row.adjusted_by, row.adjusted_reason) == (
            "2024-01-26",
            "2024-01-22",
            "suixi-admin",
            "春节前统一收齐",
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.deadline"))
        assert (event.before, event.after["spec"]) == ({"spec": "2024-01-22"}, "2024-01-26")
        with pytest.raises(Forbidden):
            service.set_deadline(db.session, sx.who("secretary"), campaign, "submit", "2024-01-25")


def test_jixian_sub_reviews_cannot_end_after_their_parents(demo) -> None:
    # clause JX-04 bottom-up: a sub-review's deadline after its parent's, or results due before grading
    jx = demo("jixian")
    campaign = jx.open()
    with jx.scope():
        # the systems (level 3) finishing after the 县直工委 (level 2) that they report to
        with pytest.raises(ValidationFailed) as err:
            service.set_deadline(db.session, OPERATOR, campaign, "system_committees", "2019-01-17")
        assert (
            "下级的「县直系统党委（总支）完成所属党组织书记述职评议」截止日期 2019-01-17" in err.value.message
        )
        assert "述职评议应自下而上完成" in err.value.message
        with pytest.raises(ValidationFailed) as err:
            service.set_deadline(db.session, OPERATOR, campaign, "results", "2019-01-10")
        assert (
            "晚于下一阶段「各党委（工委）、党总支将述职评议情况报告和评议结果报县委组织部」"
            in err.value.message
        )
        service.set_deadline(db.session, OPERATOR, campaign, "townships", "2019-01-05")


def test_meeting_date_before_the_submit_deadline_is_422(demo) -> None:
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        root = service.root_review(db.session, campaign)
        with pytest.raises(ValidationFailed) as err:
            service.set_meeting_date(db.session, OPERATOR, root, date(2024, 1, 15))
        assert "晚于下一阶段「述职评议会议」的截止日期 2024-01-15" in err.value.message
        service.set_meeting_date(db.session, OPERATOR, root, date(2024, 2, 5))
        assert root.meeting_date == date(2024, 2, 5)


def test_working_day_deadlines_skip_holidays(demo) -> None:
    # issue 7 item 5: working-day deadlines skip Chinese public holidays (data file)
    gh = demo("genhe")
    campaign = gh.open()
    with gh.scope():
        review = service.root_review(db.session, campaign)
        service.set_deadline(
            db.session, OPERATOR, campaign, "rectify", "meeting+3wd", reason="会后三个工作日"
        )
        service.set_meeting_date(db.session, OPERATOR, review, date(2024, 1, 26))  # a Friday
        r = _first(campaign)
        rows = {d["key"]: d for d in service.reporter_deadlines(db.session, r, today=date(2024, 1, 26))}
        assert rows["rectify"]["due"] == date(2024, 1, 31)  # Mon 29, Tue 30, Wed 31
    assert describe_spec("meeting+3wd") == "会议后 3 个工作日"
    assert describe_spec("meeting+1m") == "会议后 1 个月"


def test_calendar() -> None:
    # Spring Festival 2024 (02-10..17 off) with Sunday 02-18 a make-up working day
    assert add_working_days(date(2024, 2, 9), 1) == date(2024, 2, 18)
    assert is_working_day(date(2024, 2, 18)) and not is_working_day(date(2024, 2, 12))
    # National Day 2023 (09-29..10-06) with Saturday 10-07 worked
    assert add_working_days(date(2023, 9, 28), 1) == date(2023, 10, 7)
    # 2020's Spring Festival extended to 02-02
    assert add_working_days(date(2020, 1, 23), 1) == date(2020, 2, 3)
    # an ordinary weekend, backwards too
    assert add_working_days(date(2024, 3, 1), 1) == date(2024, 3, 4)
    assert add_working_days(date(2024, 3, 4), -1) == date(2024, 3, 1)
    assert add_working_days(date(2024, 2, 10), 0) == date(2024, 2, 18)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2020, 12, 15), 1) == date(2021, 1, 15)
    assert uncovered_years(date(2018, 1, 1), date(2026, 12, 31), date(2027, 1, 4)) == [2027]
