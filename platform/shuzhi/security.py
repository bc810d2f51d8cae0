"""Request security set up once by ``create_app``: CSRF, headers, cookies, rate limits.

* CSRF (Flask-WTF) on every POST/PUT/PATCH/DELETE, forms and JSON alike.
  The only exemption: an API request (``/api/…``) that a bearer token
  authenticated (``g.auth_method == "token"``, set by ``load_request_context``
  before this check runs). A browser cannot attach such a header cross-site,
  and a cookie-authenticated API call still needs the token (``X-CSRFToken``).
* A strict Content-Security-Policy and the usual headers on every response.
* The session cookie: HttpOnly, SameSite=Lax, Secure outside demo/testing
  (``SHUZHI_COOKIE_SECURE`` forces it either way); the cookie carries a
  session id only (:mod:`shuzhi.accounts.sessions`).
* Rate limits through Flask-Limiter: Redis when ``SHUZHI_REDIS_URL`` is set
  (so every web process counts together), process memory otherwise.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import parse
from werkzeug.wrappers import Response

from shuzhi.auth import is_lean_request
from shuzhi.errors import ShuzhiError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Same-origin: links with a token in the path never leak it to another site,
    # and CSRF's referrer check over HTTPS still gets its Referer.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LIMITER_KEY = "shuzhi_limiter"

csrf = CSRFProtect()


class TooManyAttempts(ShuzhiError):
    status = 429


def cookie_secure(cfg: Any, testing: bool) -> bool:
    flag = str(cfg.COOKIE_SECURE).strip().lower()
    if flag in {"1", "true", "yes", "on"}:
        return True
    if flag in {"0", "false", "no", "off"}:
        return False
    return not (cfg.DEMO or testing)


def init_security(app: Flask) -> None:
    from shuzhi.accounts.sessions import IdentityFreeSessionInterface

    cfg = app.config["SHUZHI"]
    secure = cookie_secure(cfg, bool(app.config.get("TESTING")))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        # The __Host- prefix: the browser only keeps it from HTTPS, for this host, path /.
        SESSION_COOKIE_NAME="__Host-shuzhi" if secure else "shuzhi",
    )
    app.config.setdefault("WTF_CSRF_ENABLED", True)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in _check_csrf, after sign-in
    # The token lives as long as the session; a sign-in page left open an hour still works.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    app.session_interface = IdentityFreeSessionInterface()
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.after_request(_security_headers)

    app.config.setdefault("RATELIMIT_STORAGE_URI", cfg.REDIS_URL or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "shuzhi")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter = Limiter(get_remote_address, default_limits=[], headers_enabled=False)
    limiter.init_app(app)
    # a lean view (the editor's live check) is admitted by its own ticket and reads nothing
    limiter.request_filter(is_lean_request)
    app.extensions[LIMITER_KEY] = limiter


def _check_csrf() -> None:
    check_csrf()


def check_csrf(*, force: bool = False) -> None:
    """The CSRF token of an unsafe request (``force``: also for a lean view, which asked for it)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or request.method not in UNSAFE:
        return
    if not force and is_lean_request():
        return  # the view's own pass stands for the token (shuzhi.auth.lean)
    if request.path.startswith("/api/") and g.get("auth_method") == "token":
        return  # a bearer token, not a cookie: nothing a forged cross-site request can carry
    csrf.protect()


def _csrf_failed(error: CSRFError) -> Any:
    from shuzhi.extensions import api

    message = _("安全校验失败：页面已过期或缺少安全令牌（CSRF）。请返回上一页，刷新后重新提交。")
    return api.handle_shuzhi_error(ShuzhiError(message, status=400))


def _security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint is None or not request.endpoint.endswith("static"):
        # Pages show people, sessions and links with tokens: no shared or disk cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def limiter() -> Limiter:
    return current_app.extensions[LIMITER_KEY]


def rate_limit(scope: str, rate: str, key: str | None = None) -> None:
    """Count one attempt of ``scope`` for ``key`` (default: the client address); 429 past ``rate``."""
    lim = limiter()
    if not lim.enabled:
        return
    item = parse(rate)
    who = key if key is not None else get_remote_address()
    if not lim.limiter.hit(item, scope, who):
        raise TooManyAttempts(_("尝试次数过多，请稍后再试。"))


def reset_rate_limits() -> None:
    """Forget every count (tests; an operator after a false alarm)."""
    limiter().reset()
