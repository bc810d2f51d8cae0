"""Dates of the cycle: China's working days, month arithmetic, deadline specs.

A "working day" is a weekday that is not a public holiday, or a weekend day
the State Council made a working day (调休上班). The holidays come from
``data/holidays_cn.json`` (see ``data/README.md`` for updating it); a year
the file does not cover counts weekdays only and is reported by
:func:`uncovered_years` so the timeline can say so.
"""

from __future__ import annotations

import calendar as _stdcal
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

DATA = Path(__file__).parent / "data" / "holidays_cn.json"
CHINA = ZoneInfo("Asia/Shanghai")

#: ``2024-01-22`` or ``meeting+1m`` / ``open+10wd`` / ``draw-3d`` / ``meeting``.
SPEC = re.compile(
    r"^(?:(?P<date>\d{4}-\d{2}-\d{2})|(?P<base>meeting|draw|open)(?:(?P<sign>[+-])(?P<n>\d{1,3})(?P<unit>wd|d|w|m))?)$"
)
BASES = ("meeting", "draw", "open")


def today_in_china() -> date:
    """Deadlines are calendar days in China: a deadline passes at midnight Beijing time.

    In the demo only, a tenant may be seen on a fixed day of its plan's year
    (``SHUZHI_DEMO_DAYS``, set by ``shuzhi demo``; see ADR 0014), so its
    countdowns read as they would have then.
    """
    fixed = _demo_day()
    return fixed if fixed is not None else datetime.now(CHINA).date()


def _demo_day() -> date | None:
    if not has_app_context():
        return None
    days = current_app.config.get("SHUZHI_DEMO_DAYS")
    if not days:
        return None
    tenant = g.get("tenant")
    return days.get(getattr(tenant, "slug", None)) if tenant is not None else None


@dataclass(frozen=True)
class Holidays:
    off: frozenset[date]
    workdays: frozenset[date]
    names: dict[date, str]
    years: frozenset[int]


@lru_cache(maxsize=1)
def holidays() -> Holidays:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    off: set[date] = set()
    work: set[date] = set()
    names: dict[date, str] = {}
    for _year, spec in raw["years"].items():
        for start, end, name in spec["holidays"]:
            day, last = date.fromisoformat(start), date.fromisoformat(end)
            while day <= last:
                off.add(day)
                names[day] = name
                day += timedelta(days=1)
        work.update(date.fromisoformat(d) for d in spec["workdays"])
    return Holidays(frozenset(off), frozenset(work), names, frozenset(int(y) for y in raw["years"]))


def is_working_day(day: date) -> bool:
    h = holidays()
    if day in h.workdays:
        return True
    if day in h.off:
        return False
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (before it when ``n`` < 0); 0 gives the next
    working day on or after ``start``."""
    day = start
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    step = 1 if n > 0 else -1
    left = abs(n)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def add_months(day: date, n: int) -> date:
    """Same day ``n`` months on, clamped to the month's end (01-31 + 1m = 02-28/29)."""
    month0 = day.month - 1 + n
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


def shift_years(day: date, n: int) -> date:
    return add_months(day, 12 * n)


def uncovered_years(*days: date | None) -> list[int]:
    """Years among ``days`` the holiday file does not cover."""
    covered = holidays().years
    return sorted({d.year for d in days if d is not None and d.year not in covered})


class SpecError(ValueError):
    """A deadline spec that is neither a date nor ``base±N(d|w|m|wd)``."""


@dataclass(frozen=True)
class Spec:
    fixed: date | None
    base: str | None = None
    offset: int = 0
    unit: str = "d"

    @property
    def working_days(self) -> bool:
        return self.unit == "wd"

    def resolve(self, bases: dict[str, date | None]) -> date | None:
        """The date, given the dates of the bases (``None`` while a base is unknown)."""
        if self.fixed is not None:
            return self.fixed
        start = bases.get(self.base or "")
        if start is None:
            return None
        if self.unit == "wd":
            return add_working_days(start, self.offset)
        if self.unit == "m":
            return add_months(start, self.offset)
        return start + timedelta(days=self.offset * (7 if self.unit == "w" else 1))


def parse_spec(text: str) -> Spec:
    m = SPEC.match(text.strip())
    if m is None:
        raise SpecError(text)
    if m["date"]:
        try:
            return Spec(date.fromisoformat(m["date"]))
        except ValueError as exc:
            raise SpecError(text) from exc
    n = int(m["n"] or 0) * (-1 if m["sign"] == "-" else 1)
    return Spec(None, m["base"], n, m["unit"] or "d")


_BASE_LABELS = {"meeting": _l("会议"), "draw": _l("抽选"), "open": _l("开启")}
_UNIT_LABELS = {"d": _l("天"), "w": _l("周"), "m": _l("个月"), "wd": _l("个工作日")}


def describe_spec(text: str | None) -> str:
    """A spec in words: ``meeting+1m`` → 会议后 1 个月, ``open+10wd`` → 开启后 10 个工作日."""
    if not text:
        return _("无截止日期")
    try:
        spec = parse_spec(text)
    except SpecError:
        return text
    if spec.fixed is not None:
        return spec.fixed.isoformat()
    base = str(_BASE_LABELS[spec.base or "open"])
    if spec.offset == 0:
        return _("%(base)s当天", base=base)
    unit = str(_UNIT_LABELS[spec.unit])
    if spec.offset > 0:
        return _("%(base)s后 %(n)s %(unit)s", base=base, n=spec.offset, unit=unit)
    return _("%(base)s前 %(n)s %(unit)s", base=base, n=-spec.offset, unit=unit)
