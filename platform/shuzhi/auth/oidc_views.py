"""Sign-in with an OIDC provider: ``/auth/sso/<name>/login``, ``…/callback``, ``/auth/sso/logout``.

Authorization code flow with PKCE (S256) and a nonce, the state kept in the
session (authlib), the id token's issuer checked against the configured one.
Whatever goes wrong at the IdP ends on a Chinese page with a way back, never
a 500; every refusal is audited here (``auth.sso.refused``), every sign-in by
``login_user``.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError  # authlib ≥ 1.9 checks id tokens with joserfc
from werkzeug.wrappers import Response

from shuzhi.auth import login_user, logout_user, oidc
from shuzhi.auth.models import SsoProvider
from shuzhi.db import db
from shuzhi.tenancy.models import User
from shuzhi.web.errors import safe_next

log = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__, url_prefix="/auth/sso", template_folder="templates")

#: At most this many sign-ins pending at once per browser (tabs); older ones lose their ``next``.
MAX_PENDING = 5

#: kind → (status, title, message). The page adds a way back (and the subject where it helps).
PAGES: dict[str, tuple[int, Any, Any]] = {
    "unknown_provider": (
        404,
        _l("找不到该登录方式"),
        _l("没有这个统一身份认证方式，或者它已被停用。请回到登录页重新选择。"),
    ),
    "access_denied": (
        403,
        _l("登录已取消"),
        _l("您在统一身份认证平台取消了登录，或没有同意授权本平台。如需登录，请重新开始。"),
    ),
    "idp_error": (
        502,
        _l("统一身份认证平台返回了错误"),
        _l("统一身份认证平台没有完成这次登录。请稍后重新登录；如反复出现，请联系平台管理员。"),
    ),
    "bad_state": (
        400,
        _l("登录请求已失效"),
        _l(
            "这次登录不是从本页面发起的，或者已经完成、已经过期（例如页面停留太久、重复提交、"
            "在另一个窗口中登录过）。为安全起见已拒绝，请重新登录。"
        ),
    ),
    "code_rejected": (
        400,
        _l("登录凭据已失效"),
        _l("统一身份认证平台拒绝了这次的登录凭据：它可能已被使用过或已过期。请重新登录。"),
    ),
    "bad_token": (
        400,
        _l("身份令牌未通过校验"),
        _l(
            "统一身份认证平台返回的身份令牌未通过校验（签发方、随机数、签名或有效期不符），"
            "为安全起见已拒绝登录。请重新登录；如反复出现，请联系平台管理员。"
        ),
    ),
    "issuer_mismatch": (
        502,
        _l("统一身份认证平台的配置不一致"),
        _l("统一身份认证平台声明的签发方与本平台登记的不一致，暂时无法登录。请联系平台管理员核对配置。"),
    ),
    "unreachable": (
        502,
        _l("暂时无法连接统一身份认证平台"),
        _l(
            "本平台暂时无法连接统一身份认证平台，或无法读取它的配置。请稍后再试；如反复出现，请联系平台管理员。"
        ),
    ),
    "misconfigured": (
        503,
        _l("该登录方式尚未配置完成"),
        _l("该统一身份认证方式在本平台的配置还不完整，暂时无法使用。请联系平台管理员。"),
    ),
    "unknown_subject": (
        403,
        _l("您的账号尚未开通"),
        _l(
            "统一身份认证已确认您的身份，但您在本平台还没有账号。请联系本单位的管理员为您开通，"
            "并把下面的认证方式和用户标识告诉管理员。"
        ),
    ),
    "email_taken": (
        409,
        _l("需要管理员关联账号"),
        _l(
            "您的邮箱已属于本平台的另一个账号。为安全起见，本平台不会按邮箱自动关联，也不会重复创建账号。"
            "请联系本单位的管理员，把下面的用户标识关联到您的账号。"
        ),
    ),
    "disabled": (
        403,
        _l("账号已停用"),
        _l("您在本平台的账号已被停用，无法登录。如有疑问，请联系本单位的管理员。"),
    ),
}

#: IdP error codes that mean the person declined (OIDC Core 3.1.2.6, RFC 6749 4.1.2.1).
DECLINED = {"access_denied", "login_required", "consent_required", "interaction_required"}

#: Stored in the audit trail whatever the signer's language, so the trail reads the same for everyone.
AUDIT_REFUSED = {
    "access_denied": "统一身份认证：用户取消或未授权",
    "idp_error": "统一身份认证：认证平台返回错误",
    "bad_state": "统一身份认证：登录请求已失效（state 不符）",
    "code_rejected": "统一身份认证：登录凭据被拒绝（授权码已用或过期）",
    "bad_token": "统一身份认证：身份令牌未通过校验",
    "issuer_mismatch": "统一身份认证：签发方与配置不符",
    "unreachable": "统一身份认证：无法连接认证平台",
    "misconfigured": "统一身份认证：配置不完整",
    "unknown_subject": "统一身份认证：未开通的账号尝试登录",
    "email_taken": "统一身份认证：邮箱已属于另一账号，未自动开通",
    "disabled": "统一身份认证：已停用的账号尝试登录",
}


def _page(
    kind: str, provider: SsoProvider | None = None, *, subject: str = "", detail: str = ""
) -> tuple[str, int]:
    status, title, message = PAGES[kind]
    retry = url_for("oidc.login", name=provider.name) if provider is not None and kind != "disabled" else None
    html = render_template(
        "auth/sso_error.html",
        code=status,
        kind=kind,
        title=title,
        message=message,
        provider=provider,
        subject=subject,
        detail=detail,
        retry=retry,
    )
    return html, status


def _refuse(
    kind: str, provider: SsoProvider, *, subject: str = "", user: User | None = None, detail: str = ""
) -> tuple[str, int]:
    """Audit the refusal (in its own transaction) and render its page."""
    db.session.rollback()
    try:
        oidc.audit_sign_in(
            db.session, provider, "auth.sso.refused", AUDIT_REFUSED[kind], user=user, subject=subject
        )
        db.session.commit()
    except Exception:  # the page matters more than the trail of a failed sign-in
        db.session.rollback()
        log.exception("sso %s: could not audit a refused sign-in (%s)", provider.name, kind)
    return _page(kind, provider, subject=subject, detail=detail)


def _failure_kind(exc: Exception, *, starting: bool = False) -> str:
    """Map what authlib, joserfc and requests raise to a page.

    ``starting``: before the redirect to the IdP, where the only call is
    reading its discovery document (a 4xx/5xx there means we cannot read it).
    """
    if isinstance(exc, oidc.IssuerMismatch):
        return "issuer_mismatch"
    if isinstance(exc, MismatchingStateError):
        return "bad_state"
    if isinstance(exc, OAuthError):
        return "code_rejected" if exc.error == "invalid_grant" else "idp_error"
    if isinstance(exc, InsecureTransportError):
        return "misconfigured"
    if isinstance(exc, JoseError):
        return "bad_token"
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return "unreachable"
    if starting and isinstance(exc, requests.RequestException | ValueError):
        return "unreachable"
    return "idp_error"  # an HTTP error or a malformed answer from the IdP


def _remember_next(state: str, nxt: str | None) -> None:
    pending = dict(session.get(oidc.NEXT_KEY) or {})
    pending[state] = nxt or ""
    session[oidc.NEXT_KEY] = dict(list(pending.items())[-MAX_PENDING:])


def _take_next(state: str) -> str | None:
    pending = dict(session.get(oidc.NEXT_KEY) or {})
    nxt = pending.pop(state, None)
    session[oidc.NEXT_KEY] = pending
    return safe_next(nxt)


@bp.get("/<name>/login")
def login(name: str) -> Any:
    """Send the browser to the provider's authorization endpoint."""
    provider = oidc.active_provider(db.session, name)
    if provider is None:
        return _page("unknown_provider")
    if oidc.secret_missing(provider):
        log.error("sso %s: environment variable %s is not set", provider.name, provider.secret_env)
        return _refuse("misconfigured", provider)
    redirect_uri = url_for("oidc.callback", name=provider.name, _external=True)
    try:
        oidc.server_metadata(provider)
        client = oidc.client_for(provider)
        rv = client.create_authorization_url(redirect_uri)
    except Exception as exc:
        kind = _failure_kind(exc, starting=True)
        log.warning("sso %s: cannot start sign-in (%s): %r", provider.name, kind, exc)
        return _refuse(kind, provider)
    client.save_authorize_data(redirect_uri=redirect_uri, **rv)
    _remember_next(rv["state"], safe_next(request.args.get("next")))
    return redirect(rv["url"])


