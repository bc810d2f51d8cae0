"""Shared pieces of the benchmarks: a scratch PostgreSQL database, timing, tables.

Every benchmark measures itself against an anchor in the same run on the same
data, so the ratio means something on any machine; absolute times do not.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Runnable from a checkout without installing: platform/ holds the package.
ROOT = Path(__file__).resolve().parents[1]
# Config.from_env() (the migrations call it) makes an instance folder; keep it out of the checkout.
if "SHUZHI_INSTANCE_PATH" not in os.environ:
    os.environ["SHUZHI_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="shuzhi-bench-")
    atexit.register(shutil.rmtree, os.environ["SHUZHI_INSTANCE_PATH"], True)
if str(ROOT / "platform") not in sys.path:
    sys.path.insert(0, str(ROOT / "platform"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class ScratchDB:
    name: str
    owner_url: str
    app_url: str


@contextmanager
def scratch_database(
    admin_url: str, app_role: str, *, log: Callable[[str], None] = print
) -> Iterator[ScratchDB]:
    """CREATE a migrated ``shuzhi_bench_<random>`` database; DROP it on the way out, whatever happens.

    SIGTERM is turned into SystemExit for the duration so a killed run still drops it.
    """
    from shuzhi import migrate

    name = "shuzhi_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    old_term = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    log(f"scratch database {name} created")
    try:
        owner = make_url(admin_url).set(database=name)
        migrate.upgrade(owner.render_as_string(hide_password=False))
        app = owner.set(username=app_role, password=None)
        yield ScratchDB(
            name, owner.render_as_string(hide_password=False), app.render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        signal.signal(signal.SIGTERM, old_term)
        log(f"scratch database {name} dropped")


def engine(url: str, **kw: Any) -> Engine:
    return create_engine(url, pool_size=2, max_overflow=0, **kw)


# --- timing ------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``fn()`` and its result."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No garbage collector pauses inside a timing loop."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000.0


# --- output ------------------------------------------------------------------


def width(s: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain monospace table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        padded = [
            c + " " * (w - width(c)) if i == 0 else " " * (w - width(c)) + c
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *(line(r) for r in cells[1:])])


class Log:
    """Progress lines with the elapsed time, and a summary collected for the end."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.summary: list[str] = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def __call__(self, msg: str) -> None:
        print(f"[{self.elapsed():7.1f}s] {msg}", flush=True)

    def keep(self, text_: str = "") -> None:
        self.summary.append(text_)
