"""Report versions and review (issue 6 item 6) on PostgreSQL: drafts, frozen submits with a
content hash, findings that block, the engine's deadline lock, pre-review steps per plan,
seal attestation, 核查组 guidance, co-authors and reviewers, comments, return, approve, diff."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import service as cycles
from shuzhi.cycles import tallies
from shuzhi.cycles.models import ReporterTally
from shuzhi.cycles.stages import Step
from shuzhi.db import db
from shuzhi.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shuzhi.reports import service
from shuzhi.reports.models import (
    CommentKind,
    FrozenVersionError,
    MemberRole,
    ReportStatus,
    ReportVersion,
    VersionKind,
)
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, User
from shuzhi.tenancy.scope import scoped
from tests.cycles import conftest as cycles_conftest
from tests.cycles.conftest import OPERATOR
from tests.reports.review_kit import BEFORE, PDF, report_for, reporter_at, tongjia_text, yongzhou_text

#: The demo tenants' fixture of the cycle-engine tests.
demo = cycles_conftest.demo
TJ = BEFORE["tongjia"]


def _tally_snapshot(campaign_id: int) -> list[tuple[int, int, str, int]]:
    rows = db.session.execute(
        select(ReporterTally.review_id, ReporterTally.level, ReporterTally.stage, ReporterTally.n)
        .where(ReporterTally.campaign_id == campaign_id, ReporterTally.n != 0)
        .order_by(ReporterTally.review_id, ReporterTally.level, ReporterTally.stage)
    ).all()
    return [(a, b, str(c), d) for a, b, c, d in rows]


def test_draft_autosave_then_frozen_submit_with_hash(demo) -> None:
    # clause CO-02: drafts are versioned (autosave rewrites the latest draft), a submitted
    # version is frozen with a SHA-256 of its content, the findings are stored with it
    tj = demo("tongjia")
    campaign = tj.open()
    sec = tj.who("secretary")
    with tj.scope():
        report = report_for(tj, "C04")
        first = service.save_draft(db.session, report, "草稿", user=sec)
        again = service.save_draft(db.session, report, tongjia_text(), user=sec)
        assert first.id == again.id and again.number == 1  # autosave keeps one draft
        assert reporter_at("C04", tj).stage is Step.DRAFTING  # moved by the engine
        version = service.submit(db.session, report, user=sec, today=TJ)
        db.session.commit()
        assert version.kind is VersionKind.SUBMITTED and version.number == 1
        assert version.content_hash == service.content_hash(version.text, version.corrections, None)
        assert len(version.content_hash) == 64
        assert version.errors == 0 and version.check["findings"]  # stored with the version
        assert {f["rule_id"] for f in version.check["findings"]} >= {"TJ-04", "TJ-06"}
        # frozen: no code path may change it
        version.text = "改过的文字"
        with pytest.raises(FrozenVersionError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(FrozenVersionError):
            db.session.delete(db.session.get(ReportVersion, version.id))
            db.session.flush()
        db.session.rollback()
        # waiting for the reviewer: no more edits, no second submit
        report = service.get_report(db.session, report.id)
        with pytest.raises(Conflict):
            service.save_draft(db.session, report, "再改", user=sec)
        with pytest.raises(Conflict):
            service.submit(db.session, report, user=sec, today=TJ)
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_type == "reports")
        ).all()
        assert "report.submit" in events
        assert campaign.id == report.campaign_id


def test_error_findings_block_submit_and_nothing_is_written(demo) -> None:
    # clause CO-02 with TJ-04 (必答题, error): an error-level finding blocks the submit;
    # warnings (TJ-06) never do
    tj = demo("tongjia")
    tj.open()
    sec = tj.who("secretary")
    with tj.scope():
        report = report_for(tj, "C04")
        service.save_draft(db.session, report, "一、主要做法及成效\n我们开展了一些工作。", user=sec)
        db.session.commit()
        stage_before = reporter_at("C04", tj).stage
        with pytest.raises(ValidationFailed) as err:
            service.submit(db.session, report, user=sec, today=TJ)
        # the editor's word (须修改) for what blocks, not 错误
        assert "项须修改后才能提交" in err.value.message and "错误" not in err.value.message
        assert "TJ-04" in err.value.message
        assert all(f["severity"] == "error" for f in err.value.errors["findings"])
        db.session.rollback()
        report = service.get_report(db.session, report.id)
        assert report.status is ReportStatus.DRAFT
        assert [v.kind for v in service.versions(db.session, report)] == [VersionKind.DRAFT]
        assert reporter_at("C04", tj).stage is stage_before


def test_submit_after_the_deadline_is_locked_unless_extended(demo) -> None:
    # clause CO-02 with TJ-02's deadline (2024-01-05): the engine's lock refuses the submit;
    # an admin's extension for this reporter opens it again
    tj = demo("tongjia")
    tj.open()
    sec = tj.who("secretary")
    late = date(2024, 1, 8)
    with tj.scope():
        report = report_for(tj, "C04")
        service.save_draft(db.session, report, tongjia_text(), user=sec)
        db.session.commit()
        with pytest.raises(Conflict) as err:
            service.submit(db.session, report, user=sec, today=late)
        assert "2024-01-05" in err.value.message and "延期" in err.value.message
        db.session.rollback()
        report = service.get_report(db.session, report.id)
        assert report.status is ReportStatus.DRAFT
        reporter = reporter_at("C04", tj)
        cycles.grant_extension(
            db.session, OPERATOR, reporter, Step.SUBMITTED, date(2024, 1, 12), reason="生病"
        )
        version = service.submit(db.session, report, user=sec, today=late)
        assert version.kind is VersionKind.SUBMITTED
        # the 包片领导's approval moves it to "submitted": within the extension, accepted
        service.approve(db.session, report, user=tj.who("reviewer"), today=late)
        assert reporter_at("C04", tj).stage is Step.SUBMITTED


def test_tongjia_pre_review_by_the_area_leader_keeps_tallies_right(demo) -> None:
    # clause TJ-02: the report reaches the 党建办 only after the 包片领导 has reviewed it:
    # submitting sends it to pre-review, the reviewer's approval makes it submitted
    tj = demo("tongjia")
    campaign = tj.open()
    sec, rev = tj.who("secretary"), tj.who("reviewer")
    with tj.scope():
        report = report_for(tj, "C04")
        req = service.requirements(db.session, report)
        assert req.pre_review == "述职报告报包片领导审核" and req.pre_review_clause == "TJ-02"
        service.save_draft(db.session, report, tongjia_text(), user=sec)
        service.submit(db.session, report, user=sec, today=TJ)
        assert report.status is ReportStatus.PRE_REVIEW
        assert reporter_at("C04", tj).stage is Step.PRE_REVIEW
        decision = service.approve(db.session, report, user=rev, today=TJ)
        assert decision.step == "pre_review" and report.status is ReportStatus.SUBMITTED
        assert reporter_at("C04", tj).stage is Step.SUBMITTED
        db.session.commit()
        kept = _tally_snapshot(campaign.id)
        tallies.recount(db.session, campaign.tenant_id, campaign.id)
        assert _tally_snapshot(campaign.id) == kept  # the moves kept the tallies exact
        # the secretary cannot approve their own report
        with pytest.raises(Forbidden):
            service.approve(db.session, report, user=sec, today=TJ)


def test_genhe_pre_review_by_the_general_branch(demo) -> None:
    # clause GH-01: 述职报告要在会议召开前报党总支审核把关
    gh = demo("genhe")
    gh.open()
    with gh.scope():
        report = report_for(gh, "ZB1")
        req = service.requirements(db.session, report)
        assert (
            req.pre_review is not None and "党总支审核" in req.pre_review and req.pre_review_clause == "GH-01"
        )
        assert not req.seal


def test_yongzhou_seal_attested_by_the_party_group_with_the_scan(demo) -> None:
    # clause YZ-05: 经党组（党委）讨论通过盖章后 — who attests, the stamped copy's scan attached,
    # both frozen into the submitted version and its hash
    yz = demo("yongzhou")
    yz.open()
    sec = yz.who("secretary")
    with yz.scope():
        report = report_for(yz, "U08")
        req = service.requirements(db.session, report)
        assert req.seal and req.seal_clause == "YZ-05" and req.approving_body == "党组（党委）"
        assert req.pre_review is None
        service.save_draft(db.session, report, yongzhou_text(), user=sec)
        with pytest.raises(ValidationFailed) as err:
            service.submit(db.session, report, user=sec, today=BEFORE["yongzhou"])
        assert "党组（党委）讨论通过并盖章" in err.value.message
        scan = service.add_attachment(
            db.session, report, user=sec, kind="scan", filename="盖章件.pdf", data=PDF
        )
        with pytest.raises(ValidationFailed):
            service.attest(db.session, report, user=sec, name="", attachment_id=scan.id)
        service.attest(
            db.session, report, user=sec, name="王五（党组成员）", body="局党组", on=date(2020, 12, 10),
            attachment_id=scan.id,
        )  # fmt: skip
        version = service.submit(db.session, report, user=sec, today=BEFORE["yongzhou"])
        assert (
            version.attestation["name"] == "王五（党组成员）"
            and version.attestation["attachment_id"] == scan.id
        )
        assert version.content_hash == service.content_hash(
            version.text, version.corrections, version.attestation
        )
        assert service.get_attachment(db.session, report, scan.id).version_id == version.id
        with pytest.raises(Conflict):  # submitted with the version: kept
            service.delete_attachment(db.session, report, scan.id, user=sec)


def test_yongzhou_verification_group_guidance_notes(demo) -> None:
    # clause YZ-06: the 核查组 guides the revision of the report: guidance notes on paragraphs,
    # then a return for revision
    yz = demo("yongzhou")
    yz.open()
    sec, rev = yz.who("secretary"), yz.who("reviewer")
    with yz.scope():
        report = report_for(yz, "U08")
        assert service.requirements(db.session, report).verification_clause == "YZ-06"
        service.save_draft(db.session, report, yongzhou_text(), user=sec)
        scan = service.add_attachment(
            db.session, report, user=sec, kind="scan", filename="scan.pdf", data=PDF
        )
        service.attest(db.session, report, user=sec, name="王五", attachment_id=scan.id)
        version = service.submit(db.session, report, user=sec, today=BEFORE["yongzhou"])
        paras = service.paragraphs(version.text)
        note = service.add_comment(
            db.session, report, user=rev, body="请补充党组研究党建工作的次数", paragraph=5, kind="guidance"
        )
        assert note.kind is CommentKind.GUIDANCE and note.excerpt == paras[5][:40]
        service.return_report(db.session, report, user=rev, note="按核查组意见修改")
        assert report.status is ReportStatus.RETURNED


def test_suixi_signed_and_stamped_copy(demo) -> None:
    # clause SX-03: 党组织书记签字，并加盖党组织公章: the scan is required before submitting
    sx = demo("suixi")
    sx.open()
    with sx.scope():
        report = report_for(sx, "ZB01")
        req = service.requirements(db.session, report)
        assert req.seal and req.signed and req.seal_clause == "SX-03" and req.approving_body is None


def test_return_with_anchored_comments_resubmit_and_diff(demo) -> None:
    # clause CO-02: reviewers return with comments anchored to paragraphs (index + quoted
    # words); the secretary re-submits a new version; the diff shows what changed
    tj = demo("tongjia")
    tj.open()
    sec, rev = tj.who("secretary"), tj.who("reviewer")
    with tj.scope():
        report = report_for(tj, "C04")
        service.save_draft(db.session, report, tongjia_text(), user=sec)
        v1 = service.submit(db.session, report, user=sec, today=TJ)
        paras = service.paragraphs(v1.text)
        quote = paras[4][2:10]
        with pytest.raises(ValidationFailed):  # the quoted words are not in that paragraph
            service.add_comment(db.session, report, user=rev, body="?", paragraph=3, excerpt="不存在的话")
        with pytest.raises(ValidationFailed):  # no such paragraph
            service.add_comment(db.session, report, user=rev, body="?", paragraph=len(paras))
        with pytest.raises(ValidationFailed):  # a return needs its reason
            service.return_report(db.session, report, user=rev, note=" ")
        service.return_report(
            db.session,
            report,
            user=rev,
            note="请补充具体数据",
            comments=[{"paragraph": 4, "excerpt": quote, "body": "这里要写具体人数"}],
        )
        assert report.status is ReportStatus.RETURNED and reporter_at("C04", tj).stage is Step.DRAFTING
        (comment,) = service.comments(db.session, report)
        assert (comment.paragraph, comment.excerpt, comment.version_id) == (4, quote, v1.id)
        changed = tongjia_text().replace(paras[4], paras[4] + "全年发展党员3名，培养入党积极分子5名。")
        v2 = service.save_draft(db.session, report, changed, user=sec)
        assert v2.number == 2 and v2.kind is VersionKind.DRAFT  # a new draft after the submit
        v2 = service.submit(db.session, report, user=sec, today=TJ)
        rows = [r for r in service.diff(v1, v2) if r.op != "equal"]
        assert [(r.op, r.old_no, r.new_no) for r in rows] == [("replace", 5, 5)]
        pieces = service.inline_diff(rows[0].old, rows[0].new)
        assert ("insert", "全年发展党员3名，培养入党积极分子5名。") in pieces
        service.approve(db.session, report, user=rev, today=TJ)
        service.approve(db.session, report, user=rev, today=TJ)
        assert report.status is ReportStatus.APPROVED
        actions = [d.action.value for d in service.decisions(db.session, report)]
        assert actions == ["submit", "return", "submit", "approve", "approve"]


def test_reviewer_out_of_scope_and_secretary_of_another_org(demo) -> None:
    # clause TJ-02 with the permission table: the 包片领导 reviews the east area (C01–C07) only;
    # a secretary writes only their own org's report
    tj = demo("tongjia")
    tj.open()
    sec, rev = tj.who("secretary"), tj.who("reviewer")
    with tj.scope():
        far = report_for(tj, "C10")
        with pytest.raises(Forbidden) as err:
            service.save_draft(db.session, far, "别人的报告", user=sec)
        assert "不在您负责的范围内" in err.value.message
        db.session.rollback()
        far = report_for(tj, "C10")
        other = tj.who("observer")
        with pytest.raises(Forbidden):
            service.save_draft(db.session, far, "观察员不能写", user=other)
        # C10's secretary has no login in the demo: the operator writes and submits for the test
        service.save_draft(db.session, far, tongjia_text(), user=OPERATOR)
        service.submit(db.session, far, user=OPERATOR, today=TJ)
        with pytest.raises(Forbidden) as err:
            service.approve(db.session, far, user=rev, today=TJ)
        assert "不在您负责的范围内" in err.value.message
        with pytest.raises(Forbidden):
            service.return_report(db.session, far, user=rev, note="越权")
        with pytest.raises(Forbidden):
            service.add_comment(db.session, far, user=rev, body="越权")


def _member(tenant_slug: str, username: str, role: Role) -> User:
    with scoped(db.session, platform=True):
        user = tenancy.upsert_user(db.session, username=username, display_name=username)
        tenancy.grant(db.session, tenancy.get_tenant(db.session, tenant_slug), user, role)
        db.session.commit()
        return user


def test_co_authors_edit_and_invited_reviewers_comment(demo) -> None:
    # clause TJ-08: 副书记、委员 help draft (co-authors); 人大代表、党代表 may draft or review:
    # a co-author edits but does not submit, an invited reviewer comments but does not decide
    tj = demo("tongjia")
    tj.open()
    sec = tj.who("secretary")
    deputy = _member("tongjia", "tj-deputy", Role.OBSERVER)
    delegate = _member("tongjia", "tj-delegate", Role.OBSERVER)
    with scoped(db.session, platform=True):
        outsider = tenancy.upsert_user(db.session, username="not-a-member", display_name="外人")
        db.session.commit()
    from shuzhi.cycles.access import for_user

    with tj.scope():
        report = report_for(tj, "C04")
        deputy_who, delegate_who = for_user(deputy, tj.id), for_user(delegate, tj.id)
        with pytest.raises(Forbidden):
            service.save_draft(db.session, report, "还不是协助起草人", user=deputy_who)
        db.session.rollback()
        report = report_for(tj, "C04")
        service.add_member(
            db.session, report, user=sec, member_user_id=deputy.id, role="co_author", note="副书记"
        )
        service.add_member(
            db.session,
            report,
            user=sec,
            member_user_id=delegate.id,
            role=MemberRole.REVIEWER,
            note="人大代表",
        )
        with pytest.raises(Conflict):
            service.add_member(db.session, report, user=sec, member_user_id=deputy.id, role="reviewer")
        with pytest.raises(Forbidden):  # only the secretary invites
            service.add_member(db.session, report, user=deputy_who, member_user_id=deputy.id, role="reviewer")
        draft = service.save_draft(db.session, report, tongjia_text(), user=deputy_who)
        assert draft.created_by == "tj-deputy"
        with pytest.raises(Forbidden):
            service.submit(db.session, report, user=deputy_who, today=TJ)
        with pytest.raises(Forbidden):
            service.save_draft(db.session, report, "审阅人不能改", user=delegate_who)
        comment = service.add_comment(
            db.session, report, user=delegate_who, body="第二部分再具体些", paragraph=2
        )
        assert comment.author == "tj-delegate"
        service.submit(db.session, report, user=sec, today=TJ)
        with pytest.raises(Forbidden):
            service.approve(db.session, report, user=delegate_who, today=TJ)
        with pytest.raises(NotFound):  # not a member of this tenant
            service.add_member(db.session, report, user=sec, member_user_id=outsider.id, role="reviewer")
        assert db.session.scalar(select(func.count()).select_from(ReportVersion)) == 1


def test_submitted_version_frozen_below_the_orm_on_postgresql(demo) -> None:
    # clause CO-02: even plain SQL cannot change a submitted version (a trigger on PostgreSQL)
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    tj = demo("tongjia")
    tj.open()
    sec = tj.who("secretary")
    with tj.scope():
        if db.session.get_bind().dialect.name != "postgresql":
            pytest.skip("the trigger is PostgreSQL's; the ORM guard covers SQLite")
        report = report_for(tj, "C04")
        service.save_draft(db.session, report, tongjia_text(), user=sec)
        version = service.submit(db.session, report, user=sec, today=TJ)
        db.session.commit()
        vid = version.id
        with pytest.raises(DBAPIError, match="frozen"):
            db.session.execute(text("UPDATE report_versions SET text = 'x' WHERE id = :id"), {"id": vid})
        db.session.rollback()
        assert db.session.get(ReportVersion, vid).text == tongjia_text().replace("\r", "")
        # drafts stay writable by plain SQL (autosave rewrites them)
        service.return_report(
            db.session, service.get_report(db.session, report.id), user=tj.who("reviewer"), note="改"
        )
        draft = service.save_draft(db.session, service.get_report(db.session, report.id), "新稿", user=sec)
        db.session.execute(text("UPDATE report_versions SET text = 'y' WHERE id = :id"), {"id": draft.id})


def test_another_tenants_report_does_not_exist_here(demo) -> None:
    # tenant isolation (RLS and the ORM filter): 根河's report is not found from 童家镇, even by id;
    # the route matrix (tests/test_route_matrix.py) checks every reports route the same way
    tj, gh = demo("tongjia"), demo("genhe")
    tj.open()
    gh.open()
    with gh.scope():
        theirs = report_for(gh, "ZB1")
        service.save_draft(db.session, theirs, "根河的草稿", user=OPERATOR)
        db.session.commit()
        theirs_id = theirs.id
    with tj.scope():
        with pytest.raises(NotFound):  # even while the row sits in this session's identity map
            service.get_report(db.session, theirs_id)
        assert db.session.scalar(select(func.count()).select_from(ReportVersion)) == 0
    db.session.expunge_all()
    with tj.scope(), pytest.raises(NotFound):  # and when it is read from the database (RLS)
        service.get_report(db.session, theirs_id)
