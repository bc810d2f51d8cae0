"""Browser fixtures: a live server on an app with the demo sign-in switched on.

``live_server`` here overrides the suite's one (which serves the session app
without DEMO), so ``base_url`` and pytest-playwright's ``page`` reach the
demo app. Each test seeds its own county under a unique slug and the
database is emptied after it, as the ``app`` fixture does for other tests.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from shuzhi.db import db
from tests.browser.seed import County, seed_county
from tests.conftest import CHROMIUM, CHROMIUM_UP, buffered, build_app, need

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 740}
LG_BREAKPOINT = 992


#: The strict policy a later issue turns on; the portal must already work under it.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture(scope="session")
def demo_app(scratch_db, tmp_path_factory):
    # CSRF on, as in production: every form the browser submits must carry its token.
    app = build_app(scratch_db, tmp_path_factory.mktemp("demo-instance"), WTF_CSRF_ENABLED=True)
    app.config["SHUZHI"].DEMO = True

    @app.after_request
    def strict_csp(response):
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(demo_app) -> Iterator[str]:
    need(CHROMIUM_UP, "Chromium at " + CHROMIUM)
    srv = make_server("127.0.0.1", 0, buffered(demo_app), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join()


@pytest.fixture
def county(demo_app, scratch_db) -> Iterator[County]:
    data = seed_county(demo_app, "b-" + uuid.uuid4().hex[:8])
    yield data
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


@pytest.fixture(params=["desktop", "phone"])
def size(request, page) -> str:
    """Run the test at desktop width and at a 375px phone."""
    page.set_viewport_size(DESKTOP if request.param == "desktop" else PHONE)
    return request.param


def sign_in(page: Any, display_name: str) -> None:
    page.goto("/login")
    page.get_by_role("button", name=f"以 {display_name} 身份登录").click()
    # Wait until the signed-in page has loaded (stylesheets included) before the test looks at it.
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("load")


def open_menu(page: Any) -> None:
    """On a phone the menu is folded behind the toggler: unfold it."""
    # Decide by width (the header is navbar-expand-lg, 992px), not by visibility: before the
    # stylesheet has loaded the toggler shows even on a desktop, and then hides under the click.
    if page.viewport_size["width"] >= LG_BREAKPOINT:
        return
    toggler = page.locator(".navbar-toggler")
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#sz-nav.show").wait_for()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A Chinese browser, as the portal's users have (Accept-Language: zh-CN).
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def no_csp_violations(request) -> Iterator[None]:
    """Fail a browser test whose pages broke the strict CSP (inline script, style, eval)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []

    def seen(msg: Any) -> None:
        if "Content Security Policy" in msg.text:  # where: the page and the line that broke it
            where = msg.location or {}
            violations.append(f"{page.url} {where.get('url', '')}:{where.get('lineNumber', '')}: {msg.text}")

    page.on("console", seen)
    yield
    assert violations == []
