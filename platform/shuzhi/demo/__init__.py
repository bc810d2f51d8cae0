"""The embedded demo: five jurisdictions' tenants, org trees, posts, relations and logins.

``shuzhi demo`` builds it (idempotently) and serves the portal on 127.0.0.1;
tests call :func:`build_demo` directly.
"""

from __future__ import annotations

from shuzhi.demo.builder import DemoSummary, build_demo

__all__ = ["DemoSummary", "build_demo"]
