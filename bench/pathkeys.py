"""Candidate materialized-path representations for bench/orgs.py ``--variants``.

Each variant is measured in the same rounds as the app's own query and the
closure-table anchor. A *table* variant stores the same orgs (same ids, same
tenants, rows in id order so the heap interleaves tenants as ``orgs`` does)
in a side table ``bench_v_<name>`` with only ``id``, ``tenant_id`` and its
own ``path`` column, its index created *before* the rows go in (built by
inserts, as production indexes are), and the app's RLS policy (ENABLE + FORCE,
the very expression of ``shuzhi.tenancy.rls``). A *query* variant is another
condition on ``orgs`` itself. Both are queried through the app's ORM session,
so its tenant criterion (``tenancy/scope.py``) is added exactly as the app
adds it.

What a path has to do for the app: a subtree is a contiguous key range (every
segment code is prefix-free, so ``key(parent)`` is a prefix of every
descendant's key and of no other key); a move re-paths a subtree in one
UPDATE (``new_prefix || substr(path, len(old_prefix) + 1)``, on bytes or
characters alike); the comparison is bytewise on PostgreSQL (bytea, or text
with collation "C") and on SQLite (BLOB or TEXT).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, LargeBinary, String, and_, literal
from sqlalchemy.orm import DeclarativeBase, mapped_column

from shuzhi.tenancy.scope import TenantOwned


@dataclass(frozen=True)
class Chain:
    """A node seen from its root: ids and sibling ordinals, root first, the node last."""

    tenant_id: int
    ids: tuple[int, ...]
    ords: tuple[int, ...]


# --- segment codes -----------------------------------------------------------


def varint(n: int) -> bytes:
    """Prefix-free bytes for n >= 0, no zero byte: the last byte is 0x01-0x7F (base 127),
    the ones before it 0x80-0xFF (base 128). 1 byte below 127, 2 below 16,256, 3 below
    2,080,768, 4 below 266 million."""
    out = [1 + n % 127]
    n //= 127
    while n:
        out.append(0x80 | (n % 128))
        n //= 128
    return bytes(reversed(out))


def unvarint(key: bytes) -> list[int]:
    """The numbers of a varint key (what ``ancestor_ids`` would do)."""
    out, n = [], 0
    for b in key:
        if b & 0x80:
            n = n * 128 + (b & 0x7F)
        else:
            out.append(n * 127 + b - 1)
            n = 0
    return out


B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase  # in ASCII order


def b62(n: int) -> str:
    """Length-prefixed base 62: one character for the digit count, then the digits."""
    digits = ""
    while True:
        n, r = divmod(n, 62)
        digits = B62[r] + digits
        if not n:
            return chr(ord("0") + len(digits)) + digits


def upper_text(key: str) -> str:
    """Smallest string above every string that starts with ``key`` (its last character + 1)."""
    return key[:-1] + chr(ord(key[-1]) + 1)


def upper_bytes(key: bytes) -> bytes:
    """Smallest byte string above every one that starts with ``key``."""
    key = key.rstrip(b"\xff")
    return key[:-1] + bytes([key[-1] + 1])


def packed_int8(ords: tuple[int, ...]) -> int:
    """Sibling ordinals, one byte per level, in a signed 64-bit integer (depth <= 7, < 256 children)."""
    v = sum(o << (8 * (7 - k)) for k, o in enumerate(ords))
    return v - (1 << 63)


# --- keys and subtree conditions ----------------------------------------------


def app_text(c: Chain) -> str:
    return "/" + "".join(f"{i}/" for i in c.ids)


def key_range(col: Any, key: Any) -> Any:
    upper = upper_bytes(key) if isinstance(key, bytes) else upper_text(key)
    return and_(col >= key, col < upper)


@dataclass(frozen=True)
class Variant:
    name: str
    what: str  # one line for the report
    key: Callable[[Chain], Any]  # the stored path of a node
    cond: Callable[[Any, Chain], Any]  # (path column, the subtree's root) -> the subtree condition
    column: str = ""  # SQL type of the side table's path; "" = a condition on orgs itself
    index: str = "(tenant_id, path)"
    using: str = "btree"
    viable: bool = True  # False: for information only (breaks something the app needs)
    why_not: str = ""

    @property
    def table(self) -> str:
        return "bench_v_" + self.name.replace("-", "_")

    @property
    def on_orgs(self) -> bool:
        return not self.column

    def sa_type(self) -> Any:
        return {"bytea": LargeBinary(), "bigint": BigInteger()}.get(self.column) or String(collation="C")


def _range(key: Callable[[Chain], Any]) -> Callable[[Any, Chain], Any]:
    return lambda col, c: key_range(col, key(c))


def _int8_range(col: Any, c: Chain) -> Any:
    lo = packed_int8(c.ords)
    return and_(col >= lo, col < lo + (1 << (8 * (8 - len(c.ords)))))


TEXT_C = 'text COLLATE "C"'

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in [
        Variant(
            "text-copy",
            "control: the app's former path ('/1/5/23/', text C, before ADR 0015) in a side table",
            app_text,
            _range(app_text),
            TEXT_C,
        ),
        Variant(
            "between",
            "the former text path with BETWEEN p AND p||'~' instead of >= p AND < p'",
            app_text,
            # plain VARCHAR binds: PostgreSQL's BETWEEN takes no COLLATE on its bounds (the column's applies)
            lambda col, c: col.between(literal(app_text(c), String()), literal(app_text(c) + "~", String())),
            TEXT_C,  # a side table since orgs.path holds ranks (ADR 0015)
        ),
        Variant(
            "starts-with",
            "the former text path with starts_with (path ^@ p); PostgreSQL only",
            app_text,
            lambda col, c: col.op("^@")(app_text(c)),
            TEXT_C,
            viable=False,
            why_not="PostgreSQL only",
        ),
        Variant(
            "pattern-ops",
            "the former text path, index on path text_pattern_ops, query with ~>=~ / ~<~",
            app_text,
            lambda col, c: and_(col.op("~>=~")(app_text(c)), col.op("~<~")(upper_text(app_text(c)))),
            TEXT_C,
            index="(tenant_id, path text_pattern_ops)",
            viable=False,
            why_not="PostgreSQL-only operators",
        ),
        Variant(
            "b62",
            "text C, each id as length-prefixed base 62 ('1' + 1 digit ... '4' + 4 digits)",
            lambda c: "".join(b62(i) for i in c.ids),
            _range(lambda c: "".join(b62(i) for i in c.ids)),
            TEXT_C,
        ),
        Variant(
            "be4",
            "bytea, each id as 4 bytes big-endian (fixed width)",
            lambda c: b"".join(i.to_bytes(4, "big") for i in c.ids),
            _range(lambda c: b"".join(i.to_bytes(4, "big") for i in c.ids)),
            "bytea",
        ),
        Variant(
            "be8",
            "bytea, each id as 8 bytes big-endian (fixed width, any bigint)",
            lambda c: b"".join(i.to_bytes(8, "big") for i in c.ids),
            _range(lambda c: b"".join(i.to_bytes(8, "big") for i in c.ids)),
            "bytea",
        ),
        Variant(
            "varint",
            "bytea, each id as a prefix-free varint (1-4 bytes, no zero byte)",
            lambda c: b"".join(varint(i) for i in c.ids),
            _range(lambda c: b"".join(varint(i) for i in c.ids)),
            "bytea",
        ),
        Variant(
            "ordinal",
            "bytea, each level as a varint of the node's rank among its siblings (the app's since"
            " ADR 0015, with an order-keeping code)",
            lambda c: b"".join(varint(o) for o in c.ords),
            _range(lambda c: b"".join(varint(o) for o in c.ords)),
            "bytea",
        ),
        Variant(
            "tenant-path",
            "varint path led by the tenant id, index (path) INCLUDE (tenant_id)",
            lambda c: b"".join(varint(i) for i in (c.tenant_id, *c.ids)),
            _range(lambda c: b"".join(varint(i) for i in (c.tenant_id, *c.ids))),
            "bytea",
            index="(path) INCLUDE (tenant_id)",
        ),
        Variant(
            "int8-floor",
            "sibling ranks packed one byte a level in a bigint: the cheapest key there is",
            lambda c: packed_int8(c.ords),
            _int8_range,
            "bigint",
            viable=False,
            why_not="depth <= 7 and < 256 children",
        ),
        Variant(
            "spgist",
            "the former text path, SP-GiST index on path INCLUDE (tenant_id), query path ^@ p",
            app_text,
            lambda col, c: col.op("^@")(app_text(c)),
            TEXT_C,
            index="(path) INCLUDE (tenant_id)",
            using="spgist",
            viable=False,
            why_not="PostgreSQL only",
        ),
    ]
}
DEFAULT = ["text-copy", "varint"]  # the app's former path (text ids) and the ids compacted; ours is ordinal


def parse(spec: str) -> list[Variant]:
    """``--variants``: comma-separated names, ``all`` or ``none``."""
    if spec.strip() in ("", "none"):
        return []
    names = list(VARIANTS) if spec.strip() == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}, all, none")
    return [VARIANTS[n] for n in dict.fromkeys(names)]


# --- side tables --------------------------------------------------------------


class VariantBase(DeclarativeBase):
    """Mapped side tables: TenantOwned, so the app's session adds its tenant criterion to them."""


