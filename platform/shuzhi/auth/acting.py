"""Who acts in a room's service: a principal in a tenant, or the command-line operator.

The services of every room (cycles, reports, rectification…) take one of these
rather than reading the request, so the same call serves the portal, the API,
the command line and jobs. Permission checks go through :meth:`Acting.may`, the
platform's one table (:func:`shuzhi.auth.permissions.can`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shuzhi.auth.permissions import Perm, can


@dataclass(frozen=True)
class Acting:
    """A principal (user or API token) in a tenant, or the command-line operator (may do everything)."""

    label: str
    user_id: int | None = None
    principal: Any = None
    tenant_id: int | None = None
    operator: bool = False

    def may(self, perm: Perm, org: Any = None) -> bool:
        if self.operator:
            return True
        return can(self.principal, perm, self.tenant_id, org)
