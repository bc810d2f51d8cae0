"""The editor's live check admitted by the page's signed ticket (ADR 0020, issue 6 speed goal).

With the ticket the check reads no row and needs no session; without one, or with one that
does not fit (expired, tampered, another tenant's or reporter's URL, a context this process
has not seen), it is a signed-in request as any other and hands the page a fresh ticket.
On the real database with the demo's 童家镇 (tongjia) campaign open.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from shuzhi.db import db
from shuzhi.reports import live_ticket
from tests.conftest import login
from tests.cycles.conftest import demo  # noqa: F401 (fixture)
from tests.reports import livetexts
from tests.reports.test_editor import _url, tongjia  # noqa: F401 (fixture)

TICKET = re.compile(
    r'<span id="sz-ticket" hidden( hx-swap-oob="innerHTML")?><input type="hidden" name="ticket" value="([^"]+)"></span>'
)


def _ticket(html: str) -> str:
    m = TICKET.search(html)
    assert m, "the answer carries a live-check ticket"
    return m.group(2)


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs while the test looks."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _refused(r: Any) -> bool:
    """Sent to sign in (a page: 302 to /login; htmx: HX-Redirect) or refused outright."""
    if r.status_code in (401, 403, 404):
        return True
    where = r.headers.get("Location", "") or r.headers.get("HX-Redirect", "")
    return r.status_code in (204, 302) and "/login" in where


def _page_ticket(client: Any, d: dict[str, Any]) -> str:
    login(client, d["secretary"])
    page = client.get(_url(d))
    assert page.status_code == 200
    return _ticket(page.get_data(as_text=True))


def test_with_the_ticket_the_check_reads_nothing_and_needs_no_session(
    app, client, tongjia, statements  # noqa: F811
) -> None:
    # clause TJ-10: the same findings (字数 against 1500–2000) through the lean path
    ticket = _page_ticket(client, tongjia)
    anonymous = app.test_client()  # no cookie at all: the ticket alone admits the check
    statements.clear()
    r = anonymous.post(_url(tongjia, "/check"), data={"text": livetexts.SHORT, "ticket": ticket})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="sz-panel-body"' in html and "TJ-10" in html and "1500" in html
    assert statements == []  # no session, no tenant, no reporter read
    assert TICKET.search(html) is None  # nothing to renew: the page's ticket still holds


def test_without_a_ticket_it_is_a_signed_in_request_and_renews_the_ticket(client, tongjia) -> None:  # noqa: F811
    # issue 6 speed (ADR 0020): the fallback is the ordinary signed-in check, which renews the ticket
    login(client, tongjia["secretary"])
    r = client.post(_url(tongjia, "/check"), data={"text": livetexts.SHORT})
    assert r.status_code == 200
    m = TICKET.search(r.get_data(as_text=True))
    assert m and m.group(1), "a fresh ticket swapped into the page (out of band)"


@pytest.mark.parametrize("spoil", ["tampered", "expired", "other_reporter", "other_tenant", "unknown_context"])
def test_a_ticket_that_does_not_fit_falls_back_to_the_session(
    app, client, tongjia, spoil, monkeypatch  # noqa: F811
) -> None:
    # issue 4 item 4 (tenant and org scope) with ADR 0020: a ticket admits only its own tenant,
    # reporter and unexpired, untampered context; anything else is an ordinary request
    ticket = _page_ticket(client, tongjia)
    url = _url(tongjia, "/check")
    if spoil == "tampered":
        ticket = ticket[:-3] + ("AAA" if not ticket.endswith("AAA") else "BBB")
    elif spoil == "expired":
        monkeypatch.setattr(live_ticket, "TTL", -1)
    elif spoil == "other_reporter":
        assert tongjia["other"] is not None
        url = f"/t/tongjia/write/{tongjia['other']}/check"
    elif spoil == "other_tenant":
        url = url.replace("/t/tongjia/", "/t/suixi/")
    else:
        live_ticket.clear()  # another worker, or a restart: the digest is not known here
    anonymous = app.test_client()
    r = anonymous.post(url, data={"text": livetexts.SHORT, "ticket": ticket})
    assert _refused(r), r.status_code  # no session: sent to sign in, as any request
    assert 'id="sz-panel-body"' not in r.get_data(as_text=True)
    # the secretary's own session still gets the panel (and a new ticket) on their own URL
    if spoil not in ("other_reporter", "other_tenant"):
        r = client.post(url, data={"text": livetexts.SHORT, "ticket": ticket})
        assert r.status_code == 200 and TICKET.search(r.get_data(as_text=True))


def test_another_users_page_cannot_mint_a_ticket_for_a_report_they_may_not_read(
    app, client, tongjia  # noqa: F811
) -> None:
    # issue 4 item 4 / TJ-08: the full path is the permission check: a secretary of another org
    # is refused and gets no ticket
    assert tongjia["other"] is not None
    login(client, tongjia["secretary"])
    r = client.post(f"/t/tongjia/write/{tongjia['other']}/check", data={"text": livetexts.SHORT})
    assert r.status_code == 403
    assert TICKET.search(r.get_data(as_text=True)) is None


def test_csrf_still_guards_the_full_path(app, client, tongjia) -> None:  # noqa: F811
    # issue 4 item 3 (CSRF on every form) still holds on the live check's signed-in path
    login(client, tongjia["secretary"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.post(_url(tongjia, "/check"), data={"text": livetexts.SHORT})
        assert r.status_code == 400  # no token, no ticket: refused as any form post
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_autosave_renews_the_ticket_and_a_revoked_session_keeps_only_the_check(
    app, client, tongjia  # noqa: F811
) -> None:
    # issue 4 item 3 (revocable sessions) with ADR 0020's stated bound on the read-only check
    ticket = _page_ticket(client, tongjia)
    r = client.post(_url(tongjia, "/save"), data={"text": livetexts.SHORT}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    renewed = TICKET.search(r.get_data(as_text=True))
    assert renewed and renewed.group(1)
    # signed out everywhere: autosave is refused at once; the check keeps its ticket until it expires
    from shuzhi.accounts import sessions

    with app.app_context():
        sessions.revoke_all(tongjia["secretary"], "test")
        db.session.commit()
    r = client.post(_url(tongjia, "/save"), data={"text": livetexts.SHORT}, headers={"HX-Request": "true"})
    assert _refused(r)
    r = client.post(_url(tongjia, "/check"), data={"text": livetexts.SHORT, "ticket": ticket})
    assert r.status_code == 200  # ADR 0020: at most TTL seconds, read-only, the caller's own text
