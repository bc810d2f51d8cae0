"""Cycle-engine benchmark: opening a province's campaign against a plain bulk insert of its
reporter rows, and the tenant admin's campaign page against one indexed COUNT.

    python bench/cycles.py [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                           [--reporters 100000] [--reps 3] [--page-rounds 40]

Builds a scratch database with the real migrations, one province-shaped tenant
(a root and ``--reporters`` orgs over four levels below it, each with a
secretary's post and a reporting relation to its parent), and drops the
database at the end. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from typing import Any

from _common import DEFAULT_PG_URL, Log, engine, median_ms, quiet_gc, scratch_database, table, timed
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shuzhi.config import Config
from shuzhi.cycles.models import Reporter
from shuzhi.orgs.paths import rank_code
from shuzhi.tenancy.scope import set_session_scope

OPEN_GOAL = 3.0
PAGE_GOAL = 2.0
#: Children per node at each level below the root: 20 cities, 15 counties each, 25 townships
#: each, then villages to make up the number (about 12 per township at 100,000).
FANOUT = (20, 15, 25)
KINDS = ("committee", "committee", "committee", "committee", "branch")
NAMES = ("省委", "市委", "县委", "乡镇党委", "村党支部")
STAMP = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
YEAR = 2018  # the jixian plan's year: its dates apply unshifted


def province(n: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """(parent index, level) of a root and exactly ``n`` orgs over four levels below it."""
    parent, level = [-1], [0]
    frontier = [0]
    for fan in FANOUT:
        nxt = []
        for p in frontier:
            for _ in range(fan):
                parent.append(p)
                level.append(level[p] + 1)
                nxt.append(len(parent) - 1)
        frontier = nxt
    left = n - (len(parent) - 1)
    if left < len(frontier):
        raise SystemExit(f"--reporters must be at least {len(parent) - 1 + len(frontier):,}")
    # villages: spread over the townships, 1 + a random share each
    counts = [1] * len(frontier)
    for _ in range(left - len(frontier)):
        counts[rng.randrange(len(frontier))] += 1
    for p, k in zip(frontier, counts, strict=True):
        for _ in range(k):
            parent.append(p)
            level.append(4)
    return parent, level


def load(
    owner: Engine, tenant_id: int, parent: list[int], level: list[int], rng: random.Random
) -> dict[str, int]:
    """COPY orgs, people, posts (a tenth of them new this year) and relations; FK triggers off."""
    n = len(parent)
    with owner.begin() as conn:
        first = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM orgs")).scalar_one()
        ids = list(range(first, first + n))
        # Ordinal paths (shuzhi.orgs.paths): each org's rank among its siblings, coded, after
        # its parent's path; child_seq is the last rank a parent gave (the app's counter).
        paths, child_seq = [b""] * n, [0] * n
        for i in range(n):
            p = parent[i]
            if p >= 0:
                child_seq[p] += 1
                paths[i] = paths[p] + rank_code(child_seq[p])
            else:
                paths[i] = rank_code(1)
        with conn.connection.driver_connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
            with cur.copy(
                "COPY orgs (id, tenant_id, code, name, kind, parent_id, path, depth, child_seq, created_at,"
                " updated_at) FROM STDIN"
            ) as cp:
                for i in range(n):
                    p = parent[i]
                    pid = str(ids[p]) if p >= 0 else r"\N"
                    path = "\\\\x" + paths[i].hex()  # bytea in COPY's text format: \\x + hex
                    cp.write(
                        f"{ids[i]}\t{tenant_id}\tB{ids[i]}\t{NAMES[level[i]]}{ids[i]}\t{KINDS[level[i]]}\t{pid}"
                        f"\t{path}\t{level[i]}\t{child_seq[i]}\t{STAMP}\t{STAMP}\n"
                    )
            with cur.copy("COPY people (id, tenant_id, code, name, created_at, updated_at) FROM STDIN") as cp:
                for i in range(n):
                    cp.write(f"{ids[i]}\t{tenant_id}\tP{ids[i]}\t书记{ids[i]}\t{STAMP}\t{STAMP}\n")
            with cur.copy(
                "COPY posts (id, tenant_id, person_id, org_id, title, start_date, end_date, created_at, updated_at)"
                " FROM STDIN"
            ) as cp:
                for i in range(n):
                    start = date(YEAR, 9, 1) if rng.random() < 0.1 else date(2000, 3, 1)
                    cp.write(
                        f"{ids[i]}\t{tenant_id}\t{ids[i]}\t{ids[i]}\t书记\t{start}\t\\N\t{STAMP}\t{STAMP}\n"
                    )
            with cur.copy(
                "COPY reporting_relations (id, tenant_id, reporter_id, receiver_id, valid_from, valid_to, note,"
                " created_at, updated_at) FROM STDIN"
            ) as cp:
                for i in range(1, n):
                    cp.write(
                        f"{ids[i]}\t{tenant_id}\t{ids[i]}\t{ids[parent[i]]}\t2000-01-01\t\\N\t\t{STAMP}\t{STAMP}\n"
                    )
        for t in ("orgs", "people", "posts", "reporting_relations"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
            )
    return {"orgs": n, "relations": n - 1}


def setup_tenant(owner: Engine, policy: str) -> tuple[int, int]:
    """A province tenant running ``policy`` and its admin (a user with the tenant_admin role)."""
    with owner.begin() as conn:
        tid = conn.execute(
            text(
                "INSERT INTO tenants (slug, name, region_code, level, policy_name, policy_choices, active,"
                " created_at, updated_at) VALUES ('bench-province', '某省委组织部', '', 'province', :p, '{}',"
                " true, now(), now()) RETURNING id"
            ),
            {"p": policy},
        ).scalar_one()
        uid = conn.execute(
            text(
                "INSERT INTO users (username, display_name, is_platform_admin, active, created_at, updated_at)"
                " VALUES ('bench-admin', '基准管理员', false, true, now(), now()) RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO memberships (tenant_id, user_id, role, org_ids, created_at, updated_at)"
                " VALUES (:t, :u, 'tenant_admin', '[]', now(), now())"
            ),
            {"t": tid, "u": uid},
        )
    return tid, uid


def make_app(db: Any, instance: str) -> Any:
    from shuzhi import create_app

    cfg = Config.from_env(
        environ={},
        INSTANCE_PATH=instance,
        DATABASE_URL=db.app_url,
        ADMIN_DATABASE_URL=db.owner_url,
        SECRET_KEY="bench",
    )
    return create_app(cfg)


def open_campaign(app: Any, tenant_id: int, year: int) -> tuple[float, int]:
    """Ours: service.open_campaign + commit, in the app's tenant-scoped session. (seconds, campaign id)"""
    from shuzhi.audit.service import Actor, set_actor
    from shuzhi.cycles import access, service
    from shuzhi.db import db

    with app.app_context():
        session = db.session
        set_session_scope(session, tenant_id=tenant_id)
        set_actor(session, Actor(None, "bench"))

        def run() -> int:
            campaign = service.open_campaign(
                session, access.operator("bench"), year=year, today=date(year, 11, 20)
            )
            session.commit()
            return campaign.id

        with quiet_gc():
            seconds, cid = timed(run)
        db.session.remove()
    return seconds, cid


