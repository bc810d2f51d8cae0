"""The live check surfaces each plan's report rules through the editor's endpoint, for the
demo secretary of every jurisdiction: the clause id on the finding, a Chinese message with
its figure, errors blocking. The rules themselves are tested in each plugin's tests; this
proves the editor shows them (issue 6: "sees findings in Chinese with figures")."""

from __future__ import annotations

import re

import pytest

from shuzhi.cycles import service
from shuzhi.db import db
from tests.conftest import login
from tests.cycles.conftest import demo  # noqa: F401 (fixture)
from tests.reports import livetexts

#: What a three-line first draft is told under each plan (errors first).
EXPECTED = {
    # clause SX-05 (必答题 the org chose), clause SX-07 (parts), clause SX-04, clause SX-08
    "suixi": ({"SX-05", "SX-07"}, {"SX-04", "SX-08"}),
    # clause TJ-04 (two fixed 必答题), clause TJ-03, clause TJ-07, clause TJ-10
    "tongjia": ({"TJ-04"}, {"TJ-03", "TJ-07", "TJ-10"}),
    # clause GH-03 (必答题)
    "genhe": ({"GH-03"}, set()),
    # clause YZ-04 (length and parts), clause YZ-03, clause YZ-11
    "yongzhou": ({"YZ-04"}, {"YZ-03", "YZ-11"}),
    # clause JX-05 (cases and figures), clause JX-03
    "jixian": ({"JX-05"}, {"JX-03"}),
}


def _rules(html: str, kind: str) -> set[str]:
    return set(re.findall(rf'<li class="sz-finding sz-finding-{kind}" data-rule="([^"]+)"', html))


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_each_plan_surfaces_its_rules_live(client, demo, slug) -> None:  # noqa: F811
    t = demo(slug)
    t.open()
    with t.scope():
        who = t.who("secretary")
        mine = [r.id for r in service.reporters_of_user(db.session, who.user_id)]
    assert mine, f"{slug}'s demo secretary reports in the campaign"
    login(client, who.user_id)
    r = client.post(f"/t/{slug}/write/{mine[0]}/check", data={"text": livetexts.SHORT})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    errors, warnings = EXPECTED[slug]
    assert errors <= _rules(html, "error"), _rules(html, "error")
    assert warnings <= _rules(html, "warning"), _rules(html, "warning")
    assert "还有" in html and "项须修改" in html  # the verdict: errors block
    # every finding in Chinese
    for msg in re.findall(r'<span class="sz-msg">([^<]+)</span>', html):
        assert re.search(r"[\u4e00-\u9fff]", msg), msg
