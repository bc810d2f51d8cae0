"""The editor's live check round trip against a bare Flask JSON echo of the same text.

    python bench/livecheck.py [--reps 60] [--words 3000] [--http]

The secretary's editor posts the whole text after each pause in typing
(htmx, form-encoded) and gets the side panel back. This times, interleaved
repetition by repetition in alternating order, on the same text with one
character changed each time (as typing does, so nothing is served from a
cache of a previous answer):

- ours: ``POST /t/tongjia/write/<reporter>/check`` with the editor page's live-check
  ticket (ADR 0020), as the editor posts it: the text parsed and every rule of the
  pinned 童家镇 policy checked, the panel rendered; no session or row read;
- the same without the ticket: the signed-in path a check takes when its ticket does
  not fit (server-side session, tenant, permission checks on the reporter's org, the
  reporter, campaign, pin and carried items read from PostgreSQL), shown for reference;
- anchor: a bare ``Flask()`` app whose one route returns
  ``jsonify(text=request.form["text"])`` — the least a Flask endpoint that
  receives the text and answers can do.

Both through Flask's test client (default) or both over HTTP to a real
werkzeug server on 127.0.0.1 with one keep-alive connection each (``--http``).
Prints the medians, the median of per-repetition ratios (goal ≤ 1.5×), and
where our time goes (the check alone, the rendering alone).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from _common import DEFAULT_PG_URL, Log, median_ms, quiet_gc, scratch_database, table
from flask import Flask, jsonify, request
from sqlalchemy import select

from shuzhi.config import Config

SENTENCES = [
    "全年主持召开支委会研究党建工作9次，专题听取党小组工作汇报4次，推动党建责任层层落实。",
    "坚持把党的政治建设摆在首位，严格落实“第一议题”制度，组织党员集中学习14次。",
    "围绕拼经济搞建设，引进项目3个，村集体经济收入从8.6万元增加到15.2万元。",
    "坚持防风险保安全，开展隐患排查12次，化解矛盾纠纷23件，全年无重大安全事故。",
    "严格党员发展和教育管理，全年发展党员3名，组织党员参加集中培训4期，开展谈心谈话56人次。",
    "自己在学习上存在“以干代学”的现象，满足于参加集中学习，运用理论解决实际问题的能力还有差距。",
    "究其原因，主要是自己对“抓好党建是最大政绩”的认识还不够深刻，主观上存在重业务轻党建的倾向。",
    "坚持每季度开展1次专题研讨，全年带头讲党课不少于2次，推动党建工作与业务工作同谋划、同部署、同考核。",
]
PARTS = [("一、主要做法及成效", 0.62), ("二、存在的问题及原因分析", 0.26), ("三、下步工作打算", 0.12)]
SUBS = ["（一）加强政治建设方面", "（二）服务保障中心大局方面", "（三）推进基层党建重点任务方面"]


def build_text(target: int, seed: int) -> str:
    """A 村书记's report of about ``target`` 字 in 童家镇's outline."""
    from shuzhi.reports.fastcount import fast_words

    rng = random.Random(seed)
    lines = [
        "2023年度抓基层党建工作述职报告",
        "各位领导、同志们：",
        "根据会议安排，现将本人2023年度抓基层党建工作情况述职如下。",
    ]
    for heading, share in PARTS:
        lines.append(heading)
        words, n = 0, 0
        while words < target * share:
            if heading.startswith("一") and n % 5 == 0 and n // 5 < len(SUBS):
                lines.append(SUBS[n // 5])
            para = "".join(rng.choice(SENTENCES) for _ in range(2))
            lines.append(para)
            words += fast_words(para)
            n += 1
    lines += ["谢谢大家！", "石龙村党支部书记：张三", "2024年1月5日"]
    return "\n".join(lines)


def make_app(db: Any, instance: str) -> Any:
    from shuzhi import create_app

    cfg = Config.from_env(
        environ={},
        INSTANCE_PATH=instance,
        DATABASE_URL=db.app_url,
        ADMIN_DATABASE_URL=db.owner_url,
        SECRET_KEY="bench",
        extra={"WTF_CSRF_ENABLED": False},
    )
    app = create_app(cfg)
    add_floor_route(app)
    return app


def add_floor_route(app: Any) -> None:
    """``POST /t/<tenant>/bench-floor``: what every signed-in portal request costs before its work —
    the session, the user, the tenant, one permission check — reading the same form and
    answering the JSON echo. Registered on the bench's app only."""
    from flask import Blueprint

    from shuzhi.auth.permissions import Perm, require

    bp = Blueprint("bench_floor", __name__, url_prefix="/t/<tenant>")

    @bp.post("/bench-floor")
    @require(Perm.REPORTS_READ)
    def floor(tenant: str) -> Any:
        return jsonify(text=request.form["text"])

    app.register_blueprint(bp)


