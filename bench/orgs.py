"""Org tree benchmark: materialized-path subtree counts against a closure table,
and xlsx import throughput against a plain executemany insert.

    python bench/orgs.py [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--nodes 1000000]
                         [--variants varint,ordinal|all|none] [--skip-import] [--skip-reindex]
                         [--first-id 1]

Builds a scratch database with the real migrations, a province-shaped tree for
one tenant (plus a smaller tree for a second tenant, interleaved in the heap),
a closure table over the same rows and, for ``--variants``, side tables
holding the same orgs under candidate path representations (bench/pathkeys.py);
drops the database at the end. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import re
import statistics
import sys
import tempfile
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pathkeys
from _common import (
    DEFAULT_PG_URL,
    Log,
    ScratchDB,
    engine,
    median_ms,
    quiet_gc,
    scratch_database,
    table,
    timed,
)
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from shuzhi.config import Config
from shuzhi.orgs.models import Org
from shuzhi.orgs.paths import rank_code
from shuzhi.orgs.service import subtree_count
from shuzhi.tenancy import rls
from shuzhi.tenancy.models import Tenant
from shuzhi.tenancy.scope import set_session_scope

GOAL_RATIO = 1.5
TARGETS = {1_000: "~1k 乡镇 township", 10_000: "~10k 县 county", 100_000: "~100k 市 city"}
SUBTREES_PER_SIZE = 5
BUDGET_S_PER_SIZE = 15.0  # wall-clock timing loop per size; sets the number of rounds
REINDEX_BUDGET_S = 6.0  # the shorter second pass after REINDEX
SERVER_REPS = 20  # EXPLAIN ANALYZE runs per subtree and method
LEVELS = ["省委", "市委", "县委", "乡镇党委", "村党总支", "党支部", "党小组", "党小组"]
KINDS = ["committee", "committee", "committee", "committee", "general_branch", "branch", "branch", "branch"]
KIND_LABELS = {"committee": "党委", "general_branch": "党总支", "branch": "党支部"}
STAMP = datetime(2026, 1, 1, tzinfo=UTC).isoformat()

ORGS = Org.__table__
CLOSURE = Table(
    "org_closure",
    MetaData(),
    Column("ancestor_id", BigInteger, nullable=False),
    Column("descendant_id", BigInteger, nullable=False),
    Column("depth", Integer, nullable=False),
)


# --- the tree ----------------------------------------------------------------


@dataclass
class Tree:
    """One tenant's tree in pre-order (DFS) index space, then with ids and paths."""

    parent: list[int]  # pre-order index of the parent, -1 for the root
    depth: list[int]
    ids: list[int] = field(default_factory=list)
    paths: list[bytes] = field(default_factory=list)  # the app's ordinal path (shuzhi.orgs.paths)
    id_paths: list[str] = field(default_factory=list)  # '/1/5/23/': the ancestors' ids, for the variants
    child_seq: list[int] = field(default_factory=list)  # children given a rank (the app's counter)

    def __len__(self) -> int:
        return len(self.parent)

    def sizes(self) -> list[int]:
        size = [1] * len(self)
        for i in range(len(self) - 1, 0, -1):  # children come after their parent in pre-order
            size[self.parent[i]] += size[i]
        return size

    def level_order(self) -> list[int]:
        """Parents before children, level by level, each level in tree order."""
        return sorted(range(len(self)), key=lambda i: (self.depth[i], i))


def province(n: int, rng: random.Random, fanout: tuple[int, int] = (7, 13)) -> Tree:
    """A tree of exactly ``n`` nodes, 7-13 children per node, the last branch cut short.

    With the mean fanout of 10 and n = 1,000,000, level 1 subtrees hold ~111k
    nodes (cities), level 2 ~11k (counties), level 3 ~1.1k (townships).
    """
    max_depth = 1
    while sum(10**i for i in range(max_depth + 1)) < n:
        max_depth += 1
    for attempt in range(1000):
        parent: list[int] = []
        depth: list[int] = []
        stack = [(-1, 0)]
        while stack and len(parent) < n:
            p, d = stack.pop()
            me = len(parent)
            parent.append(p)
            depth.append(d)
            if d < max_depth:
                stack.extend([(me, d + 1)] * rng.randint(*fanout))
        if len(parent) == n:
            return Tree(parent, depth)
        if attempt % 10 == 9:  # draws keep coming up short: one level deeper
            max_depth += 1
    raise AssertionError("unreachable")


def assign_ids(trees: list[Tree], first_id: int = 1) -> None:
    """Ids as an importer creating level by level would get them, tenants interleaved in the heap."""
    orders = [t.level_order() for t in trees]
    total = sum(len(t) for t in trees)
    cursors = [0] * len(trees)
    for t in trees:
        t.ids = [0] * len(t)
    for k in range(total):
        # the tree furthest behind its share goes next, so rows interleave evenly
        j = min(
            (j for j in range(len(trees)) if cursors[j] < len(trees[j])),
            key=lambda j: cursors[j] / len(trees[j]) - k / total,
        )
        trees[j].ids[orders[j][cursors[j]]] = first_id + k
        cursors[j] += 1
    for t, order in zip(trees, orders, strict=True):
        # the app's ranks: siblings in id order, as the migration and the importer give them
        rank = ordinals(t)
        t.id_paths, t.paths, t.child_seq = [""] * len(t), [b""] * len(t), [0] * len(t)
        for i in order:
            p = t.parent[i]
            t.id_paths[i] = (t.id_paths[p] if p >= 0 else "/") + f"{t.ids[i]}/"
            t.paths[i] = (t.paths[p] if p >= 0 else b"") + rank_code(rank[i])
            if p >= 0:
                t.child_seq[p] += 1


