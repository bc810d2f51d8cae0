"""永州's demo campaign just after its public draw (issue 7 item 8; YZ-02, YZ-06).

Eight units reported on site in 2019, on paper before the platform: recorded as
history, so the 2020 draw leaves them out with the four secretaries in post
less than half a year. The draw ran on 2020-12-16 (mid-December, YZ-06) in
front of two witnesses and was confirmed; the eight drawn report on site.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.cycles import access
from shuzhi.cycles.models import Campaign
from shuzhi.meetings import service
from shuzhi.orgs.models import Org

WHO = access.operator("demo")
#: Units that reported on site in 2019 (the 工委's paper records).
ONSITE_2019 = ("U02", "U05", "U09", "U13", "U19", "U22", "U27", "U33")
WITNESSES = (("周建国", "市直机关党代表"), ("陈慧敏", "市纪委监委派驻纪检组干部"))


def yongzhou_draw(session: Session, campaign: Campaign) -> None:
    """Record 2019's on-site units, then prepare, commit, draw, witness and confirm (once)."""
    if service.current_draw(session, campaign) is not None:
        return
    orgs = {o.code: o.id for o in session.scalars(select(Org).where(Org.code.in_(ONSITE_2019)))}
    for code in ONSITE_2019:
        if code in orgs:
            service.record_history(
                session, WHO, org_id=orgs[code], year=2019, note="2019年度现场述职（纸质档案）"
            )
    draw = service.prepare(session, WHO, campaign)
    # China time: committed the day before, drawn and confirmed at the 工委's meeting on 12-16.
    service.commit(session, WHO, draw, at=datetime(2020, 12, 15, 1, 0, tzinfo=UTC))
    for name, role in WITNESSES:
        service.add_witness(session, WHO, draw, name=name, role=role)
    service.run_draw(session, WHO, draw, public_input="26", at=datetime(2020, 12, 16, 2, 0, tzinfo=UTC))
    service.confirm(session, WHO, draw, at=datetime(2020, 12, 16, 2, 10, tzinfo=UTC))