@bp.get("/<name>/callback")
def callback(name: str) -> Any:
    """The provider sends the browser back here with a code (or an error)."""
    provider = oidc.active_provider(db.session, name)
    if provider is None:
        return _page("unknown_provider")
    state = request.args.get("state", "")
    nxt = _take_next(state)
    error = request.args.get("error")
    if error:
        oidc.client_for(provider).framework.clear_state_data(session, state)
        kind = "access_denied" if error in DECLINED else "idp_error"
        log.info("sso %s: IdP answered error=%s", provider.name, error[:64])
        return _refuse(kind, provider, detail=error[:64])
    if oidc.secret_missing(provider):
        return _refuse("misconfigured", provider)
    try:
        oidc.server_metadata(provider)  # the issuer it names is still the configured one
        client = oidc.client_for(provider)
        token = client.authorize_access_token(
            # The id token's iss must be the issuer we registered, not just what metadata says.
            claims_options={"iss": {"essential": True, "values": [provider.issuer]}}
        )
    except Exception as exc:
        kind = _failure_kind(exc)
        log.warning("sso %s: sign-in failed (%s): %r", provider.name, kind, exc)
        return _refuse(kind, provider)
    claims = dict(token.get("userinfo") or {})
    if not claims:  # no id token: OAuth without OpenID is not a sign-in
        return _refuse("bad_token", provider)

    def userinfo() -> dict[str, Any]:
        try:
            return dict(client.userinfo(token=token))
        except Exception:
            log.warning("sso %s: userinfo endpoint failed", provider.name, exc_info=True)
            return {}

    try:
        user, _created = oidc.resolve_user(db.session, provider, claims, userinfo)
    except oidc.Refused as refused:
        return _refuse(refused.kind, provider, subject=refused.subject, user=refused.user)
    db.session.commit()
    # login_user audits the sign-in ("auth.sign_in", method oidc:<provider>) in the user's tenants.
    login_user(user, method=f"oidc:{provider.name}")
    session[oidc.SESSION_KEY] = {"provider": provider.name, "id_token": token.get("id_token", "")}
    from shuzhi.web.views import landing

    return redirect(nxt or landing(user))


@bp.post("/logout")
def logout() -> Response:
    """End the session here and, when the IdP offers it, the IdP's session too.

    The same as the portal's sign-out (``web.logout``), for pages of this room.
    """
    target = oidc.end_session_redirect()
    logout_user()
    return redirect(target or url_for("web.login"))


@bp.get("/signed-out")
def signed_out() -> Any:
    """Signed out here; on to the IdP's end-session page by ``Refresh`` (not a form redirect)."""
    target = oidc.signed_out_target(request.args.get("t", ""))
    if target is None:
        return redirect(url_for("web.login"))
    response = make_response(render_template("auth/sso_signed_out.html", target=target))
    response.headers["Refresh"] = f"0; url={target}"
    return response
