"""The parsed report the rules run on.

The reports room builds these from .docx or text (parsing is its job); the
policy room only reads them, through this interface. Tests and plugin authors
build them by hand with :func:`build_report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from shuzhi.reports.counting import count_words


class Part(Protocol):
    """A top-level section of the report (from its heading to the next one)."""

    key: str | None  # the policy part it maps to (None: not recognised)
    heading: str
    paragraphs: Sequence[str]  # the heading line first
    start: int  # index of the heading in the report's paragraphs
    words: int  # 字数 of the heading and everything under it


class ParsedReport(Protocol):
    paragraphs: Sequence[str]  # body paragraphs in order (title/addressee/signature excluded)
    parts: Sequence[Part]
    body_words: int
    documents: Mapping[str, str]  # other texts checked with it, e.g. "speech" (SX-06)


@dataclass
class SimplePart:
    key: str | None
    heading: str
    paragraphs: list[str]
    start: int
    words: int


@dataclass
class SimpleReport:
    paragraphs: list[str]
    parts: list[SimplePart]
    body_words: int
    documents: dict[str, str] = field(default_factory=dict)

    def part(self, key: str) -> list[SimplePart]:
        return [p for p in self.parts if p.key == key]


def build_report(
    sections: Sequence[tuple[str | None, str, Sequence[str]]],
    *,
    intro: Sequence[str] = (),
    documents: Mapping[str, str] | None = None,
) -> SimpleReport:
    """A report from (part key, heading, paragraphs) triples, for tests and tools.

    ``intro`` paragraphs come before the first heading and belong to no part.
    """
    paragraphs = list(intro)
    parts: list[SimplePart] = []
    for key, heading, body in sections:
        start = len(paragraphs)
        paras = [heading, *body]
        paragraphs.extend(paras)
        parts.append(SimplePart(key, heading, paras, start, sum(count_words(p) for p in paras)))
    body_words = sum(count_words(p) for p in paragraphs)
    return SimpleReport(paragraphs, parts, body_words, dict(documents or {}))