def echo_app() -> Flask:
    app = Flask("echo")

    @app.post("/echo")
    def echo() -> Any:
        return jsonify(text=request.form["text"])

    return app


def setup(app: Any) -> tuple[int, int]:
    """The demo's 童家镇 with its 2023 campaign open; (secretary's user id, their reporter id)."""
    from shuzhi.cycles import access
    from shuzhi.cycles import service as cycles
    from shuzhi.db import db
    from shuzhi.demo import build_demo
    from shuzhi.tenancy.models import Tenant, User
    from shuzhi.tenancy.scope import scoped

    with app.app_context():
        build_demo(db.session, only=["tongjia"])
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "tongjia"))
        with scoped(db.session, platform=True):
            uid = db.session.scalar(select(User.id).where(User.username == "tongjia-secretary"))
        with scoped(db.session, tenant_id=tid):
            if cycles.campaign_for_year(db.session, 2023) is None:
                cycles.open_campaign(db.session, access.operator("bench"), year=2023)
                db.session.commit()
            reporter = cycles.reporters_of_user(db.session, uid)[0].id
        db.session.remove()
    return uid, reporter


class HttpClient:
    """One keep-alive HTTP connection to a real werkzeug server serving ``app``."""

    def __init__(self, app: Any, cookies: dict[str, str] | None = None) -> None:
        import http.client

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=False)
        self.server.protocol_version = "HTTP/1.1"  # keep-alive, as a browser does
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.server.server_port)
        self.cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())

    def post(self, path: str, body: bytes) -> bytes:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request("POST", path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise SystemExit(f"{path}: HTTP {resp.status}")
        return data

    def close(self) -> None:
        self.conn.close()
        self.server.shutdown()
        self.thread.join()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL, help="admin URL; the scratch database goes beside it")
    ap.add_argument("--reps", type=int, default=60)
    ap.add_argument("--words", type=int, default=3000, help="字 in the report")
    ap.add_argument("--http", action="store_true", help="both over HTTP to real werkzeug servers")
    ap.add_argument("--seed", type=int, default=20261205)
    args = ap.parse_args(argv)
    log = Log()
    load_before = os.getloadavg()
    from urllib.parse import urlencode

    from shuzhi.reports.fastcount import fast_words

    text = build_text(args.words, args.seed)
    log(f"text: {fast_words(text)}字, {len(text.encode())} bytes of UTF-8")
    rng = random.Random(args.seed)

    with (
        scratch_database(args.pg_url, Config().APP_DB_ROLE, log=log) as sdb,
        tempfile.TemporaryDirectory() as inst,
    ):
        app = make_app(sdb, inst)
        uid, reporter = setup(app)
        ours_path = f"/t/tongjia/write/{reporter}/check"
        floor_path = "/t/tongjia/bench-floor"
        anchor = echo_app()

        from shuzhi.testing.web import login

        tc = app.test_client()
        login(tc, uid)
        # the editor page's live-check ticket (ADR 0020), posted with the text as the page does
        page = tc.get(f"/t/tongjia/write/{reporter}").get_data(as_text=True)
        found = re.search(r'<input type="hidden" name="ticket" value="([^"]+)"', page)
        assert found, "the editor page carries a live-check ticket"
        ticket = found.group(1)
        if args.http:
            cookies = {c.key: c.value for c in tc._cookies.values()}  # the signed-in session
            ours_client: Any = HttpClient(app, cookies)
            anchor_client: Any = HttpClient(anchor)
            post_ours: Callable[[bytes], bytes] = lambda b: ours_client.post(ours_path, b)  # noqa: E731
            post_floor: Callable[[bytes], bytes] = lambda b: ours_client.post(floor_path, b)  # noqa: E731
            post_anchor: Callable[[bytes], bytes] = lambda b: anchor_client.post("/echo", b)  # noqa: E731
        else:
            ac = anchor.test_client()
            headers = {"HX-Request": "true"}
            ct = "application/x-www-form-urlencoded"

            def post_ours(b: bytes) -> bytes:
                r = tc.post(ours_path, data=b, content_type=ct, headers=headers)
                assert r.status_code == 200, r.status_code
                return r.data

            def post_anchor(b: bytes) -> bytes:
                r = ac.post("/echo", data=b, content_type=ct, headers=headers)
                assert r.status_code == 200
                return r.data

            def post_floor(b: bytes) -> bytes:
                r = tc.post(floor_path, data=b, content_type=ct, headers=headers)
                assert r.status_code == 200, r.status_code
                return r.data

        def typed() -> str:
            """The text with one character changed, as typing does."""
            i = rng.randrange(len(text))
            return text[:i] + rng.choice("党建工作群众") + text[i + 1 :]

        def edited() -> bytes:
            # the same body to every route: the ticket and the text, as the editor posts them
            return urlencode({"ticket": ticket, "text": typed()}).encode()

        def signed_in(body: bytes) -> bytes:
            """The same check without the ticket: the full signed-in path (the fallback)."""
            return post_ours(body.split(b"&", 1)[1])

        # warm-up: caches, templates, plugin policies, connection pool
        for _ in range(5):
            out = post_ours(edited())
            post_anchor(edited())
            post_floor(edited())
        assert b"sz-panel-body" in out and b"TJ-" in out, out[:300]

        ours: list[float] = []
        anchor_t: list[float] = []
        ratios: list[float] = []
        floor_t: list[float] = []
        full_t: list[float] = []
        with quiet_gc():
            for rep in range(args.reps):
                body = edited()
                pair: dict[str, float] = {}
                order = [
                    ("ours", post_ours),
                    ("anchor", post_anchor),
                    ("floor", post_floor),
                    ("full", signed_in),
                ]
                if rep % 2:
                    order.reverse()
                for name, fn in order:
                    t0 = time.perf_counter()
                    fn(body)
                    pair[name] = time.perf_counter() - t0
                floor_t.append(pair["floor"])
                full_t.append(pair["full"])
                ours.append(pair["ours"])
                anchor_t.append(pair["anchor"])
                ratios.append(pair["ours"] / pair["anchor"])

        # where our time goes: the check alone and the panel's rendering alone
        from shuzhi.cycles import service as cycles
        from shuzhi.db import db
        from shuzhi.reports import live

        with app.app_context():
            from shuzhi.tenancy.models import Tenant
            from shuzhi.tenancy.scope import scoped

            tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == "tongjia"))
            with scoped(db.session, tenant_id=tid):
                r = cycles.get_reporter(db.session, reporter)
                setting = live.setting_for(
                    cycles.pin_of(db.session, cycles.get_campaign(db.session, r.campaign_id))
                )
            db.session.remove()
        check_t = []
        with quiet_gc():
            for _ in range(args.reps):
                t = typed()
                t0 = time.perf_counter()
                live.check(setting, t)
                check_t.append(time.perf_counter() - t0)
        if args.http:
            ours_client.close()
            anchor_client.close()

    how = "HTTP (werkzeug, keep-alive)" if args.http else "Flask test client"
    print()
    print(f"Live check round trip of a {args.words}字 text, {args.reps} repetitions, both through the {how}")
    print(f"load average before: {load_before[0]:.2f}")
    ratio = statistics.median(ratios)
    print(
        table(
            ["", "median"],
            [
                ["anchor: bare Flask JSON echo", f"{median_ms(anchor_t):.2f} ms"],
                ["ours: POST …/check with the page's ticket → side panel", f"{median_ms(ours):.2f} ms"],
                ["  of which live.check (parse + every rule)", f"{median_ms(check_t):.2f} ms"],
                ["same check without a ticket (signed-in path)", f"{median_ms(full_t):.2f} ms"],
                ["portal floor: signed-in tenant POST, same echo", f"{median_ms(floor_t):.2f} ms"],
                ["ratio (median of per-repetition ratios)", f"{ratio:.2f}×"],
                ["signed-in path / anchor", f"{statistics.median(full_t) / statistics.median(anchor_t):.2f}×"],
                ["goal", "≤ 1.5×"],
            ],
        )
    )
    print("PASS" if ratio <= 1.5 else "FAIL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
