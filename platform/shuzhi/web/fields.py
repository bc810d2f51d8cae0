"""Reading typed values out of portal forms, with the error a user understands."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from shuzhi.errors import ValidationFailed


def form_date(value: str, field: str) -> date | None:
    """A date typed as 2024-06-30 (the browser's date input sends that); empty is None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(_("日期格式应为 2024-06-30。"), errors={field: [_("日期不正确")]}) from exc
