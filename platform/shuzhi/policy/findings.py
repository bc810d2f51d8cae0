"""What a check says about a report: a Finding per rule outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    rule_id: str  # the clause id (YZ-04)
    severity: str  # error (blocks submission) | warning | info (passed, shown for transparency)
    message: str  # Chinese, for the secretary
    figure: Any = None  # what was measured (812, "27.1%")
    limit: str = ""  # what the policy asks ("不少于1/3")
    where: str = ""  # which part / paragraph
    paragraph: int | None = None  # index in the report's paragraphs
    how: str = ""  # how the figure was computed, so it can be followed
    kind: str = ""  # the rule kind

    @property
    def blocking(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
