"""Each demo tenant's campaign, open at a realistic stage of its plan's year (issue 7 item 8).

The campaigns are for the plans' own years (吉县 2018, 永州 2020, the others
2023), so the demo's posts, tenures and relations apply as the plans describe
them. Each tenant is *seen* on a day of that year (:data:`DEMO_DAYS`, the
demo's clock, see :func:`shuzhi.cycles.calendar.today_in_china`), so
countdowns and overdue flags read as they would have then.

Every change goes through the cycles service (moves one step at a time,
meeting dates, extensions, mode decisions), acting as the operator ``demo``
on the day it would have happened; the audit trail shows them. Idempotent:
a tenant whose campaign for the year exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.cycles import access, prework, service
from shuzhi.cycles.access import Who
from shuzhi.cycles.models import Campaign, GroupKind, Mode, Reporter, Review
from shuzhi.cycles.stages import RANK, Step
from shuzhi.orgs.models import Org

#: The day each demo tenant is seen on (the demo's clock).
DEMO_DAYS: dict[str, date] = {
    "jixian": date(2019, 1, 10),  # JX-04: level 3 and townships done by 12-25; 工委s by 01-15
    "tongjia": date(2023, 12, 28),  # TJ-02: reports with the 包片领导 before the 01-05 hand-in
    "genhe": date(2023, 12, 20),  # GH-01/GH-04: plan filed, research visits, reports in review
    "yongzhou": date(2020, 12, 18),  # YZ-02/YZ-05: reports in by 12-15, the draw in mid-December
    "suixi": date(2024, 1, 30),  # SX-03: material was due 01-22; sub-cycles meeting (SX-13)
}
#: The day each campaign was opened.
OPENED: dict[str, date] = {
    "jixian": date(2018, 11, 20),
    "tongjia": date(2023, 11, 20),
    "genhe": date(2023, 11, 25),
    "yongzhou": date(2020, 11, 10),
    "suixi": date(2023, 12, 10),
}
WHO = access.operator("demo")


@dataclass
class Stager:
    """Moves a campaign's reporters and reviews forward through the service, on a given day."""

    session: Session
    campaign: Campaign
    day: date

    def org(self, code: str) -> Org:
        org = self.session.scalar(select(Org).where(Org.code == code))
        assert org is not None, code
        return org

    def review(self, code: str) -> Review:
        org = self.org(code)
        review = self.session.scalar(
            select(Review).where(Review.campaign_id == self.campaign.id, Review.receiver_org_id == org.id)
        )
        assert review is not None, code
        return review

    def reporters(self, review: Review) -> list[Reporter]:
        return service.review_reporters(self.session, review)

    def reporter(self, code: str) -> Reporter:
        org = self.org(code)
        found = self.session.scalar(
            select(Reporter).where(Reporter.campaign_id == self.campaign.id, Reporter.org_id == org.id)
        )
        assert found is not None, code
        return found

    def advance(self, reporters: Iterable[Reporter], target: Step) -> None:
        """Each reporter forward, one step at a time, until ``target`` (written ones skip the meeting)."""
        flow = service.workflow(self.campaign)
        for r in reporters:
            while RANK[Step(r.stage)] < RANK[target]:
                nxt = flow.next_step(Step(r.stage), written=r.mode is Mode.WRITTEN)
                if nxt is None or RANK[nxt] > RANK[target]:
                    break
                service.move_reporter(self.session, WHO, r, nxt, today=self.day)

    def run_review(self, review: Review, target: Step, meeting: date | None = None) -> None:
        """The review and its own reporters forward to ``target`` (closing reports its results up)."""
        flow = service.workflow(self.campaign)
        if meeting is not None and review.meeting_date is None:
            service.set_meeting_date(self.session, WHO, review, meeting)
        people = self.reporters(review)
        while RANK[Step(review.stage)] < RANK[target]:
            nxt = flow.next_step(Step(review.stage), review=True)
            if nxt is None:
                break
            need = Step.FILED if nxt is Step.CLOSED else nxt
            if RANK[need] >= RANK[Step.SUBMITTED]:
                self.advance(people, need)
            service.move_review(self.session, WHO, review, nxt, today=self.day)


def _every(items: Sequence[Reporter], n: int) -> list[Reporter]:
    """The first ``n`` (in org-code order: stable between runs)."""
    return list(items[:n])


def _jixian(s: Stager) -> None:
    # clause JX-04: staged bottom-up — the systems (level 3) and townships finish by 12-25,
    # report results by 01-20; the 县直工委 meets by 01-15; the county last.
    s.day = date(2018, 12, 22)  # the results are reported up after the meetings
    for sub in service.child_reviews(s.session, s.review("GW")):
        s.run_review(sub, Step.CLOSED, meeting=date(2018, 12, 18))
    township_targets = {
        "XZ01": (Step.EVALUATED, date(2018, 12, 21)),  # the demo reviewer's and secretary's town
        "XZ02": (Step.CLOSED, date(2018, 12, 19)),
        "XZ03": (Step.CLOSED, date(2018, 12, 20)),
        "XZ04": (Step.GRADED, date(2018, 12, 24)),
        "XZ05": (Step.SUBMITTED, None),  # behind: overdue since 12-25
    }
    for code, (target, meeting) in township_targets.items():
        s.run_review(s.review(code), target, meeting=meeting)
    s.day = date(2019, 1, 8)
    top = s.review("XW")
    done = {s.review(code).id for code in township_targets}
    for wc in service.child_reviews(s.session, top):  # 县直工委 and the other 工委s: meet by 01-15
        if wc.id not in done:
            s.run_review(wc, Step.SUBMITTED)
            service.set_meeting_date(s.session, WHO, wc, date(2019, 1, 14))
    s.run_review(top, Step.DRAFTING)
    s.advance(_every(s.reporters(top), 3), Step.DRAFTING)


