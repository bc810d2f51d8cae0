"""Chinese names of the shell's enums (msgids; English comes from the catalog)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shuzhi.tenancy.models import Role

ROLE_LABELS = {
    Role.TENANT_ADMIN: _l("管理员"),
    Role.REVIEWER: _l("评议人"),
    Role.SECRETARY: _l("书记"),
    Role.OBSERVER: _l("观察员"),
}


def role_label(role: Role | str) -> str:
    label = ROLE_LABELS.get(Role(role))
    return str(label) if label is not None else str(role)
