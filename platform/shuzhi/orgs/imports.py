"""Import and export of org data (xlsx/csv). Being written; see issue 3 item 7."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ImportResult:
    orgs: int = 0
    people: int = 0
    posts: int = 0
    relations: int = 0

    def counts(self) -> dict[str, int]:
        return {"orgs": self.orgs, "people": self.people, "posts": self.posts, "relations": self.relations}


def import_upload(session: Any, upload: Any) -> ImportResult:
    raise NotImplementedError


def template_workbook() -> io.BytesIO:
    raise NotImplementedError