def _tongjia(s: Stager) -> None:
    # clause TJ-02: drafts go to the 包片领导 before the 党建办's 01-05 hand-in
    top = service.root_review(s.session, s.campaign)
    s.run_review(top, Step.DRAFTING)
    people = s.reporters(top)
    s.advance(people[:3], Step.SUBMITTED)  # approved by their 包片领导
    s.advance(people[3:12], Step.PRE_REVIEW)  # with the 包片领导 (the demo secretary's C04 among them)
    s.advance(people[12:19], Step.DRAFTING)  # still writing
    # the last two have not started: research and ideas to write up (TJ-05) or a late start


def _genhe(s: Stager) -> None:
    # clause GH-01: reports to the 党总支 for review before the meeting
    top = service.root_review(s.session, s.campaign)
    s.run_review(top, Step.DRAFTING)
    first, *rest = s.reporters(top)
    s.advance([first], Step.PRE_REVIEW)
    s.advance(rest, Step.DRAFTING)
    # clause GH-04: the plan filed with the 直属机关工委, and the general branch's unannounced research
    plan = "根河市市场监督管理局党总支2023年度党支部书记抓基层党建工作述职评议考核工作方案（演示文件）"
    prework.file_plan(
        s.session,
        WHO,
        s.campaign,
        filed_with="根河市委直属机关工委",
        filed_on=date(2023, 11, 28),
        document=plan.encode(),
        document_name="述职评议考核工作方案.txt",
        document_type="text/plain",
    )
    for r, found in zip(
        [first, *rest],
        ("党员活动室使用记录不全，主题党日内容与业务结合不紧。", "支部台账规范；青年党员参与度有待提高。"),
        strict=False,
    ):
        prework.record_visit(
            s.session,
            WHO,
            r,
            visited_on=date(2023, 12, 8),
            visitors="党总支书记、党总支组织委员",
            findings=found,
        )


def _yongzhou(s: Stager) -> None:
    # clause YZ-05: reports passed by the 党组 and sent in by 12-15; two are late, one extended
    top = service.root_review(s.session, s.campaign)
    s.run_review(top, Step.DRAFTING)
    people = s.reporters(top)
    # U07 late (the 核查组组长's list flags it); U08, the demo secretary's, extended
    late = [s.reporter("U07"), s.reporter("U08")]
    s.advance([r for r in people if r not in late], Step.SUBMITTED)
    s.advance(late, Step.DRAFTING)
    service.grant_extension(
        s.session,
        WHO,
        late[1],
        Step.SUBMITTED,
        date(2020, 12, 22),
        reason="党组会议延期召开，报告待讨论通过",
    )
    # clause YZ-06: the verification groups are formed; they are charged once the draw is confirmed
    for n, leader in enumerate(("工委副书记", "工委委员、组织部部长"), 1):
        prework.create_group(
            s.session,
            WHO,
            s.campaign,
            kind=GroupKind.VERIFICATION,
            name=f"第{'一二'[n - 1]}核查组",
            leader=leader,
            members="工委组织部工作人员、党代表",
        )
    # clause YZ-02: just after the public draw of 8 on 12-16, witnessed and confirmed
    from shuzhi.meetings.demo import yongzhou_draw

    yongzhou_draw(s.session, s.campaign)


def _suixi(s: Stager) -> None:
    # clause SX-02: the 县直工委 names 12 first-level organizations to report on site
    top = service.root_review(s.session, s.campaign)
    people = s.reporters(top)
    direct = [r for r in people if s.session.get(Org, r.org_id).code.startswith("ZB")]  # type: ignore[union-attr]
    for r in direct[:12]:
        service.set_mode(s.session, WHO, r, Mode.ONSITE, reason="县直工委确定的现场述职对象（SX-02）")
    s.run_review(top, Step.DRAFTING)
    s.advance(people[:-2], Step.SUBMITTED)  # SX-03: in by 01-22
    s.advance(people[-2:], Step.DRAFTING)  # two late: locked since 01-22
    service.set_meeting_date(s.session, WHO, top, date(2024, 2, 6))
    # clause SX-13: the 机关党委 and 党总支 run their own members' reviews; one has met
    subs = service.child_reviews(s.session, top)
    for n, sub in enumerate(subs):
        if n == 0:
            s.run_review(sub, Step.EVALUATED, meeting=date(2024, 1, 26))
        else:
            s.run_review(sub, Step.SUBMITTED)


SCRIPTS: dict[str, Callable[[Stager], None]] = {
    "jixian": _jixian,
    "tongjia": _tongjia,
    "genhe": _genhe,
    "yongzhou": _yongzhou,
    "suixi": _suixi,
}


def demo_campaign(session: Session, slug: str, year: int) -> Campaign | None:
    """Open ``slug``'s campaign for ``year`` and move it to its demo stage (once; None: no script)."""
    script = SCRIPTS.get(slug)
    if script is None:
        return None
    existing = service.campaign_for_year(session, year)
    if existing is not None:
        return existing
    opened = OPENED[slug]
    campaign = service.open_campaign(session, WHO, year=year, today=opened)
    script(Stager(session, campaign, opened))
    # CO-05: last year's unfinished rectification items of the demo secretary's org
    from shuzhi.rectification.demo import demo_items

    demo_items(session, slug, campaign)
    session.flush()
    return campaign


def demo_who() -> Who:
    return WHO