def copy_lines(tree: Tree, tenant_id: int) -> Iterator[tuple[int, str]]:
    """(id, COPY text line) for every node."""
    for i in range(len(tree)):
        d = tree.depth[i]
        oid = tree.ids[i]
        parent = tree.ids[tree.parent[i]] if tree.parent[i] >= 0 else r"\N"
        name = f"{LEVELS[min(d, len(LEVELS) - 1)]}{oid}"
        kind = KINDS[min(d, len(KINDS) - 1)]
        path = "\\\\x" + tree.paths[i].hex()  # bytea in COPY's text format: \\x + hex
        seq = tree.child_seq[i]
        yield (
            oid,
            f"{oid}\t{tenant_id}\tT{tenant_id}-{oid}\t{name}\t{kind}\t{parent}\t{path}\t{d}\t{seq}"
            f"\t{STAMP}\t{STAMP}\n",
        )


# --- loading -----------------------------------------------------------------


def create_tenants(conn: Connection, slugs: list[str]) -> list[int]:
    t = Tenant.__table__
    return [
        conn.execute(
            insert(t)
            .values(slug=slug, name=f"{slug} 组织部", level="province", policy_choices={})
            .returning(t.c.id)
        ).scalar_one()
        for slug in slugs
    ]


def load_orgs(owner: Engine, trees: list[Tree], tenant_ids: list[int]) -> int:
    """COPY every tree into orgs, in id order so the heap interleaves the tenants."""
    lines = sorted(
        (row for t, tid in zip(trees, tenant_ids, strict=True) for row in copy_lines(t, tid)),
        key=lambda r: r[0],
    )
    cols = "id, tenant_id, code, name, kind, parent_id, path, depth, child_seq, created_at, updated_at"
    with owner.begin() as conn:
        with conn.connection.driver_connection.cursor() as cur:
            # FK triggers off for the load (the generator guarantees every parent
            # exists); the migration's indexes are maintained row by row as in use.
            cur.execute("SET LOCAL session_replication_role = replica")
            with cur.copy(f"COPY orgs ({cols}) FROM STDIN") as cp:
                for k in range(0, len(lines), 20_000):
                    cp.write("".join(line for _, line in lines[k : k + 20_000]))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('orgs', 'id'), (SELECT max(id) FROM orgs))"))
    return len(lines)


def build_closure(conn: Connection, app_role: str, trees: list[Tree]) -> int:
    """The anchor: (ancestor, descendant, depth) for every pair, self pairs included, by COPY
    (the app's paths no longer spell the ancestors' ids; the generator knows them)."""
    conn.execute(text("SET maintenance_work_mem = '512MB'"))
    conn.execute(
        text(
            "CREATE TABLE org_closure (ancestor_id bigint NOT NULL, descendant_id bigint NOT NULL,"
            " depth integer NOT NULL)"
        )
    )
    with (
        driver_cursor(conn) as cur,
        cur.copy("COPY org_closure (ancestor_id, descendant_id, depth) FROM STDIN") as cp,
    ):
        for t in trees:
            buf: list[str] = []
            for i, oid in enumerate(t.ids):
                a, up = i, 0
                while a >= 0:
                    buf.append(f"{t.ids[a]}\t{oid}\t{up}\n")
                    a, up = t.parent[a], up + 1
                if len(buf) > 50_000:
                    cp.write("".join(buf))
                    buf.clear()
            cp.write("".join(buf))
    conn.execute(text("ALTER TABLE org_closure ADD PRIMARY KEY (ancestor_id, descendant_id)"))
    conn.execute(text(f"GRANT SELECT ON org_closure TO {app_role}"))
    return conn.execute(text("SELECT count(*) FROM org_closure")).scalar_one()


def relation_sizes(conn: Connection, variants: list[pathkeys.Variant] = ()) -> dict[str, str]:  # type: ignore[assignment]
    """Size of each relation, and how full the btree indexes' leaf pages are (when pgstattuple is there)."""
    try:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
        density = True
    except Exception:
        density = False
    names = ["orgs", "ix_orgs_tenant_id_path", "org_closure", "org_closure_pkey"]
    names += [f"{v.table}_ix" for v in variants if not v.on_orgs]
    out = {}
    for name in names:
        size, am = conn.execute(
            text(
                "SELECT pg_size_pretty(pg_relation_size(c.oid)), a.amname"
                " FROM pg_class c LEFT JOIN pg_am a ON a.oid = c.relam WHERE c.relname = :n"
            ),
            {"n": name},
        ).one()
        if density and am == "btree":
            leaf = conn.execute(
                text("SELECT avg_leaf_density FROM pgstatindex(:n)"), {"n": name}
            ).scalar_one()
            size += f" {leaf:.0f}% full"
        out[name] = size
    return out


# --- subtree counts ----------------------------------------------------------


def anchor(org_id: int) -> Any:
    return select(func.count()).select_from(CLOSURE).where(CLOSURE.c.ancestor_id == org_id)


@contextmanager
def sent(engine_: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The (SQL, parameters) pairs the engine hands to psycopg meanwhile: what the app really sends."""
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine_, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine_, "before_cursor_execute", grab)


def capture(engine_: Engine, call: Callable[[], Any]) -> tuple[str, Any, Any]:
    """Run ``call`` once; the last statement it sent, its parameters and the call's result."""
    with sent(engine_) as seen:
        result = call()
    sql, params = seen[-1]
    return sql, params, result


def driver_cursor(conn: Connection) -> Any:
    return conn.connection.driver_connection.cursor()


def explain_json(conn: Connection, sql: str, params: Any) -> dict[str, Any]:
    """EXPLAIN ANALYZE of a statement as sent, planned for these values (never a prepared plan)."""
    with driver_cursor(conn) as cur:
        cur.execute(
            f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON, FORMAT JSON) {sql}", params, prepare=False
        )
        return cur.fetchone()[0][0]


