"""HTML error pages for the portal (the API answers JSON, see shuzhi.api)."""

from __future__ import annotations

from typing import Any

from flask import render_template


def render_error_page(code: int, message: str, errors: Any = None) -> str:
    return render_template("error.html", code=code, message=message, errors=errors)
