"""Org paths as ordinal bytes (ADR 0015): each level is the org's rank among its siblings
as a prefix-free code, instead of the text of ids ('/1/5/23/'); a child_seq counter on
every org; the (tenant_id, path) index becomes unique.

Existing trees are converted level by level from parent_id: roots ranked by id within
their tenant, children ranked by id under their parent; child_seq = the number of
children. The downgrade rebuilds the id paths the same way.

Revision ID: d55bf144d38f
Revises: 6323d42329ad
Create Date: 2026-12-05 03:48:00+00:00
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d55bf144d38f"
down_revision: str | None = "6323d42329ad"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_PATH = sa.String(length=1024).with_variant(sa.String(length=1024, collation="C"), "postgresql")
BATCH = 5000


def _rank_code(rank: int) -> bytes:
    """shuzhi.orgs.paths.rank_code as of this revision (frozen here: a migration that ran
    must keep writing the same bytes)."""

    def first(length: int) -> int:
        out = 128
        for k in range(2, length):
            out += (1 << (8 - k)) << (8 * (k - 1))
        return 1 if length == 1 else out

    if rank < 128:
        return bytes([rank])
    length = 2
    while rank >= first(length + 1):
        length += 1
    v = rank - first(length)
    rest = length - 1
    lead = ((0xFF00 >> (length - 1)) & 0xFF) | (v >> (8 * rest))
    return bytes([lead]) + (v & ((1 << (8 * rest)) - 1)).to_bytes(rest, "big")


def _levels(bind: sa.Connection) -> Iterator[tuple[int, int | None, int, int]]:
    """(id, parent id, rank among siblings, number of children), parents before children,
    level by level; siblings (and each tenant's roots) ranked by id."""
    rows = bind.execute(sa.text("SELECT id, tenant_id, parent_id FROM orgs ORDER BY id")).all()
    children: dict[int, list[int]] = {}
    roots: dict[int, list[int]] = {}
    for oid, tenant_id, parent_id in rows:
        if parent_id is None:
            roots.setdefault(tenant_id, []).append(oid)
        else:
            children.setdefault(parent_id, []).append(oid)
    level = [(oid, None, k) for ids in roots.values() for k, oid in enumerate(ids, 1)]
    seen = 0
    while level:
        nxt = []
        for oid, parent_id, rank in level:
            kids = children.get(oid, [])
            yield oid, parent_id, rank, len(kids)
            nxt.extend((kid, oid, k) for k, kid in enumerate(kids, 1))
        seen += len(level)
        level = nxt
    if seen != len(rows):
        raise RuntimeError(f"{len(rows) - seen} orgs are not reachable from a root; fix parent_id first")


def _write(bind: sa.Connection, column: str, sql_type: str, rows: list[tuple]) -> None:
    """Set ``column`` (and ``child_seq`` when rows have three values) from (id, value[, n]) rows.

    PostgreSQL: COPY into a temporary table and one UPDATE … FROM (a million orgs in
    seconds, not a million statements); SQLite: executemany in batches.
    """
    with_seq = bool(rows) and len(rows[0]) == 3
    sets = f"{column} = t.v" + (", child_seq = t.n" if with_seq else "")
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(f"CREATE TEMP TABLE _org_paths (id bigint PRIMARY KEY, v {sql_type}, n int)"))
        cols = "id, v, n" if with_seq else "id, v"
        cur = bind.connection.driver_connection.cursor()
        with cur, cur.copy(f"COPY _org_paths ({cols}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        bind.execute(sa.text(f"UPDATE orgs SET {sets} FROM _org_paths t WHERE orgs.id = t.id"))
        bind.execute(sa.text("DROP TABLE _org_paths"))
        return
    stmt = sa.text(
        f"UPDATE orgs SET {column} = :v" + (", child_seq = :n" if with_seq else "") + " WHERE id = :i"
    )
    params = [dict(zip(("i", "v", "n"), row, strict=False)) for row in rows]
    for k in range(0, len(params), BATCH):
        bind.execute(stmt, params[k : k + BATCH])


def _no_force_rls(pg: bool) -> None:
    # The owner reads and rewrites every tenant's rows: FORCE would hide them (a superuser
    # bypasses RLS anyway; a plain owner role does not).
    if pg:
        op.execute("ALTER TABLE orgs NO FORCE ROW LEVEL SECURITY")


def _force_rls(pg: bool) -> None:
    if pg:
        op.execute("ALTER TABLE orgs FORCE ROW LEVEL SECURITY")


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    _no_force_rls(pg)
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_index("ix_orgs_tenant_id_path")
        batch_op.add_column(sa.Column("ordinal_path", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("child_seq", sa.Integer(), server_default="0", nullable=False))

    path: dict[int, bytes] = {}
    rows = []
    for oid, parent_id, rank, n_children in _levels(bind):
        path[oid] = (path[parent_id] if parent_id is not None else b"") + _rank_code(rank)
        rows.append((oid, path[oid], n_children))
    _write(bind, "ordinal_path", "bytea", rows)

    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_column("path")
        batch_op.alter_column(
            "ordinal_path", new_column_name="path", existing_type=sa.LargeBinary(), nullable=False
        )
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.create_index("ix_orgs_tenant_id_path", ["tenant_id", "path"], unique=True)
    _force_rls(pg)


def downgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    _no_force_rls(pg)
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_index("ix_orgs_tenant_id_path")
        batch_op.add_column(sa.Column("id_path", TEXT_PATH, nullable=True))

    path: dict[int, str] = {}
    rows = []
    for oid, parent_id, _rank, _n in _levels(bind):
        path[oid] = (path[parent_id] if parent_id is not None else "/") + f"{oid}/"
        rows.append((oid, path[oid]))
    _write(bind, "id_path", "text", rows)

    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_column("path")
        batch_op.drop_column("child_seq")
        batch_op.alter_column("id_path", new_column_name="path", existing_type=TEXT_PATH, nullable=False)
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.create_index("ix_orgs_tenant_id_path", ["tenant_id", "path"], unique=False)
    _force_rls(pg)
