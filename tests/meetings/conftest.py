"""On-site selection fixtures: the cycle engine's demo tenants (reused) and a campaign helper."""

from __future__ import annotations

from tests.cycles.conftest import OPERATOR, YEARS, DemoTenant, demo, set_stages

__all__ = ["OPERATOR", "YEARS", "DemoTenant", "demo", "set_stages"]