def anchor_rows(app_engine: Engine, tenant_id: int, campaign_id: int) -> list[dict[str, Any]]:
    """The rows the anchor inserts: a campaign's reporter rows, read back (without ids)."""
    with Session(app_engine) as s:
        set_session_scope(s, tenant_id=tenant_id)
        cols = [c for c in Reporter.__table__.c if c.name != "id"]
        rows = s.execute(select(*cols).where(Reporter.campaign_id == campaign_id)).mappings().all()
    return [dict(r) for r in rows]


def core_insert(app_engine: Engine, tenant_id: int, rows: list[dict[str, Any]], year: int) -> float:
    """Anchor: the same number of reporter rows in one Core executemany, as the app role in a
    tenant-scoped transaction, under a fresh campaign row (the unique key), committed. Seconds."""
    with Session(app_engine) as s:
        set_session_scope(s, tenant_id=tenant_id)
        conn = s.connection()
        src = (
            conn.execute(text("SELECT * FROM campaigns WHERE id = :c"), {"c": rows[0]["campaign_id"]})
            .mappings()
            .one()
        )
        cid = conn.execute(
            text(
                "INSERT INTO campaigns (tenant_id, year, title, receiver_org_id, pin_id, policy_name, period_start,"
                " period_end, opened_on, status, steps, opened_by, created_at, updated_at)"
                " VALUES (:t, :y, 'anchor', :r, :p, 'anchor', :s, :e, :s, 'open', '[]', '', now(), now())"
                " RETURNING id"
            ),
            {
                "t": tenant_id,
                "y": year,
                "r": src["receiver_org_id"],
                "p": src["pin_id"],
                "s": src["period_start"],
                "e": src["period_end"],
            },
        ).scalar_one()
        s.commit()
    params = [{**r, "campaign_id": cid} for r in rows]

    def run() -> None:
        with Session(app_engine) as s:
            set_session_scope(s, tenant_id=tenant_id)
            s.connection().execute(insert(Reporter.__table__), params)
            s.commit()

    with quiet_gc():
        return timed(run)[0]


