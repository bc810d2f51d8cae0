"""The yongzhou selection hook (YZ-02) on plain candidates, as the platform calls it."""

from __future__ import annotations

from datetime import date

from shuzhi.meetings import algorithm
from shuzhi.meetings.selection import Candidate
from shuzhi.plugins import hooks


def _candidates() -> list[Candidate]:
    period = {"period_start": date(2020, 1, 1), "period_end": date(2020, 12, 31)}
    out = [
        Candidate(f"U{i:02d}", i, i, f"单位{i}", f"书记{i}", "书记", post_start=date(2015, 3, 1), **period)
        for i in range(1, 21)
    ]
    out[0] = Candidate("U01", 1, 1, "单位1", "书记1", "书记", post_start=date(2020, 9, 1), **period)
    out[1] = Candidate("U02", 2, 2, "单位2", "书记2", "书记", onsite_years=(2018,), **period)
    out[2] = Candidate("U03", 3, 3, "单位3", "", "书记", vacant=True, **period)
    out[3] = Candidate("U04", 4, 4, "单位4", "书记4", "书记", post_start=date(2020, 6, 30), **period)
    return out


def _ask(seed: str, params: dict | None = None) -> dict:
    policy = hooks.policy("yongzhou")
    assert policy is not None
    found = hooks.first(
        "shuzhi_select_onsite",
        policy=policy,
        params={**policy.defaults(), **(params or {})},
        candidates=_candidates(),
        seed=seed,
    )
    assert found is not None and found.plugin == "yongzhou"
    return found.value


def test_exclusions_with_reasons() -> None:
    # clause YZ-02: units that reported on site before, secretaries in post < half a year
    answer = _ask("")
    reasons = {c.key: r for c, r in answer["excluded"]}
    assert reasons == {
        "U01": "到岗不满6个月（2020-09-01到任）",
        "U02": "以往已经现场述职（2018年）",
        "U03": "书记（负责人）空缺，无人可现场述职",
    }
    # in post from 06-30: six months and a day by the year's end, so not excluded
    assert (answer["method"], answer["places"], answer["clause"], answer["selected"]) == (
        "draw",
        8,
        "YZ-02",
        [],
    )


def test_the_draw_is_the_public_algorithm() -> None:
    # clause YZ-02: with the committed seed the hook draws what anyone re-running gets
    answer = _ask("f" * 32)
    eligible = sorted(c.key for c in _candidates() if c.key not in {"U01", "U02", "U03"})
    assert [c.key for c in answer["selected"]] == algorithm.draw("f" * 32, eligible, 8)
    assert len(_ask("f" * 32, {"onsite_count": 5})["selected"]) == 5
