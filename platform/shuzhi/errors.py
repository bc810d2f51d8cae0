"""Domain errors and the one error body every API response uses.

Body: ``{"code": 422, "status": "Unprocessable Entity", "message": "…",
"errors": {"field": ["…"]}}``. ``message`` is in the user's language.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

# marshmallow speaks English; these are the messages its fields raise, in
# the user's language. Patterns keep the variable part.
_FIELD_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^Missing data for required field\.$"), lazy_gettext("必填项，不能为空。")),
    (re.compile(r"^Unknown field\.$"), lazy_gettext("不认识的字段。")),
    (re.compile(r"^Field may not be null\.$"), lazy_gettext("不能为空值。")),
    (re.compile(r"^Not a valid integer\.$"), lazy_gettext("应为整数。")),
    (re.compile(r"^Not a valid string\.$"), lazy_gettext("应为文本。")),
    (re.compile(r"^Not a valid boolean\.$"), lazy_gettext("应为是或否。")),
    (re.compile(r"^Not a valid date\.$"), lazy_gettext("日期格式应为 YYYY-MM-DD。")),
    (re.compile(r"^Not a valid datetime\.$"), lazy_gettext("时间格式不正确。")),
    (re.compile(r"^Not a valid (list|mapping type)\.$"), lazy_gettext("数据结构不正确。")),
    (re.compile(r"^Invalid input type\.$"), lazy_gettext("数据类型不正确。")),
    (re.compile(r"^Must be one of: (.*)\.$"), lazy_gettext("只能是以下之一：%(choices)s。")),
    (
        re.compile(r"^(Shorter than|Longer than|Length must be).*$"),
        lazy_gettext("长度不符合要求。"),
    ),
    (re.compile(r"^Must be greater than or equal to (.*)\.?$"), lazy_gettext("数值太小。")),
    (re.compile(r"^Invalid value\.$"), lazy_gettext("取值不正确。")),
]


def translate_field_message(message: str) -> str:
    for pattern, translated in _FIELD_MESSAGES:
        m = pattern.match(message)
        if m:
            text = str(translated)
            return text % {"choices": m.group(1)} if "%(choices)s" in text else text
    return message


def translate_field_errors(errors: Any) -> Any:
    """Translate a marshmallow error tree (dicts of lists of strings) in place of a copy."""
    if isinstance(errors, dict):
        return {k: translate_field_errors(v) for k, v in errors.items()}
    if isinstance(errors, list):
        return [translate_field_errors(v) for v in errors]
    if isinstance(errors, str):
        return translate_field_message(errors)
    return errors


class ShuzhiError(Exception):
    """An error the user can act on: a 4xx with a message in their language."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.errors = errors or {}


class NotFound(ShuzhiError):
    status = 404

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message or _("找不到该记录。"), **kw)


class Forbidden(ShuzhiError):
    status = 403

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message or _("您没有权限执行此操作。"), **kw)


class Conflict(ShuzhiError):
    status = 409


class ValidationFailed(ShuzhiError):
    status = 422
