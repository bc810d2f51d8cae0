"""Word's 字数 with regular expressions: the same rule as :mod:`shuzhi.reports.counting`.

``counting.count`` is the reference (one character at a time, easy to read
against COUNTING.md); this is the same rule compiled into two regular
expressions over the same code point table, ~20× faster, for whole documents
(a 30,000字 report is counted in a few milliseconds instead of ~100).
tests/reports/test_fastcount.py proves the two agree on every COUNTING example
and on arbitrary text.
"""

from __future__ import annotations

import re

from shuzhi.reports.counting import _EAST_ASIAN, Count

#: What counting._is_space calls whitespace: str.isspace() (the same set as re's \s on str)
#: plus the zero-width characters.
_SPACE_CHARS = r"\s\u200b\u200c\u200d\ufeff"


def _ranges() -> str:
    out: list[tuple[int, int]] = []
    for lo, hi in _EAST_ASIAN:
        if lo <= 0x3000 <= hi:  # U+3000 ideographic space is whitespace, not a 字
            if lo < 0x3000:
                out.append((lo, 0x2FFF))
            lo = 0x3001
        if lo <= hi:
            out.append((lo, hi))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in out)


_EA = _ranges()
#: One token per 字: an East Asian character, or a run of other non-space characters.
_TOKEN = re.compile(f"[{_EA}]|[^{_SPACE_CHARS}{_EA}]+")
_SPACE = re.compile(f"[{_SPACE_CHARS}]")


def fast_count(text: str) -> Count:
    """字数 and 字符数(不计空格), as :func:`shuzhi.reports.counting.count`."""
    if not text:
        return Count(0, 0)
    return Count(len(_TOKEN.findall(text)), len(text) - len(_SPACE.findall(text)))


def fast_words(text: str) -> int:
    return fast_count(text).words
