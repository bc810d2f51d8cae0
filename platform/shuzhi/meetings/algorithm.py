"""The public draw's arithmetic (YZ-02): small enough to re-run by hand in a few lines of Python.

Algorithm ``hmac-sha256-v1``:

1. The **candidates** are the eligible keys (each unit's code as published on
   the candidate list), sorted; their digest is
   ``sha256("\\n".join(keys))`` and is published with the commitment, so the
   list cannot change afterwards.
2. The **commitment** is ``sha256(seed)`` (hex of the UTF-8 seed), published
   before the draw; the seed is revealed after it.
3. The **material** is the seed, or ``seed + "|" + public_input`` when a value
   was called out on site at the draw (a witness's number), which nobody could
   know when the seed was committed.
4. Each key's **score** is ``HMAC-SHA256(material, key)`` in hex; the keys in
   ascending order of score (then key) are the drawn order; the first
   ``places`` are drawn.

Re-run it without this platform (docs/user-guide.md shows the same)::

    import hashlib, hmac
    material = seed if not public_input else seed + "|" + public_input
    score = lambda k: hmac.new(material.encode(), k.encode(), hashlib.sha256).hexdigest()
    print(sorted(keys, key=lambda k: (score(k), k))[:places])
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

ALGORITHM = "hmac-sha256-v1"


def new_seed() -> str:
    """A fresh seed: 128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def candidates_digest(keys: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()


def material(seed: str, public_input: str = "") -> str:
    return f"{seed}|{public_input}" if public_input else seed


def score(seed: str, key: str, public_input: str = "") -> str:
    return hmac.new(
        material(seed, public_input).encode("utf-8"), key.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def drawn_order(seed: str, keys: Iterable[str], public_input: str = "") -> list[str]:
    """Every key in drawn order (the first ``places`` are drawn)."""
    return sorted(set(keys), key=lambda k: (score(seed, k, public_input), k))


def draw(seed: str, keys: Iterable[str], places: int, public_input: str = "") -> list[str]:
    return drawn_order(seed, keys, public_input)[:places]


@dataclass(frozen=True)
class Verdict:
    """What re-running a published draw found: ``ok`` only when every check holds."""

    checks: list[tuple[str, bool, str]]  # (what, passed, detail)

    @property
    def ok(self) -> bool:
        return all(passed for _what, passed, _detail in self.checks)


def verify(record: dict[str, Any]) -> Verdict:
    """Re-run a published draw record (the JSON the draw page and API give out).

    Checks the seed against the commitment, the eligible candidates against
    their digest, and the result against a fresh run of the algorithm.
    """
    checks: list[tuple[str, bool, str]] = []
    algo = record.get("algorithm", "")
    checks.append(("algorithm", algo == ALGORITHM, f"{algo!r} (expected {ALGORITHM!r})"))
    seed = str(record.get("seed") or "")
    if not seed:
        checks.append(("seed", False, "the seed is not revealed yet (the draw has not taken place)"))
        return Verdict(checks)
    committed = str(record.get("commitment", ""))
    got = commitment(seed)
    checks.append(
        ("commitment", hmac.compare_digest(got, committed), f"sha256(seed)={got}, published {committed}")
    )
    keys = eligible_keys(record.get("candidates", []))
    digest = candidates_digest(keys)
    published = str(record.get("candidates_digest", ""))
    checks.append(
        (
            "candidates",
            hmac.compare_digest(digest, published),
            f"{len(keys)} eligible, digest {digest}, published {published}",
        )
    )
    places = int(record.get("places", 0))
    rerun = draw(seed, keys, places, str(record.get("public_input") or ""))
    result = list(record.get("result", []))
    checks.append(("result", rerun == result, f"re-run {rerun}, published {result}"))
    return Verdict(checks)


def eligible_keys(candidates: Sequence[dict[str, Any]]) -> list[str]:
    return sorted(str(c["key"]) for c in candidates if not c.get("excluded"))
