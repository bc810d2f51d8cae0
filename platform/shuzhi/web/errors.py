"""HTML error pages for the portal (the API answers JSON, see shuzhi.api)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, redirect, render_template, request, url_for

from shuzhi.auth import Unauthenticated


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        # Browsers drop tabs and newlines from URLs: "/\t/evil.example" would become "//evil.example".
        return None
    return target


def back_link() -> str:
    """Where the error page's "back" goes: the referring page on this site, else home."""
    ref = request.referrer
    if ref:
        parts = urlsplit(ref)
        if parts.netloc == request.host and parts.path != request.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("web.index")


def render_error_page(code: int, message: str, errors: Any = None) -> str:
    # A 5xx may come from the database itself: keep the page free of queries.
    return render_template(
        "web/error.html", code=code, message=message, errors=errors, minimal=code >= 500, back=back_link()
    )


def handle_unauthenticated(error: Unauthenticated) -> Any:
    """Portal pages send an anonymous visitor to sign in; the API keeps its JSON 401."""
    from shuzhi.api import is_api_request
    from shuzhi.extensions import api

    if is_api_request():
        return api.handle_shuzhi_error(error)
    if request.headers.get("HX-Request"):
        # htmx would swap the login page into a fragment; ask it to navigate
        # instead, and come back to the page (not the fragment) afterwards.
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        here = page.path + (f"?{page.query}" if page.query else "")
        nxt = here if page.netloc == request.host else None
        return Response(status=204, headers={"HX-Redirect": url_for("web.login", next=nxt)})
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
