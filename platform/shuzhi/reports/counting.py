"""Count 字 exactly as Word shows them (docs/policies/COUNTING.md).

字数 (Word's "Words") = East Asian characters, one each, plus maximal runs of
other non-whitespace characters, one per run. 字符数(不计空格) ("Characters
(no spaces)") = every non-whitespace character.
"""

from __future__ import annotations

from dataclasses import dataclass

# Code point ranges Word treats as East Asian (each character is one 字).
_EAST_ASIAN: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2EFF),  # CJK Radicals Supplement
    (0x2F00, 0x2FDF),  # Kangxi Radicals
    (0x2FF0, 0x2FFF),  # Ideographic Description Characters
    (0x3000, 0x303F),  # CJK Symbols and Punctuation (U+3000 itself is whitespace, see below)
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x31A0, 0x31BF),  # Bopomofo Extended
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0x3200, 0x32FF),  # Enclosed CJK Letters and Months
    (0x3300, 0x33FF),  # CJK Compatibility
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFE10, 0xFE1F),  # Vertical Forms
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFE50, 0xFE6F),  # Small Form Variants
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EBEF),  # Extensions C, D, E, F (and I at 2EBF0)
    (0x2EBF0, 0x2EE5F),  # Extension I
    (0x2F800, 0x2FA1F),  # CJK Compatibility Ideographs Supplement
    (0x30000, 0x323AF),  # Extensions G, H
)


def is_east_asian(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _EAST_ASIAN)


def _is_space(ch: str) -> bool:
    # str.isspace covers U+3000 ideographic space and U+00A0 no-break space; add
    # the zero-width characters Word also ignores.
    return ch.isspace() or ch in "\u200b\u200c\u200d\ufeff"


@dataclass(frozen=True)
class Count:
    words: int  # 字数
    chars_no_spaces: int  # 字符数(不计空格)


def count(text: str) -> Count:
    words = chars = 0
    in_run = False
    for ch in text:
        if _is_space(ch):
            in_run = False
            continue
        chars += 1
        if is_east_asian(ch):
            words += 1
            in_run = False
        elif not in_run:
            words += 1
            in_run = True
    return Count(words, chars)


def count_words(text: str) -> int:
    """字数 as Word shows it."""
    return count(text).words
