"""On-site selection (issue 7 item 4): public draws (YZ-02), named lists (SX-02), everyone
(TJ-01, GH-02), all recorded and final once confirmed (CO-03), on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from shuzhi.audit.models import AuditEvent
from shuzhi.cycles import service as cycles
from shuzhi.cycles.models import Mode, Reporter, Selection
from shuzhi.db import db
from shuzhi.errors import Conflict, Forbidden, ValidationFailed
from shuzhi.meetings import algorithm
from shuzhi.meetings import service as draws
from shuzhi.meetings.models import Draw, DrawStatus, Method
from shuzhi.tenancy.models import Tenant

from .conftest import OPERATOR

#: 永州's demo units in post less than half a year at the end of 2020 (demo/trees.py).
YZ_SHORT = {"U06", "U17", "U24", "U30"}
WITNESS = {"name": "李见证", "role": "党代表"}


def _modes(campaign) -> dict[int, tuple[Mode, Selection]]:
    return {
        r.id: (r.mode, r.selection)
        for r in db.session.scalars(
            select(Reporter).where(Reporter.campaign_id == campaign.id, Reporter.level == 1)
        )
    }


def _draw_through(campaign, *, public_input: str = "") -> Draw:
    d = draws.prepare(db.session, OPERATOR, campaign)
    draws.commit(db.session, OPERATOR, d)
    draws.run_draw(db.session, OPERATOR, d, public_input=public_input)
    draws.add_witness(db.session, OPERATOR, d, **WITNESS)
    return d


def test_yongzhou_draw_excludes_short_tenure_and_draws_eight_verifiably(demo) -> None:
    # clauses YZ-02 (public random draw of 8; in post < half a year excluded), CO-03
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        d = draws.prepare(db.session, OPERATOR, campaign)
        assert (d.method, d.status, d.places, d.clause) == (Method.DRAW, DrawStatus.PREPARED, 8, "YZ-02")
        excluded = {c["key"]: c["excluded"] for c in d.candidates if c["excluded"]}
        assert set(excluded) == YZ_SHORT
        assert all("到岗不满6个月" in reason for reason in excluded.values())
        assert len(d.candidates) == 35 and d.commitment == "" and d.seed == ""
        draws.commit(db.session, OPERATOR, d)
        commitment, seed = d.commitment, d.seed
        assert commitment == algorithm.commitment(seed) and len(seed) == 32
        # before the draw the published record carries the commitment, not the seed
        assert draws.public_record(d)["seed"] == "" and draws.public_record(d)["commitment"] == commitment
        draws.run_draw(db.session, OPERATOR, d, public_input="37")
        assert len(d.result) == 8 and not set(d.result) & YZ_SHORT
        assert d.result == algorithm.draw(seed, algorithm.eligible_keys(d.candidates), 8, "37")
        draws.add_witness(db.session, OPERATOR, d, **WITNESS)
        draws.confirm(db.session, OPERATOR, d)
        db.session.commit()
        record = draws.public_record(d)
        assert record["seed"] == seed and algorithm.verify(record).ok
        modes = _modes(campaign)
        drawn = {c["reporter_id"] for c in d.candidates if c["key"] in d.result}
        assert {modes[i] for i in drawn} == {(Mode.ONSITE, Selection.DRAW)}
        assert {modes[i] for i in set(modes) - drawn} == {(Mode.WRITTEN, Selection.DRAW)}
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {
            "draw.prepare",
            "draw.commit",
            "draw.run",
            "draw.witness",
            "draw.confirm",
            "review.selection",
        } <= actions


def test_the_same_seed_and_candidates_give_the_same_result() -> None:
    # clause YZ-02: anyone re-running the published draw gets the same eight
    keys = [f"U{i:02d}" for i in range(1, 32)]
    first = algorithm.draw("a" * 32, keys, 8)
    assert first == algorithm.draw("a" * 32, list(reversed(keys)), 8)
    assert first != algorithm.draw("b" * 32, keys, 8)
    assert algorithm.draw("a" * 32, keys, 8, "7") != first  # the number called out on site counts
    # a fixed vector, so an independent re-implementation can check itself against ours
    assert (
        algorithm.draw("seed", ["A", "B", "C", "D"], 2)
        == sorted(["A", "B", "C", "D"], key=lambda k: (algorithm.score("seed", k), k))[:2]
    )


def test_tampering_with_the_seed_candidates_or_result_fails_verify(demo) -> None:
    # clause YZ-02: the seed is committed before, the list frozen with it; a change shows
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        d = _draw_through(campaign)
        record = draws.public_record(d)
    assert algorithm.verify(record).ok
    failed = lambda rec: {what for what, ok, _d in algorithm.verify(rec).checks if not ok}  # noqa: E731
    assert failed({**record, "seed": record["seed"][:-1] + ("0" if record["seed"][-1] != "0" else "1")}) >= {
        "commitment"
    }
    # an excluded unit slipped back in, or an eligible one dropped after the commitment
    back_in = [dict(c, excluded="") for c in record["candidates"]]
    assert "candidates" in failed({**record, "candidates": back_in})
    dropped = [dict(c) for c in record["candidates"]]
    victim = next(c for c in dropped if c["key"] in record["result"])
    victim["excluded"] = "后来排除"
    assert "candidates" in failed({**record, "candidates": dropped})
    assert failed({**record, "result": list(reversed(record["result"]))}) == {"result"}
    assert failed({**record, "seed": ""}) == {"seed"}


def test_database_refuses_changes_after_commitment_and_confirmation(demo) -> None:
    # clauses YZ-02 (一经确定，不能更改), CO-03: not even a direct UPDATE changes a sealed draw
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        d = _draw_through(campaign)
        draws.confirm(db.session, OPERATOR, d)
        db.session.commit()
        draw_id = d.id
    for statement in (
        "UPDATE draws SET seed = 'x' WHERE id = :id",
        "UPDATE draws SET result = '[\"U01\"]' WHERE id = :id",
        "UPDATE draws SET witnesses = '[]' WHERE id = :id",
    ):
        with yz.scope():
            with pytest.raises(DBAPIError, match=r"frozen|cannot change"):
                db.session.execute(text(statement), {"id": draw_id})
            db.session.rollback()


def test_a_second_confirm_or_a_redraw_is_refused_and_a_redecision_keeps_the_old(demo) -> None:
    # clauses YZ-02 (the list cannot change once drawn), CO-03 (never silently)
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        d = _draw_through(campaign)
        with pytest.raises(Conflict, match="已经抽选"):
            draws.run_draw(db.session, OPERATOR, d)
        draws.confirm(db.session, OPERATOR, d)
        db.session.commit()
        old_result = list(d.result)
        with pytest.raises(Conflict, match="已确认"):
            draws.confirm(db.session, OPERATOR, d)
        with pytest.raises(Conflict, match="已确认"):
            draws.run_draw(db.session, OPERATOR, d)
        with pytest.raises(Conflict, match="已确认"):
            draws.add_witness(db.session, OPERATOR, d, name="晚到", role="群众")
        with pytest.raises(Conflict):
            draws.prepare(db.session, OPERATOR, campaign)
        with pytest.raises(ValidationFailed, match="理由"):
            draws.redecide(db.session, OPERATOR, d, reason="  ")
        db.session.rollback()
        new = draws.redecide(db.session, OPERATOR, d, reason="U01书记调任，经工委会议研究重新抽选")
        db.session.commit()
        old = db.session.get(Draw, d.id)
        assert old.status is DrawStatus.SUPERSEDED and old.result == old_result
        assert old.superseded_reason.startswith("U01书记调任") and new.supersedes_id == old.id
        assert [x.id for x in draws.draws_of(db.session, campaign)] == [new.id, old.id]
        assert draws.current_draw(db.session, campaign).id == new.id
        # the old modes stand until the new decision is confirmed
        assert sum(m == Mode.ONSITE for m, _s in _modes(campaign).values()) == 8
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "draw.redecide")) is not None


def test_units_that_reported_on_site_in_earlier_years_are_excluded(demo) -> None:
    # clause YZ-02: 以往已经现场述职的单位 — across campaigns here and recorded earlier years
    yz = demo("yongzhou")
    first = yz.open(year=2019, today=date(2019, 12, 1))
    with yz.scope():
        d = _draw_through(first)
        draws.confirm(db.session, OPERATOR, d)
        on_2019 = set(d.result)
        org_u02 = yz.org_by_code("U02").id if "U02" not in on_2019 else yz.org_by_code("U03").id
        draws.record_history(
            db.session, OPERATOR, org_id=org_u02, year=2018, note="2018年现场述职（纸质档案）"
        )
        db.session.commit()
    second = yz.open()
    with yz.scope():
        d2 = draws.prepare(db.session, OPERATOR, second)
        reasons = {c["key"]: c["excluded"] for c in d2.candidates}
        for key in on_2019:
            assert reasons[key] == "以往已经现场述职（2019年）"
        code = next(c["key"] for c in d2.candidates if c["org_id"] == org_u02)
        assert "2018" in reasons[code]
        assert len(algorithm.eligible_keys(d2.candidates)) <= 35 - 8 - 1


def test_fewer_candidates_than_places_is_refused(demo) -> None:
    # issue 7 bad input: a draw with fewer candidates than places; clause YZ-02
    yz = demo("yongzhou")
    with yz.scope():
        tenant = db.session.get(Tenant, yz.id)
        tenant.policy_choices = {"onsite_count": 40}
        db.session.commit()
    campaign = yz.open()
    with yz.scope():
        with pytest.raises(ValidationFailed, match="少于抽选名额 40 人"):
            draws.prepare(db.session, OPERATOR, campaign)
        db.session.rollback()
        assert draws.current_draw(db.session, campaign) is None


def test_confirm_needs_a_witness_and_steps_in_order(demo) -> None:
    # clause YZ-02: the draw is public — witnessed, and the commitment comes first
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        d = draws.prepare(db.session, OPERATOR, campaign)
        with pytest.raises(Conflict, match="承诺值"):
            draws.run_draw(db.session, OPERATOR, d)
        draws.commit(db.session, OPERATOR, d)
        with pytest.raises(Conflict):
            draws.confirm(db.session, OPERATOR, d)
        draws.run_draw(db.session, OPERATOR, d)
        with pytest.raises(ValidationFailed, match="见证人"):
            draws.confirm(db.session, OPERATOR, d)
        with pytest.raises(ValidationFailed):
            draws.add_witness(db.session, OPERATOR, d, name="", role="党代表")


def test_a_secretary_may_not_draw(demo) -> None:
    # clause YZ-14: the 工委 organizes the work; a secretary cannot run the draw
    yz = demo("yongzhou")
    campaign = yz.open()
    with yz.scope():
        with pytest.raises(Forbidden):
            draws.prepare(db.session, yz.who("secretary"), campaign)
        d = draws.prepare(db.session, yz.who("admin"), campaign)
        with pytest.raises(Forbidden):
            draws.commit(db.session, yz.who("secretary"), d)


def test_suixi_named_list_of_twelve(demo) -> None:
    # clause SX-02: 12 named secretaries report on site, the rest in writing
    sx = demo("suixi")
    campaign = sx.open()
    with sx.scope():
        d = draws.prepare(db.session, OPERATOR, campaign)
        assert (d.method, d.places, d.clause) == (Method.NAMED, 12, "SX-02")
        keys = [c["key"] for c in d.candidates]
        with pytest.raises(ValidationFailed) as exc:
            draws.name_list(db.session, OPERATOR, d, keys=keys[:11], decision="")
        assert set(exc.value.errors) == {"keys", "decision"}
        with pytest.raises(ValidationFailed, match="12"):
            draws.name_list(db.session, OPERATOR, d, keys=[*keys[:11], "NOPE"], decision="工委会议")
        draws.name_list(db.session, OPERATOR, d, keys=keys[:12], decision="县直工委2023年12月20日会议确定")
        draws.confirm(db.session, OPERATOR, d)
        db.session.commit()
        modes = _modes(campaign)
        named = {c["reporter_id"] for c in d.candidates if c["key"] in keys[:12]}
        assert {modes[i] for i in named} == {(Mode.ONSITE, Selection.NAMED)}
        assert {modes[i] for i in set(modes) - named} == {(Mode.WRITTEN, Selection.NAMED)}


@pytest.mark.parametrize(("slug", "clause"), [("tongjia", "TJ-01"), ("genhe", "GH-02")])
def test_everyone_reports_on_site(demo, slug: str, clause: str) -> None:
    # clauses TJ-01 (all 21 organizations on site), GH-02 (both branch secretaries on site)
    t = demo(slug)
    campaign = t.open()
    with t.scope():
        d = draws.prepare(db.session, OPERATOR, campaign)
        assert d.method is Method.ALL and not any(c["excluded"] for c in d.candidates)
        assert d.places == len(d.candidates) == len(d.result)
        draws.confirm(db.session, OPERATOR, d)
        db.session.commit()
        assert set(_modes(campaign).values()) == {(Mode.ONSITE, Selection.ALL)}
        if slug == "tongjia":
            assert d.places == 21


def test_draws_are_invisible_across_tenants(demo) -> None:
    # tenant isolation (ADR 0002): 永州's draw is not visible in 遂溪's scope
    yz, sx = demo("yongzhou"), demo("suixi")
    campaign = yz.open()
    with yz.scope():
        d = draws.prepare(db.session, OPERATOR, campaign)
        db.session.commit()
        draw_id = d.id
    db.session.expunge_all()  # ask the database, not the session's memory
    with sx.scope():
        assert db.session.get(Draw, draw_id) is None
        assert db.session.scalar(select(Draw)) is None
        assert cycles.list_campaigns(db.session) == []


class _Cheat:
    """A plugin that answers for yongzhou with its own pick instead of the public algorithm."""

    @staticmethod
    def shuzhi_select_onsite(policy, params, candidates, seed):
        from shuzhi.meetings.models import Method as M
        from shuzhi.meetings.selection import answer

        if policy.name != "yongzhou":
            return None
        out = answer(M.DRAW, candidates, [], places=8, seed="", clause="YZ-02")
        if seed:
            out["selected"] = list(candidates[:8])  # the first eight, whatever the seed
        return out


def test_a_plugin_that_does_not_draw_by_the_published_algorithm_is_stopped(demo) -> None:
    # clause YZ-02: the published algorithm decides; a hook drawing otherwise cannot confirm anything
    from shuzhi.hookspecs import hookimpl
    from shuzhi.plugins import hooks

    cheat = _Cheat()
    cheat.shuzhi_select_onsite = hookimpl(_Cheat.shuzhi_select_onsite)  # type: ignore[method-assign]
    yz = demo("yongzhou")
    campaign = yz.open()
    hooks.manager.register(cheat, name="cheat")
    try:
        with yz.scope():
            d = draws.prepare(db.session, OPERATOR, campaign)
            draws.commit(db.session, OPERATOR, d)
            with pytest.raises(Conflict, match="不一致"):
                draws.run_draw(db.session, OPERATOR, d)
            assert d.result == [] or d.status is DrawStatus.COMMITTED
            db.session.rollback()
    finally:
        hooks.manager.unregister(name="cheat")
