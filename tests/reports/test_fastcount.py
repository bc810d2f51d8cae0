"""The fast counter used on whole documents agrees with the reference counter
(shuzhi.reports.counting) everywhere (COUNTING)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuzhi.reports.counting import _EAST_ASIAN, count
from shuzhi.reports.fastcount import fast_count

EXAMPLES = [
    "中文测试",
    "Hello 世界",
    "Hello、World。",
    "東京2024オリンピック",
    "①②③④⑤",
    "ＡＢＣＤＥ",
    "１２３４５",
    "Let's say ‘你好’ 100 times per day, 勤勉",
    "2023年",
    "（一）",
    "(一)",
    "a\u3000b\u00a0c\td\ne",
    "零\u200b宽\ufeff字符",
    "",
]


@pytest.mark.parametrize("text", EXAMPLES)
def test_counting_examples(text: str) -> None:  # COUNTING: every worked example
    assert fast_count(text) == count(text)


def test_every_range_boundary() -> None:  # COUNTING: the East Asian blocks, edge to edge
    for lo, hi in _EAST_ASIAN:
        for cp in (lo - 1, lo, hi, hi + 1):
            text = f"a{chr(cp)}b {chr(cp)}{chr(cp)} x"
            assert fast_count(text) == count(text), hex(cp)


_ALPHABET = st.sampled_from(
    list("abc XYZ123.,;'\"-—…“”‘’①②\t\n\u3000\u00a0\u200b\ufeff")
    + list("中文字测试东京オリンピック한국어（）。、，ＡＢＣ１２３")
    + [chr(0x20000), chr(0x2EBF0), chr(0x30000), chr(0x323AF), chr(0x323B0), chr(0x2FFF), chr(0x3001)]
)


@settings(max_examples=500)
@given(st.text(_ALPHABET, max_size=80))
def test_agrees_on_mixed_text(text: str) -> None:  # COUNTING
    assert fast_count(text) == count(text)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_agrees_on_any_text(text: str) -> None:  # COUNTING
    assert fast_count(text) == count(text)
