"""Helpers of the version-and-review tests: demo reporters, report texts, attachment files."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

from sqlalchemy import select

from shuzhi.cycles.models import Reporter
from shuzhi.db import db
from shuzhi.reports import service
from tests.reports.samples import organ_report, village_report

#: A day before each plan's submit deadline (the engine's lock is tested on its own).
BEFORE = {
    "tongjia": date(2023, 12, 20),
    "genhe": date(2023, 12, 20),
    "yongzhou": date(2020, 12, 1),
    "suixi": date(2024, 1, 10),
    "jixian": date(2018, 12, 10),
}


def reporter_at(org_code: str, tenant: Any) -> Reporter:
    org = tenant.org_by_code(org_code)
    found = db.session.scalar(select(Reporter).where(Reporter.org_id == org.id))
    assert found is not None, org_code
    return found


def tongjia_text(extra: str = "") -> str:
    """A 村 report meeting TJ-10 with both 必答题 answered (TJ-04): no error-level finding."""
    return village_report(practices=1175, problems=225, plans=300).text() + (f"\n{extra}" if extra else "")


def yongzhou_text() -> str:
    """A 机关 report within YZ-04's lengths: no error-level finding."""
    return organ_report(practices=800, problems=1000, measures=420).text()


def report_for(tenant: Any, org_code: str) -> Any:
    return service.get_or_create_report(db.session, reporter_at(org_code, tenant))


# --- files ---------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 256


def pptx(*, macro: bool = False, doctype: bool = False, bomb: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        ctype = (
            "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml" if macro else "presentation"
        )
        zf.writestr(
            "[Content_Types].xml", f'<?xml version="1.0"?><Types><Override ContentType="{ctype}"/></Types>'
        )
        head = '<?xml version="1.0"?>' + (
            '<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>' if doctype else ""
        )
        zf.writestr("ppt/presentation.xml", head + "<p:presentation/>")
        if macro:
            zf.writestr("ppt/vbaProject.bin", b"\x00" * 32)
        if bomb:
            zf.writestr("ppt/media/big.bin", b"\x00" * (20 * 1024 * 1024))
    return buf.getvalue()