def page_and_count(
    app: Any, tenant_id: int, user_id: int, campaign_id: int, rounds: int, log: Log
) -> dict[str, Any]:
    """The campaign page (GET through the WSGI stack, signed in) against
    ``SELECT count(*) FROM reporters WHERE tenant_id = … AND campaign_id = …`` (an index-only scan)."""
    from shuzhi.testing.web import login

    client = app.test_client()
    login(client, user_id)
    url = f"/t/bench-province/campaigns/{campaign_id}"
    count_sql = select(func.count()).select_from(Reporter).where(Reporter.campaign_id == campaign_id)
    with app.app_context():
        from shuzhi.db import db

        # The anchor goes through the app's own engine (its pool, pre-ping and driver settings)
        # in a tenant-scoped session, as every query of the page does.
        session = Session(db.engine)
    set_session_scope(session, tenant_id=tenant_id)

    statements: list[str] = []

    def page() -> str:
        res = client.get(url)
        if res.status_code != 200:
            raise SystemExit(f"campaign page answered {res.status_code}")
        return res.get_data(as_text=True)

    def floor() -> None:
        # The portal's own cost of a tenant page: sign-in session, user, tenant, roles; a redirect.
        res = client.get("/t/bench-province/")
        if res.status_code != 302:
            raise SystemExit(f"tenant root answered {res.status_code}")

    def count() -> int:
        n = session.scalar(count_sql)
        session.commit()
        return n

    def count_statement() -> float:
        # For information: the COUNT statement alone, in a transaction already begun (no
        # checkout, BEGIN, tenant setting or COMMIT); seconds.
        session.connection()
        t0 = time.perf_counter()
        session.scalar(count_sql)
        took = time.perf_counter() - t0
        session.commit()
        return took

    html = page()
    expected = count()
    for mark in ('id="sz-review-tree"', 'id="sz-tenant"', 'id="sz-logout"', "csrf_token"):
        if mark not in html:  # the real page: tree, shell with the tenant bar, signed in, CSRF on
            raise SystemExit(f"the campaign page lacks {mark}")
    if f">{expected}<" not in html.replace(" ", ""):
        log(f"note: the page does not show the count {expected} verbatim")
    with app.app_context():
        from shuzhi.db import db

        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        page()
        event.remove(db.engine, "before_cursor_execute", listener)
    for _ in range(5):  # warm: caches, prepared statements, plans
        page()
        count()
    times: dict[str, list[float]] = {"ours": [], "anchor": [], "floor": [], "statement": []}
    fns = {"ours": page, "anchor": count, "floor": floor}
    with quiet_gc():
        for k in range(rounds):
            names = ["ours", "anchor", "floor", "statement"]
            names = names[k % 4 :] + names[: k % 4]  # rotate, so drift falls on all alike
            for name in names:
                if name == "statement":
                    times[name].append(count_statement())
                else:
                    times[name].append(timed(fns[name])[0])
    session.close()
    return {
        **times,
        "count": expected,
        "statements": len(statements),
        "html_kb": len(html.encode()) / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL, help="admin URL; the scratch database goes beside it")
    ap.add_argument("--reporters", type=int, default=100_000, help="orgs below the root (each one reports)")
    ap.add_argument("--reps", type=int, default=3, help="openings and anchor inserts, interleaved")
    ap.add_argument("--page-rounds", type=int, default=40, help="page/COUNT pairs, interleaved")
    ap.add_argument("--policy", default="jixian", help="the tenant's policy (a loaded plugin's)")
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args(argv)

    log = Log()
    keep = log.keep
    load_before = os.getloadavg()
    rng = random.Random(args.seed)
    app_role = Config().APP_DB_ROLE

    with scratch_database(args.pg_url, app_role, log=log) as db, tempfile.TemporaryDirectory() as instance:
        owner_engine = engine(db.owner_url)
        app_engine = engine(db.app_url)
        try:
            with owner_engine.connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar_one()
            tenant_id, user_id = setup_tenant(owner_engine, args.policy)
            parent, level = province(args.reporters, rng)
            load_s, counts = timed(lambda: load(owner_engine, tenant_id, parent, level, rng))
            log(
                f"COPY {counts['orgs']:,} orgs with posts and {counts['relations']:,} relations in {load_s:.1f}s"
            )
            with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for t in ("orgs", "people", "posts", "reporting_relations"):
                    conn.execute(text(f"VACUUM (ANALYZE) {t}"))
            app = make_app(db, instance)

            # A warm-up opening (caches, plugin policies, plans) whose rows the anchor copies.
            warm_s, warm_id = open_campaign(app, tenant_id, YEAR + 10)
            rows = anchor_rows(app_engine, tenant_id, warm_id)
            reviews = len({r["review_id"] for r in rows})
            log(f"warm-up opening: {len(rows):,} reporters in {reviews:,} reviews, {warm_s:.1f}s")
            if len(rows) != args.reporters:
                raise SystemExit(f"opened {len(rows)} reporters, expected {args.reporters}")

            ours_s: list[float] = []
            anchor_s: list[float] = []
            last_id = warm_id
            for k in range(args.reps):
                order = ["anchor", "ours"] if k % 2 == 0 else ["ours", "anchor"]
                for name in order:
                    if name == "ours":
                        s, last_id = open_campaign(app, tenant_id, YEAR + k)
                        ours_s.append(s)
                    else:
                        anchor_s.append(core_insert(app_engine, tenant_id, rows, YEAR - 20 - k))
                    log(f"rep {k + 1} {name}: {(ours_s if name == 'ours' else anchor_s)[-1]:.2f}s")
            with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) reporters"))
                conn.execute(text("VACUUM (ANALYZE) reviews"))
                total = conn.execute(text("SELECT count(*) FROM reporters")).scalar_one()
            log(f"reporters table now holds {total:,} rows; measuring the page of campaign {last_id}")
            page = page_and_count(app, tenant_id, user_id, last_id, args.page_rounds, log)
        finally:
            app_engine.dispose()
            owner_engine.dispose()

    open_ratio = statistics.median(ours_s) / statistics.median(anchor_s)
    page_ratio = median_ms(page["ours"]) / median_ms(page["anchor"])
    keep(
        f"PostgreSQL {version}. One tenant, policy {args.policy}: {counts['orgs']:,} orgs (a root, 4 levels),"
    )
    keep(
        f"{counts['relations']:,} relations, one post each; {reviews:,} reviews, {len(rows):,} reporters per campaign."
    )
    keep()
    keep(
        table(
            ["open a campaign", "median s", "runs (s)"],
            [
                [
                    "ours: service.open_campaign + commit",
                    f"{statistics.median(ours_s):.2f}",
                    " / ".join(f"{s:.2f}" for s in ours_s),
                ],
                [
                    f"anchor: Core executemany of {len(rows):,} reporter rows + commit",
                    f"{statistics.median(anchor_s):.2f}",
                    " / ".join(f"{s:.2f}" for s in anchor_s),
                ],
            ],
        )
    )
    keep(
        f"open/anchor = {open_ratio:.2f} (goal <= {OPEN_GOAL}): {'PASS' if open_ratio <= OPEN_GOAL else 'FAIL'}"
    )
    keep()
    keep(
        table(
            ["campaign page", "median ms", "p90 ms"],
            [
                [
                    "ours: GET /t/<tenant>/campaigns/<id> (signed in, rendered)",
                    f"{median_ms(page['ours']):.1f}",
                    f"{statistics.quantiles(page['ours'], n=10)[-1] * 1000:.1f}",
                ],
                [
                    f"anchor: SELECT count(*) of the campaign's {page['count']:,} reporters",
                    f"{median_ms(page['anchor']):.1f}",
                    f"{statistics.quantiles(page['anchor'], n=10)[-1] * 1000:.1f}",
                ],
                [
                    "info: GET /t/<tenant>/ (the portal's floor: session, tenant, roles; 302)",
                    f"{median_ms(page['floor']):.1f}",
                    f"{statistics.quantiles(page['floor'], n=10)[-1] * 1000:.1f}",
                ],
                [
                    "info: the COUNT statement alone (transaction already begun)",
                    f"{median_ms(page['statement']):.1f}",
                    f"{statistics.quantiles(page['statement'], n=10)[-1] * 1000:.1f}",
                ],
            ],
        )
    )
    keep(
        f"page/anchor = {page_ratio:.2f} (goal <= {PAGE_GOAL}): {'PASS' if page_ratio <= PAGE_GOAL else 'FAIL'};"
        f" the page makes {page['statements']} statements and is {page['html_kb']:.0f} KB"
    )
    beyond = (median_ms(page["ours"]) - median_ms(page["floor"])) / median_ms(page["anchor"])
    keep(
        f"info: (page - floor)/anchor = {beyond:.2f}: the campaign's own work, beside the portal's per-request cost"
    )
    keep(
        f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; {log.elapsed():.0f}s in all"
    )
    print("\n==================== SUMMARY ====================")
    print("\n".join(log.summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
