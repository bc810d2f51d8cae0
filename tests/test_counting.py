"""字 are counted as Word counts them (docs/policies/COUNTING.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuzhi.reports.counting import count, count_words, is_east_asian


# COUNTING: every worked example of the table.
@pytest.mark.parametrize(
    ("text", "words", "chars"),
    [
        ("中文测试", 4, 4),
        ("Hello 世界", 3, 7),
        ("Hello、World。", 4, 12),
        ("東京2024オリンピック", 9, 12),
        ("①②③④⑤", 1, 5),
        ("ＡＢＣＤＥ", 5, 5),
        ("１２３４５", 5, 5),
    ],
)
def test_worked_examples(text: str, words: int, chars: int) -> None:
    assert count(text).words == words
    assert count(text).chars_no_spaces == chars


def test_mixed_sentence() -> None:  # COUNTING
    assert count_words("Let's say ‘你好’ 100 times per day, 勤勉") == 12


@pytest.mark.parametrize(("text", "words"), [("2023年", 2), ("1310", 1), ("（一）", 3), ("(一)", 3)])
def test_inline_examples(text: str, words: int) -> None:  # COUNTING
    assert count_words(text) == words


def test_whitespace_counts_nothing_and_separates() -> None:  # COUNTING
    assert count("a\u3000b\u00a0c\td\ne").words == 5
    assert count("\u3000 \t\n").words == 0 and count("").chars_no_spaces == 0


def test_blocks() -> None:  # COUNTING: East Asian blocks
    for ch in "中、。《》【】〔〕あアㄅ한㈠㎡，．：；！？（）Ａ１﹏︵𠀀":
        assert is_east_asian(ch), ch
    for ch in "aZ9'.-“”‘’—…•①+":
        assert not is_east_asian(ch), ch


_text = st.text(
    alphabet=st.sampled_from(list("中文字数统计，。、（）ＡＢ１２abcXYZ019.,-'“”①② \u3000\t\n")), max_size=200
)


@given(_text)
def test_words_never_exceed_chars(text: str) -> None:  # COUNTING property
    c = count(text)
    assert c.words <= c.chars_no_spaces


@given(_text, _text, st.sampled_from(" \u3000\t\n\u00a0"))
def test_space_between_east_asian_changes_nothing(left: str, right: str, space: str) -> None:  # COUNTING property
    joined = left + "中" + "文" + right
    spaced = left + "中" + space + "文" + right
    assert count_words(joined) == count_words(spaced)