@dataclass
class Models:
    by_name: dict[str, Any] = field(default_factory=dict)

    def of(self, v: Variant, org: Any) -> Any:
        return org if v.on_orgs else self.by_name[v.name]


def models(variants: list[Variant]) -> Models:
    out = Models()
    for v in variants:
        if v.on_orgs:
            continue
        attrs = {
            "__tablename__": v.table,
            "id": mapped_column(BigInteger, primary_key=True),
            "path": mapped_column(v.sa_type()),
        }
        out.by_name[v.name] = type(
            "Bench" + v.table.title().replace("_", ""), (TenantOwned, VariantBase), attrs
        )
    return out


def create_side_table(cur: Any, v: Variant, tenant_expr: str, app_role: str) -> None:
    """Side table with the variant's index in place before any row (built by inserts) and the app's RLS."""
    t = v.table
    cur.execute(
        f"CREATE TABLE {t} (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, path {v.column} NOT NULL)"
    )
    cur.execute(f"CREATE INDEX {t}_ix ON {t} USING {v.using} {v.index}")
    cur.execute(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
    cur.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")
    cur.execute(
        f"CREATE POLICY tenant_isolation ON {t} USING (tenant_id = {tenant_expr})"
        f" WITH CHECK (tenant_id = {tenant_expr})"
    )
    cur.execute(f"GRANT SELECT ON {t} TO {app_role}")


def load_side_table(cur: Any, v: Variant, rows: Iterator[tuple[int, Chain]]) -> None:
    with cur.copy(f"COPY {v.table} (id, tenant_id, path) FROM STDIN") as cp:
        for oid, chain in rows:
            cp.write_row((oid, chain.tenant_id, v.key(chain)))
