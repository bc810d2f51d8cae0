"""The org tree's ordinal path: one prefix-free code per level, each the node's rank among its siblings.

An org's ``path`` (bytea on PostgreSQL, BLOB on SQLite; both compare bytewise)
is the concatenation, root first, of ``rank_code(rank)`` for every org from its
root down to itself, where ``rank`` is the org's rank among its siblings
(1, 2, …; given once from the parent's ``child_seq`` counter and never reused).
The codes are *prefix-free*: no code is the beginning of another, so the orgs
whose path starts with ``p`` are exactly ``p``'s subtree, and as byte strings
they are the range ``[p, path_upper(p))``. Codes also sort as their numbers do,
so ordering by path lists parents before children, siblings in rank order.

Why ranks and not ids (ADR 0015, bench/README.md): ranks up to 127 take one
byte whatever the ids, so the (tenant_id, path) index stays as narrow as a
closure table's, and subtree counts meet ≤ 1.5× the closure-table anchor; the
price is that the path no longer spells the ancestors' ids (``prefixes`` gives
the ancestors' paths, looked up in the same index).
"""

from __future__ import annotations

from typing import TypeVar

MAX_LEN = 8  # bytes of the longest code: ranks up to ~2**56, far beyond any tree


def _ones(lead: int) -> int:
    """Leading 1 bits of a code's first byte: the code has that many more bytes."""
    n = 0
    while n < 8 and lead & (0x80 >> n):
        n += 1
    return n


def _first_rank(length: int) -> int:
    """The smallest rank whose code has ``length`` bytes (1, 128, 16,512, 2,113,664, ...)."""
    first = 1 + 127  # one byte: ranks 1-127
    for k in range(2, length):
        first += (1 << (8 - k)) << (8 * (k - 1))
    return 1 if length == 1 else first


def rank_code(rank: int) -> bytes:
    """The code of ``rank`` (>= 1), shaped like UTF-8: the first byte says how long the code is.

    Ranks 1-127 are one byte (0x01-0x7F); 128-16,511 two bytes, the first 10xxxxxx;
    16,512-2,113,663 three, the first 110xxxxx; and so on, the rank's remaining bits
    big-endian in the bytes after the first. Since the first byte fixes the length, no
    code is the beginning of another (prefix-free); since longer codes start with a
    larger first byte and each length holds the next block of ranks, byte order is rank
    order.
    """
    if rank < 1:
        raise ValueError("ranks start at 1")
    if rank < 128:
        return bytes([rank])
    length = 2
    while length < MAX_LEN and rank >= _first_rank(length + 1):
        length += 1
    v = rank - _first_rank(length)
    rest = length - 1
    lead = ((0xFF00 >> (length - 1)) & 0xFF) | (v >> (8 * rest))
    if v >> (8 * rest) >= 1 << (8 - length):
        raise ValueError("rank too large")
    return bytes([lead]) + (v & ((1 << (8 * rest)) - 1)).to_bytes(rest, "big")


def _codes(path: bytes) -> list[tuple[int, int]]:
    """(start, end) of each code in a path."""
    out, k = [], 0
    while k < len(path):
        end = k + 1 + _ones(path[k]) if path[k] & 0x80 else k + 1
        out.append((k, end))
        k = end
    return out


def _rank(code: bytes) -> int:
    if len(code) == 1:
        return code[0]
    payload = code[0] & (0xFF >> len(code))
    return _first_rank(len(code)) + (payload << (8 * (len(code) - 1))) + int.from_bytes(code[1:], "big")


def ranks(path: bytes) -> list[int]:
    """The ranks a path is made of, root first."""
    return [_rank(path[a:b]) for a, b in _codes(path)]


def prefixes(path: bytes) -> list[bytes]:
    """The paths of the org's ancestors and its own, root first (each ends where a code ends)."""
    return [path[:b] for _a, b in _codes(path)]


def child_path(parent_path: bytes | None, rank: int) -> bytes:
    return (parent_path or b"") + rank_code(rank)


def readable(path: bytes) -> str:
    """``1.5.23``: the ranks, for people and the API (the stored bytes mean nothing to them)."""
    return ".".join(str(r) for r in ranks(path))


P = TypeVar("P", str, bytes)


def path_upper(prefix: P) -> P:
    """The smallest string above every string that starts with ``prefix``: its last
    character or byte plus one. Text paths (the cycles' review paths, ``/12/40/``)
    end in '/', which becomes '0'."""
    if isinstance(prefix, bytes):
        # a code may end in 0xFF, which cannot be bumped: drop it and bump the byte before
        # (a path begins with a code's first byte, never 0xFF, so something is left)
        key = prefix.rstrip(b"\xff")
        return key[:-1] + bytes([key[-1] + 1])
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