def explain_text(conn: Connection, sql: str, params: Any) -> list[str]:
    with driver_cursor(conn) as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY OFF) {sql}", params, prepare=False)
        return [r[0] for r in cur.fetchall()]


def normalized(sql: str) -> str:
    """A statement as pg_prepared_statements shows it: psycopg turns %(name)s into $n."""
    return re.sub(r"\s+", " ", re.sub(r"%\(\w+\)s|\$\d+", "?", sql)).strip()


def plan_cache(conn: Connection) -> dict[str, tuple[int, int]]:
    """(generic, custom) plans so far of each statement psycopg prepared on this connection
    (it prepares a statement on its 6th execution; PostgreSQL then plans it anew for each
    execution, custom, until a generic plan looks no dearer than the custom ones)."""
    rows = conn.exec_driver_sql("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
    return {normalized(sql): (g, c) for sql, g, c in rows}


@dataclass
class Method:
    """One way of counting a subtree: what it sends per subtree, or a whole call (the ORM)."""

    name: str
    conn: Connection
    sent: list[tuple[str, Any]] = field(default_factory=list)  # per subtree: (SQL, parameters)
    call: Callable[[int], int] | None = None  # per subtree index, instead of replaying ``sent``
    server: bool = True  # timed by EXPLAIN ANALYZE too

    def run(self, k: int) -> int:
        if self.call is not None:
            return self.call(k)
        sql, params = self.sent[k]
        return self.conn.exec_driver_sql(sql, params).scalar_one()


@dataclass
class SizeResult:
    label: str
    counts: list[int]
    rounds: int
    wall: dict[str, list[float]]  # method -> seconds per query, client side
    server: dict[str, list[float]]  # method -> seconds per query, PostgreSQL's execution time
    buffers: dict[str, tuple[float, float]]  # method -> shared buffers (hit, read) per query, medians
    plans: dict[str, list[str]]
    plan_cache: dict[str, tuple[int, int]]  # method -> (generic, custom) plans during the timing loop
    statements: dict[str, str]  # method -> the SQL it sends, as captured (first subtree)

    def cached(self, method: str) -> str:
        """How PostgreSQL's plan cache ran the method's prepared statement in the timing loop."""
        generic, custom = self.plan_cache.get(method, (0, 0))
        if not generic + custom:
            return "-"
        return "generic" if not custom else "custom" if not generic else f"{generic}g/{custom}c"

    def ms(self, method: str, server: bool = False) -> float:
        return median_ms((self.server if server else self.wall)[method])

    def ratio(self, method: str = "ours", server: bool = False) -> float:
        return self.ms(method, server) / self.ms("anchor", server)

    def paired(self, method: str = "ours") -> float:
        """Median of per-query ratios to the anchor query run next to it (same round, same subtree)."""
        return statistics.median(a / b for a, b in zip(self.wall[method], self.wall["anchor"], strict=True))


def pick_subtrees(tree: Tree, target: int, rng: random.Random) -> list[int]:
    """Pre-order indexes of up to SUBTREES_PER_SIZE subtrees within a factor 2 of ``target`` nodes."""
    sizes = tree.sizes()
    # never the root: counting a whole tenant is a different query (a sequential scan wins)
    pool = [i for i, s in enumerate(sizes) if i and target / 2 <= s <= target * 2]
    pool.sort(key=lambda i: abs(math.log(sizes[i] / target)))
    pool = pool[: SUBTREES_PER_SIZE * 4]
    return sorted(rng.sample(pool, min(SUBTREES_PER_SIZE, len(pool))))


@dataclass
class Pick:
    """A subtree's root: its id, the app's path and its chain (for the variants' keys)."""

    org_id: int
    path: bytes
    chain: pathkeys.Chain


def methods_for(
    picks: list[Pick],
    session: Session,
    app_engine: Engine,
    owner: Connection,
    variants: list[pathkeys.Variant],
    models: pathkeys.Models,
) -> list[Method]:
    """Every method's statements for these subtrees, captured as the app's session sends them."""
    app = session.connection()
    # ours: service.subtree_count itself, in the tenant-scoped session (scope.py adds the criterion)
    ours = Method(
        "ours",
        app,
        [capture(app_engine, lambda p=p: subtree_count(session, Org(path=p.path)))[:2] for p in picks],
    )
    out = [
        ours,
        Method(
            "anchor",
            app,
            [capture(app_engine, lambda p=p: app.execute(anchor(p.org_id)).scalar_one())[:2] for p in picks],
        ),
        Method("owner", owner, ours.sent, server=False),
        Method("orm", app, call=lambda k: subtree_count(session, Org(path=picks[k].path)), server=False),
    ]
    for v in variants:
        model = models.of(v, Org)
        stmts = [
            capture(
                app_engine,
                lambda p=p, v=v, model=model: session.scalar(
                    select(func.count()).select_from(model).where(v.cond(model.path, p.chain))
                ),
            )[:2]
            for p in picks
        ]
        out.append(Method(v.name, app, stmts))
    return out


def measure_size(
    label: str,
    picks: list[Pick],
    methods: list[Method],
    rng: random.Random,
    budget_s: float = BUDGET_S_PER_SIZE,
) -> SizeResult:
    """All methods on the same subtrees, interleaved query by query, in rotating order."""
    names = [m.name for m in methods]
    counts = []
    for k, p in enumerate(picks):
        got = {m.name: m.run(k) for m in methods}
        if len(set(got.values())) != 1:
            raise SystemExit(f"counts disagree for org {p.org_id} ({p.path}): {got}")
        counts.append(got["anchor"])

    # warm-up: buffer cache, psycopg's prepared statements (after 5 runs), plan cache
    warm: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(6):
        for k in range(len(picks)):
            for m in methods:
                warm[m.name].append(timed(lambda m=m, k=k: m.run(k))[0])
    per_round = sum(statistics.median(v) for v in warm.values()) * len(picks)
    rounds = max(20, min(400, int(budget_s / per_round)))

    wall: dict[str, list[float]] = {n: [] for n in names}
    cache_before = plan_cache(methods[0].conn)
    with quiet_gc():
        for r in range(rounds):
            order = list(range(len(picks)))
            rng.shuffle(order)
            for k in order:
                for m in methods[r % len(methods) :] + methods[: r % len(methods)]:  # rotate who goes first
                    wall[m.name].append(timed(lambda m=m, k=k: m.run(k))[0])

    cache_after = plan_cache(methods[0].conn)
    explained = [m for m in methods if m.server]
    replans = {}
    for m in explained:
        key = normalized(m.sent[0][0])
        g0, c0 = cache_before.get(key, (0, 0))
        g1, c1 = cache_after.get(key, (0, 0))
        replans[m.name] = (g1 - g0, c1 - c0)
    server: dict[str, list[float]] = {m.name: [] for m in explained}
    hits: dict[str, list[int]] = {m.name: [] for m in explained}
    reads: dict[str, list[int]] = {m.name: [] for m in explained}
    for r in range(SERVER_REPS):
        for k in range(len(picks)):
            for m in explained[r % len(explained) :] + explained[: r % len(explained)]:
                got = explain_json(m.conn, *m.sent[k])
                server[m.name].append(float(got["Execution Time"]) / 1000)
                hits[m.name].append(got["Plan"]["Shared Hit Blocks"])
                reads[m.name].append(got["Plan"]["Shared Read Blocks"])
    buffers = {n: (statistics.median(hits[n]), statistics.median(reads[n])) for n in server}
    plans = {m.name: explain_text(m.conn, *m.sent[0]) for m in explained}
    statements = {m.name: m.sent[0][0] for m in explained}
    return SizeResult(label, counts, rounds, wall, server, buffers, plans, replans, statements)


def scope_cost(app_engine: Engine, tenant_id: int, reps: int = 300) -> float:
    """What a transaction pays to set the tenant (BEGIN, set_config x3, COMMIT), median ms."""
    times = []
    with quiet_gc():
        for _ in range(reps):
            s = Session(app_engine)
            set_session_scope(s, tenant_id=tenant_id)
            times.append(timed(lambda s=s: (s.connection(), s.commit()))[0])
            s.close()
    return median_ms(times)


def plan_lines(plan: list[str]) -> list[str]:
    """The plan without cost estimates, for the summary."""
    return [re.sub(r"  \(cost=[^)]*\)", "", line) for line in plan if line.strip()]


# --- import throughput -------------------------------------------------------


def import_rows(n: int, rng: random.Random, prefix: str) -> list[dict[str, Any]]:
    """``n`` orgs (code, name, kind, parent code, depth), parents listed before their children."""
    tree = province(n, rng)
    order = tree.level_order()
    code = {i: f"{prefix}{k:06d}" for k, i in enumerate(order)}
    rows = []
    for i in order:
        d = tree.depth[i]
        rows.append(
            {
                "code": code[i],
                "name": f"{LEVELS[min(d, len(LEVELS) - 1)]}{code[i]}",
                "kind": KINDS[min(d, len(KINDS) - 1)],
                "parent": code[tree.parent[i]] if tree.parent[i] >= 0 else None,
                "depth": d,
            }
        )
    return rows


def xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    """The rows as the importer's 组织 sheet (headers as its SPECS name them)."""
    from openpyxl import Workbook

    from shuzhi.orgs import imports

    headers = [c.header for c in imports.SPECS[imports.ORGS]]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(imports.ORGS)
    ws.append(headers)
    for r in rows:
        values = {
            "编码": r["code"],
            "名称": r["name"],
            "类型": KIND_LABELS[r["kind"]],
            "上级编码": r["parent"],
        }
        ws.append([values.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def core_insert(app_engine: Engine, tenant_id: int, rows: list[dict[str, Any]]) -> float:
    """Anchor: the same rows in one Core executemany (ids from the sequence first, so paths are
    known), as the app role in a tenant-scoped transaction, committed. Seconds."""

    def run() -> None:
        with Session(app_engine) as s:
            set_session_scope(s, tenant_id=tenant_id)
            conn = s.connection()
            ids = conn.execute(
                text("SELECT nextval(pg_get_serial_sequence('orgs', 'id')) FROM generate_series(1, :n)"),
                {"n": len(rows)},
            ).scalars()
            placed: dict[str, tuple[int, bytes]] = {}
            given: dict[str | None, int] = {}  # parent code -> last rank given (the app's child_seq)
            kids = Counter(row["parent"] for row in rows)
            now = datetime.now(UTC)
            params = []
            for row, oid in zip(rows, ids, strict=True):
                parent = placed.get(row["parent"]) if row["parent"] else None
                given[row["parent"]] = rank = given.get(row["parent"], 0) + 1
                path = (parent[1] if parent else b"") + rank_code(rank)
                placed[row["code"]] = (oid, path)
                params.append(
                    {
                        "id": oid,
                        "tenant_id": tenant_id,
                        "code": row["code"],
                        "name": row["name"],
                        "kind": row["kind"],
                        "parent_id": parent[0] if parent else None,
                        "path": path,
                        "depth": row["depth"],
                        "child_seq": kids.get(row["code"], 0),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(insert(ORGS), params)
            s.commit()

    return timed(run)[0]


def importer_available() -> bool:
    try:
        from shuzhi.orgs import imports
    except ImportError:
        return False
    return all(callable(getattr(imports, f, None)) for f in ("import_file", "parse")) and hasattr(
        imports, "SPECS"
    )


def import_throughput(
    db: ScratchDB, app_engine: Engine, tenants: dict[str, int], n: int, log: Log
) -> list[str]:
    """Rows/s through the project's xlsx importer vs a plain executemany: same run, same table.

    ``tenants``: fresh tenants named anchor-1, ours, no-audit, anchor-2 (in the order they run).
    """
    if not importer_available():
        return ["NOT DONE: shuzhi.orgs.imports.import_file is not there yet."]
    from shuzhi import create_app
    from shuzhi.db import db as flask_db
    from shuzhi.orgs import imports

    rng = random.Random(n)
    rows = import_rows(n, rng, "I")
    data = xlsx_bytes(rows)
    log(f"import: {n:,} rows as a {len(data) / 1e6:.1f} MB xlsx")
    core_s: list[float] = []
    import_s: dict[str, float] = {}

    with tempfile.TemporaryDirectory() as instance:
        cfg = Config.from_env(
            environ={},
            INSTANCE_PATH=instance,
            DATABASE_URL=db.app_url,
            ADMIN_DATABASE_URL=db.owner_url,
            SECRET_KEY="bench",
        )
        app = create_app(cfg)
        with app.app_context():
            parse_s, _ = timed(lambda: imports.parse("orgs.xlsx", data))
            # the anchor before and after the importer, into fresh tenants, to even out drift
            core_s.append(core_insert(app_engine, tenants["anchor-1"], rows))
            log(f"import anchor (Core executemany): {core_s[-1]:.1f}s")
            for name in ("ours", "no-audit"):
                session = flask_db.session
                set_session_scope(session, tenant_id=tenants[name])
                session.info["audit_disabled"] = name == "no-audit"  # the audit trail's switch

                def run(session: Any = session) -> Any:
                    result = imports.import_file(session, "orgs.xlsx", data)
                    session.commit()
                    return result

                import_s[name], result = timed(run)
                flask_db.session.remove()
                log(f"import_file ({name}): {import_s[name]:.1f}s, {result.created['orgs']:,} orgs created")
                if result.created["orgs"] != n:
                    raise SystemExit(f"importer created {result.created['orgs']} orgs, expected {n}")
            core_s.append(core_insert(app_engine, tenants["anchor-2"], rows))
            log(f"import anchor again: {core_s[-1]:.1f}s")

    owner = engine(db.owner_url)  # the owner sees every tenant's rows
    try:
        with owner.connect() as conn:
            bad = conn.execute(
                text(
                    "SELECT count(*) FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id"
                    " WHERE o.tenant_id = :t"
                    # each path extends its parent's by one code: no longer, unrelated or shorter
                    " AND (substr(o.path, 1, length(coalesce(p.path, ''::bytea))) <> coalesce(p.path, ''::bytea)"
                    " OR length(o.path) <= length(coalesce(p.path, ''::bytea))"
                    " OR o.depth <> coalesce(p.depth + 1, 0))"
                ),
                {"t": tenants["ours"]},
            ).scalar_one()
            has_audit = conn.execute(text("SELECT to_regclass('audit_events') IS NOT NULL")).scalar_one()
            audited = {
                name: conn.execute(
                    text("SELECT count(*) FROM audit_events WHERE tenant_id = :t"), {"t": t}
                ).scalar_one()
                if has_audit
                else 0
                for name, t in tenants.items()
            }
    finally:
        owner.dispose()
    if bad:
        raise SystemExit(f"{bad} imported orgs have a path or depth that disagrees with their parent")

    core = statistics.mean(core_s)
    ours_rate, core_rate = n / import_s["ours"], n / core
    return [
        table(
            ["method", "seconds", "rows/s", "audit events"],
            [
                [
                    "import_file + commit (parse, checks, writes)",
                    f"{import_s['ours']:.2f}",
                    f"{ours_rate:,.0f}",
                    audited["ours"],
                ],
                ["  parse() alone, same bytes", f"{parse_s:.2f}", f"{n / parse_s:,.0f}", ""],
                [
                    "  import_file with audit_disabled (info)",
                    f"{import_s['no-audit']:.2f}",
                    f"{n / import_s['no-audit']:,.0f}",
                    audited["no-audit"],
                ],
                [
                    "anchor: Core executemany + commit",
                    f"{core:.2f}",
                    f"{core_rate:,.0f}",
                    audited["anchor-1"],
                ],
                ["  anchor runs (before / after)", " / ".join(f"{s:.2f}" for s in core_s), "", ""],
            ],
        ),
        f"importer rows/s / anchor rows/s = {ours_rate / core_rate:.2f}"
        f" (the importer takes {core_rate / ours_rate:.1f}x the anchor's time; the anchor is the mean of 2 runs)",
    ]


def measure_all(
    picks: dict[str, list[Pick]],
    tenant_id: int,
    app_engine: Engine,
    owner_engine: Engine,
    variants: list[pathkeys.Variant],
    models: pathkeys.Models,
    rng: random.Random,
    log: Log,
    budget_s: float,
) -> list[SizeResult]:
    results = []
    session = Session(app_engine)
    set_session_scope(session, tenant_id=tenant_id)  # the app's after_begin hook sets the GUCs
    try:
        with owner_engine.connect() as owner:
            # the owner replays the app's statement, whose tenant criterion reads this setting
            owner.execute(text("SELECT set_config('shuzhi.tenant', :t, false)"), {"t": str(tenant_id)})
            for label, subtrees in picks.items():
                methods = methods_for(subtrees, session, app_engine, owner, variants, models)
                results.append(measure_size(label, subtrees, methods, rng, budget_s))
                log(
                    f"{label}: {len(subtrees)} subtrees x {results[-1].rounds} rounds x {len(methods)} methods"
                )
            owner.rollback()
    finally:
        session.close()
    return results


def ordinals(tree: Tree) -> list[int]:
    """Each node's rank among its siblings, 1-based, in id order (ids grow in tree order within a level)."""
    seen: dict[int, int] = {}
    out = [0] * len(tree)
    for i, p in enumerate(tree.parent):
        seen[p] = seen.get(p, 0) + 1
        out[i] = seen[p]
    return out


def chains(trees: list[Tree], tenant_ids: list[int]) -> Callable[[], Iterator[tuple[int, pathkeys.Chain]]]:
    """(id, chain) of every node in id order, as a generator factory (one pass per side table)."""
    rank: dict[int, int] = {}
    for t in trees:
        rank.update(zip(t.ids, ordinals(t), strict=True))
    owner_of = [
        (oid, t, tid, i) for t, tid in zip(trees, tenant_ids, strict=True) for i, oid in enumerate(t.ids)
    ]
    owner_of.sort(key=lambda r: r[0])

    def rows() -> Iterator[tuple[int, pathkeys.Chain]]:
        for oid, t, tid, i in owner_of:
            ids = tuple(int(x) for x in t.id_paths[i][1:-1].split("/"))
            yield oid, pathkeys.Chain(tid, ids, tuple(rank[x] for x in ids))

    return rows


def chain_of(path: str, tenant_id: int, rank: dict[int, int]) -> pathkeys.Chain:
    ids = tuple(int(x) for x in path[1:-1].split("/"))
    return pathkeys.Chain(tenant_id, ids, tuple(rank[x] for x in ids))


def build_side_tables(
    owner_engine: Engine,
    variants: list[pathkeys.Variant],
    rows: Callable[[], Iterator[tuple[int, pathkeys.Chain]]],
    app_role: str,
    log: Log,
) -> None:
    for v in variants:
        if v.on_orgs:
            continue
        with (
            owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
            driver_cursor(conn) as cur,
        ):

            def build(cur: Any = cur, v: pathkeys.Variant = v) -> None:
                pathkeys.create_side_table(cur, v, rls.TENANT, app_role)
                pathkeys.load_side_table(cur, v, rows())
                cur.execute(f"VACUUM (ANALYZE) {v.table}")

            t0, _ = timed(build)
        log(f"variant {v.name}: {v.table} loaded, index built by inserts, in {t0:.1f}s")


# --- report ------------------------------------------------------------------


def verdict(ratio: float) -> str:
    return "PASS" if ratio <= GOAL_RATIO else "FAIL"


def report_counts(keep: Callable[..., None], results: list[SizeResult], scope_ms: float) -> None:
    keep("SUBTREE COUNT - median per query, client round trip (the statement as the app sends it, replayed")
    keep("through psycopg on the app's connection), warm cache")
    keep("  ours   = service.subtree_count()'s statement exactly as the ORM sent it in a tenant-scoped")
    keep("           session (captured from the engine), as shuzhi_app (no BYPASSRLS, RLS policy active,")
    keep("           tenant set by the app's after_begin hook):")
    keep(
        "\n".join(
            "             " + line
            for line in textwrap.wrap(" ".join(results[0].statements["ours"].split()), 86)
        )
    )
    keep("  anchor = " + " ".join(results[0].statements["anchor"].split()) + ", same connection")
    rows = [
        [
            r.label,
            f"{min(r.counts):,}-{max(r.counts):,}",
            f"{r.ms('ours'):.3f}",
            f"{r.ms('anchor'):.3f}",
            f"{r.ratio():.2f}",
            verdict(r.ratio()),
            f"{r.ratio('ours', True):.2f}",
            verdict(r.ratio("ours", True)),
        ]
        for r in results
    ]
    headers = ["size", "nodes counted", "ours ms", "anchor ms", "ours/anchor", f"goal <= {GOAL_RATIO}"]
    keep(table([*headers, "server ours/anchor", "server goal"], rows))
    keep("(server = the same two statements timed by PostgreSQL itself, EXPLAIN ANALYZE Execution Time:")
    keep(" the database work without the client round trip, which a busy machine makes noisy)")
    keep()
    keep("For information, same rounds (ms are medians): owner = ours' statement as the owner role")
    keep("(superuser, RLS bypassed); ORM = the whole service.subtree_count() call; paired = median of")
    keep("per-query ratios to the adjacent anchor query; server = PostgreSQL's own Execution Time")
    keep(f"(EXPLAIN ANALYZE, TIMING OFF; {SERVER_REPS} runs per subtree); buffers = shared buffers hit/read")
    keep("per query (read = not in shared_buffers, copied from the OS page cache); plans = how the")
    keep("prepared statement was planned in the timing loop: generic (planned once) or custom (planned")
    keep("anew at every execution, which the client-side times include and the server-side ones do not).")
    rows = [
        [
            r.label,
            f"{r.rounds}x{len(r.counts)}",
            f"{r.ms('owner'):.3f}",
            f"{r.ms('orm'):.3f}",
            f"{r.paired():.2f}",
            f"{r.ms('ours', True):.3f} / {r.ms('anchor', True):.3f}",
            f"{r.buffers['ours'][0]:.0f}/{r.buffers['ours'][1]:.0f}",
            f"{r.buffers['anchor'][0]:.0f}/{r.buffers['anchor'][1]:.0f}",
        ]
        for r in results
    ]
    headers = [
        "size",
        "queries",
        "owner",
        "ORM",
        "paired",
        "server ms ours / anchor",
        "buf ours",
        "buf anchor",
    ]
    keep(table(headers, rows))
    keep(f"Setting the tenant per transaction (BEGIN + set_config x3 + COMMIT): {scope_ms:.3f} ms median.")
    keep()
    keep("PLANS (first subtree of each size, as shuzhi_app; EXPLAIN ANALYZE, BUFFERS, TIMING OFF):")
    for r in results:
        for method in ("ours", "anchor"):
            keep(f"  {r.label}, {method}:")
            keep("\n".join("    " + line for line in plan_lines(r.plans[method])))


def candidate_rows(results: list[SizeResult], names: list[str], sizes: dict[str, str]) -> list[list[str]]:
    rows = []
    for n in names:
        cells = [f"{r.ratio(n):.2f} / {r.ratio(n, True):.2f}" for r in results]
        ok = all(max(r.ratio(n), r.ratio(n, True)) <= GOAL_RATIO for r in results)
        v = pathkeys.VARIANTS.get(n)
        note = "" if v is None or v.viable else f"info only: {v.why_not}"
        rows.append([n, sizes.get(n, ""), *cells, "PASS" if ok else "FAIL", note])
    return rows


def report_variants(
    keep: Callable[..., None],
    results: list[SizeResult],
    variants: list[pathkeys.Variant],
    sizes: dict[str, str],
) -> None:
    if not variants:
        return
    keep()
    keep("CANDIDATES - ratio to the anchor, client / server, same rounds as above; PASS = every size <= ")
    keep(f"{GOAL_RATIO} on both sides. Each is queried through the app's session (its tenant criterion added")
    keep("by scope.py), as shuzhi_app, under the app's RLS policy; side tables hold the same orgs, index")
    keep("built by inserts in id order like ix_orgs_tenant_id_path (bench/pathkeys.py):")
    for v in variants:
        where = "orgs itself" if v.on_orgs else f"{v.table}, {v.using} {v.index}"
        keep(f"  {v.name:<12} {v.what} [{where}]")
    names = ["ours", *[v.name for v in variants]]
    headers = ["method", "index", *[r.label.split()[0] for r in results], "all sizes", ""]
    keep(table(headers, candidate_rows(results, names, sizes)))
    keep()
    keep("Server ms per query (median), shared buffers hit/read per query and plan cache, by size:")
    rows = [
        [
            n,
            *[
                f"{r.ms(n, True):.3f} {r.buffers[n][0]:.0f}/{r.buffers[n][1]:.0f} {r.cached(n)}"
                for r in results
            ],
        ]
        for n in ["anchor", *names]
    ]
    keep(table(["method", *[r.label.split()[0] for r in results]], rows))
    big = results[-1]
    keep(f"PLANS of the candidates ({big.label}, first subtree):")
    for v in variants:
        keep(f"  {v.name}:")
        keep("\n".join("    " + line for line in plan_lines(big.plans[v.name])))


def report_reindexed(
    keep: Callable[..., None],
    results: list[SizeResult],
    variants: list[pathkeys.Variant],
    sizes: dict[str, str],
) -> None:
    keep()
    keep("SECOND PASS after REINDEX of ix_orgs_tenant_id_path and of every candidate's index, same")
    keep("subtrees, shorter loop; not the goal (production indexes are built by inserts).")
    keep("Ratio to the anchor, client / server:")
    names = ["ours", *[v.name for v in variants]]
    headers = ["method", "index", *[r.label.split()[0] for r in results], "all sizes", ""]
    keep(table(headers, candidate_rows(results, names, sizes)))


# --- main --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL, help="admin URL; the scratch database goes beside it")
    ap.add_argument("--nodes", type=int, default=1_000_000, help="nodes in the big tenant's tree")
    ap.add_argument("--other-nodes", type=int, default=50_000, help="nodes in the second tenant's tree")
    ap.add_argument("--import-rows", type=int, default=50_000, help="rows for the import throughput part")
    ap.add_argument(
        "--variants",
        default=",".join(pathkeys.DEFAULT),
        help=f"candidate path representations to measure beside ours: comma-separated names of"
        f" {', '.join(pathkeys.VARIANTS)}; 'all' or 'none' (default: %(default)s)",
    )
    ap.add_argument("--skip-import", action="store_true", help="leave out the import throughput part")
    ap.add_argument("--skip-reindex", action="store_true", help="leave out the second pass after REINDEX")
    ap.add_argument(
        "--first-id",
        type=int,
        default=1,
        help="the first org id (default 1); e.g. 3000001 for the longer ids of a database that already"
        " holds other tenants' orgs (ids come from one sequence for all tenants)",
    )
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args(argv)
    variants = pathkeys.parse(args.variants)
    models = pathkeys.models(variants)

    log = Log()
    keep = log.keep
    load_before = os.getloadavg()
    rng = random.Random(args.seed)
    app_role = Config().APP_DB_ROLE

    with scratch_database(args.pg_url, app_role, log=log) as db:
        owner_engine = engine(db.owner_url)
        app_engine = engine(db.app_url)
        try:
            with owner_engine.begin() as conn:
                version = conn.execute(text("SHOW server_version")).scalar_one()
                shared = conn.execute(text("SHOW shared_buffers")).scalar_one()
                slugs = ["province", "other", "anchor-1", "ours", "no-audit", "anchor-2"]
                tenants = dict(zip(slugs, create_tenants(conn, [f"bench-{s}" for s in slugs]), strict=True))
            big, other = tenants["province"], tenants["other"]

            t, trees = timed(lambda: [province(args.nodes, rng), province(args.other_nodes, rng)])
            assign_ids(trees, args.first_id)
            log(f"generated {args.nodes:,} + {args.other_nodes:,} nodes in {t:.1f}s")
            load_s, rows = timed(lambda: load_orgs(owner_engine, trees, [big, other]))
            log(f"COPY {rows:,} org rows in {load_s:.1f}s ({rows / load_s:,.0f} rows/s)")
            side_s, _ = timed(
                lambda: build_side_tables(owner_engine, variants, chains(trees, [big, other]), app_role, log)
            )
            with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                closure_s, pairs = timed(lambda: build_closure(conn, app_role, trees))
                log(f"closure table: {pairs:,} pairs in {closure_s:.1f}s")
                vac_s, _ = timed(
                    lambda: [conn.execute(text(f"VACUUM (ANALYZE) {n}")) for n in ("orgs", "org_closure")]
                )
                log(f"VACUUM (ANALYZE) in {vac_s:.1f}s")
                sizes = relation_sizes(conn, variants)
            keep(f"PostgreSQL {version}, shared_buffers {shared}. Tenant {big}: {args.nodes:,} orgs; tenant")
            keep(f"{other}: {args.other_nodes:,} orgs, interleaved in the heap. COPY {load_s:.0f}s; closure")
            keep(f"table ({pairs:,} pairs) {closure_s:.0f}s; VACUUM ANALYZE {vac_s:.0f}s; candidates' side")
            keep(f"tables {side_s:.0f}s.")
            keep("Sizes: " + "; ".join(f"{k} {v}" for k, v in sizes.items()) + ".")
            keep()

            tree = trees[0]
            rank = dict(zip(tree.ids, ordinals(tree), strict=True))
            picks: dict[str, list[Pick]] = {}
            for target, label in TARGETS.items():
                idx = pick_subtrees(tree, target, rng)
                if idx:
                    picks[label] = [
                        Pick(tree.ids[i], tree.paths[i], chain_of(tree.id_paths[i], big, rank)) for i in idx
                    ]
                else:
                    log(f"{label}: no subtree of that size with --nodes {args.nodes:,}; skipped")
            results = measure_all(
                picks, big, app_engine, owner_engine, variants, models, rng, log, BUDGET_S_PER_SIZE
            )
            report_counts(keep, results, scope_cost(app_engine, big))
            index_sizes = {"ours": sizes["ix_orgs_tenant_id_path"]}
            index_sizes.update({v.name: sizes.get(f"{v.table}_ix", "(orgs)") for v in variants})
            report_variants(keep, results, variants, index_sizes)

            if not args.skip_reindex:
                # Second pass: is the gap the index's layout? (level-by-level inserts leave leaf pages half full)
                indexes = ["ix_orgs_tenant_id_path", *[f"{v.table}_ix" for v in variants if not v.on_orgs]]
                with owner_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    t, _ = timed(lambda: [conn.execute(text(f"REINDEX INDEX {ix}")) for ix in indexes])
                    for n in ["orgs", *[v.table for v in variants if not v.on_orgs]]:
                        conn.execute(text(f"VACUUM (ANALYZE) {n}"))
                    after = relation_sizes(conn, variants)
                log(
                    f"REINDEX of {len(indexes)} index(es) in {t:.1f}s: ix_orgs_tenant_id_path {after['ix_orgs_tenant_id_path']}"
                )
                again = measure_all(
                    picks, big, app_engine, owner_engine, variants, models, rng, log, REINDEX_BUDGET_S
                )
                index_sizes = {"ours": after["ix_orgs_tenant_id_path"]}
                index_sizes.update({v.name: after.get(f"{v.table}_ix", "(orgs)") for v in variants})
                report_reindexed(keep, again, variants, index_sizes)

            if not args.skip_import:
                keep()
                keep(f"IMPORT THROUGHPUT - {args.import_rows:,} org rows as shuzhi_app in a tenant scope:")
                for line in import_throughput(
                    db, app_engine, {k: tenants[k] for k in slugs[2:]}, args.import_rows, log
                ):
                    keep(line)
        finally:
            owner_engine.dispose()
            app_engine.dispose()

    print()
    print("=" * 100)
    load = " ".join(f"{x:.1f}" for x in load_before) + " -> " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    flags = f"--nodes {args.nodes} --variants {args.variants}"
    flags += f" --first-id {args.first_id}" if args.first_id != 1 else ""
    flags += " --skip-import" if args.skip_import else ""
    flags += " --skip-reindex" if args.skip_reindex else ""
    print(f"SUMMARY - bench/orgs.py {flags} (total {log.elapsed():.0f}s; load average {load};")
    print(f"{os.cpu_count()} CPUs; other work on the machine shows up as noise in every column alike)")
    print("=" * 100)
    print("\n".join(log.summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
