"""The one flask-smorest ``Api``: one JSON error shape for every 4xx/5xx.

Portal pages (anything outside ``/api/``) get an HTML error page instead,
rendered by the web shell.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api as _SmorestApi
from werkzeug.exceptions import HTTPException, InternalServerError

from shuzhi.errors import ShuzhiError, translate_field_errors

log = logging.getLogger(__name__)

_DEFAULT_MESSAGES = {
    400: _l("请求格式不正确。"),
    401: _l("请先登录。"),
    403: _l("您没有权限执行此操作。"),
    404: _l("找不到该页面或记录。"),
    405: _l("不支持该请求方法。"),
    409: _l("与现有数据冲突。"),
    413: _l("上传的文件太大。"),
    415: _l("不支持该文件类型。"),
    422: _l("提交的数据有误，请检查标出的字段。"),
    429: _l("请求过于频繁，请稍后再试。"),
    500: _l("服务器内部错误，请稍后再试；问题已记录。"),
}


def default_message(code: int) -> str:
    text = _DEFAULT_MESSAGES.get(code)
    return str(text) if text is not None else HTTPStatus(code).phrase


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_body(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


class Api(_SmorestApi):
    """Shuzhi's API: flask-smorest with one error shape, in the user's language."""

    def _register_error_handlers(self) -> None:
        app: Flask = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(ShuzhiError, self.handle_shuzhi_error)
        app.register_error_handler(Exception, self.handle_unexpected)

    def handle_http_exception(self, error: HTTPException) -> Any:  # type: ignore[override]
        code = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        if isinstance(errors, dict) and set(errors) <= {
            "json",
            "form",
            "query",
            "files",
            "headers",
            "view_args",
        }:
            # webargs nests by location; the body's fields are what a client fixes.
            flat: dict[str, Any] = {}
            for location_errors in errors.values():
                if isinstance(location_errors, dict):
                    flat.update(location_errors)
            errors = flat or errors
        message = data.get("message") or default_message(code)
        headers = data.get("headers", {})
        return self._respond(code, message, translate_field_errors(errors) if errors else None, headers)

    def handle_shuzhi_error(self, error: ShuzhiError) -> Any:
        return self._respond(error.status, error.message, error.errors or None, {})

    def handle_unexpected(self, error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return self.handle_http_exception(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return self.handle_http_exception(InternalServerError())

    def _respond(self, code: int, message: str, errors: Any, headers: dict[str, str]) -> Any:
        from shuzhi.extensions import rollback_quietly

        if code >= 400:
            # Nothing half-written: an error ends the request's transaction.
            rollback_quietly()
        if is_api_request():
            return error_body(code, message, errors), code, headers
        from shuzhi.web.errors import render_error_page

        return render_error_page(code, message, errors), code, headers
