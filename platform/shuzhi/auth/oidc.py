"""OpenID Connect single sign-on: providers, their authlib clients, and who a sign-in is.

The pages are in :mod:`shuzhi.auth.oidc_views`; this module is the service
(the only place that writes ``sso_providers`` and ``user_identities``) and the
seams other rooms call:

* :func:`login_buttons` — the sign-in page renders one button per provider;
* :func:`end_session_redirect` — sign-out asks where to go so the IdP's session ends too;
* :func:`link_identity` — an admin (or an invitation) links a subject to a user.

A user is found by (provider, subject) only. The e-mail, the mobile number or
an ID-card number an IdP sends are never keys: an e-mail can be reassigned
and a local account with the same e-mail is somebody an admin must vouch for.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzhi.audit.service import Actor, record, set_actor
from shuzhi.auth.models import SsoProvider, UserIdentity
from shuzhi.errors import Conflict, NotFound, ValidationFailed
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Membership, Role, Tenant, User
from shuzhi.tenancy.scope import scoped

log = logging.getLogger(__name__)

#: Session key of the signed-in SSO session: provider name and the id token (logout hint).
SESSION_KEY = "sso"
#: Session key of the pages to return to, by the state of each pending sign-in.
NEXT_KEY = "sso_next"
#: How long a provider's discovery document is trusted before it is fetched again.
METADATA_TTL = 3600.0
#: Seconds any call to an IdP may take (metadata, keys, token, userinfo).
HTTP_TIMEOUT = 10
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ENV_RE = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# --- providers ----------------------------------------------------------------


def default_secret_env(name: str) -> str:
    """``SHUZHI_OIDC_<NAME>_SECRET`` (dashes become underscores)."""
    return f"SHUZHI_OIDC_{name.upper().replace('-', '_')}_SECRET"


def metadata_url(provider: SsoProvider) -> str:
    return provider.metadata_url or provider.issuer.rstrip("/") + "/.well-known/openid-configuration"


def client_secret(provider: SsoProvider) -> str | None:
    """The secret from the environment variable the provider names. Never logged."""
    return (os.environ.get(provider.secret_env) or None) if provider.secret_env else None


def secret_missing(provider: SsoProvider) -> bool:
    return client_secret(provider) is None


def get_provider(session: Session, name: str) -> SsoProvider:
    provider = session.scalar(select(SsoProvider).where(SsoProvider.name == name))
    if provider is None:
        raise NotFound(_("没有名为 %(name)s 的统一身份认证方式。", name=name))
    return provider


def active_provider(session: Session, name: str) -> SsoProvider | None:
    return session.scalar(select(SsoProvider).where(SsoProvider.name == name, SsoProvider.active.is_(True)))


def list_providers(session: Session, *, active_only: bool = False) -> list[SsoProvider]:
    stmt = select(SsoProvider).order_by(SsoProvider.name)
    if active_only:
        stmt = stmt.where(SsoProvider.active.is_(True))
    return list(session.scalars(stmt))


def _check_url(field: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ValidationFailed(
            _("%(field)s 不是有效的网址：%(url)s", field=field, url=url), errors={field: [_("网址无效")]}
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        # Tokens and the client secret travel over this connection.
        raise ValidationFailed(
            _("%(field)s 必须使用 https（只有本机测试可用 http）：%(url)s", field=field, url=url),
            errors={field: [_("必须使用 https")]},
        )


def _parse_roles(values: dict[str, Any]) -> dict[str, str]:
    out = {}
    for idp_value, role in values.items():
        try:
            out[str(idp_value)] = Role(role).value
        except ValueError:
            raise ValidationFailed(
                _("角色映射中的 %(role)s 不是本平台的角色。", role=role), errors={"role_map": [_("未知角色")]}
            ) from None
    return out


def save_provider(
    session: Session,
    *,
    name: str,
    issuer: str,
    client_id: str,
    label: str = "",
    tenant: Tenant | None = None,
    metadata_url: str = "",
    secret_env: str | None = None,
    scopes: str = "openid profile email",
    name_claim: str = "name",
    email_claim: str = "email",
    roles_claim: str = "",
    role_map: dict[str, Any] | None = None,
    auto_provision: bool = False,
    default_role: Role = Role.OBSERVER,
    replace: bool = False,
) -> SsoProvider:
    """Create a provider (or, with ``replace``, update the one of that name).

    ``secret_env``: the environment variable holding the client secret
    (default ``SHUZHI_OIDC_<NAME>_SECRET``). The platform is a confidential
    client: the secret authenticates it at the token endpoint, PKCE binds the
    code to the browser that asked for it.
    """
    if not NAME_RE.match(name):
        raise ValidationFailed(
            _("名称只能由小写字母、数字和连字符组成（最长 63 个字符）：%(name)s", name=name),
            errors={"name": [_("格式不正确")]},
        )
    issuer = issuer.strip().rstrip("/")
    _check_url("issuer", issuer)
    if metadata_url:
        _check_url("metadata_url", metadata_url)
    if not client_id.strip():
        raise ValidationFailed(_("必须填写 client id。"), errors={"client_id": [_("必填")]})
    env = (secret_env or "").strip() or default_secret_env(name)
    if not ENV_RE.match(env):
        raise ValidationFailed(
            _("密钥环境变量名只能由大写字母、数字和下划线组成：%(env)s", env=env),
            errors={"secret_env": [_("格式不正确")]},
        )
    if "openid" not in scopes.split():
        raise ValidationFailed(_("scopes 必须包含 openid。"), errors={"scopes": [_("缺少 openid")]})
    if auto_provision and tenant is None:
        raise ValidationFailed(
            _("自动开通账号需要指定租户：新用户要加入哪个单位。"), errors={"tenant": [_("必填")]}
        )
    existing = session.scalar(select(SsoProvider).where(SsoProvider.name == name))
    if existing is not None and not replace:
        raise Conflict(
            _("名为 %(name)s 的统一身份认证方式已存在。", name=name), errors={"name": [_("已存在")]}
        )
    provider = existing or SsoProvider(name=name)
    provider.label = (label or _("统一身份认证")).strip()[:100]
    provider.tenant_id = tenant.id if tenant is not None else None
    provider.issuer = issuer
    provider.metadata_url = metadata_url
    provider.client_id = client_id.strip()
    provider.secret_env = env
    provider.scopes = " ".join(scopes.split())
    provider.name_claim = name_claim
    provider.email_claim = email_claim
    provider.roles_claim = roles_claim
    provider.role_map = _parse_roles(role_map or {})
    provider.auto_provision = auto_provision
    provider.default_role = default_role
    provider.active = True
    if existing is None:
        session.add(provider)
    session.flush()
    _audit_config(
        session, provider, "sso.provider.save", f"统一身份认证方式 {provider.name}：{provider.issuer}"
    )
    return provider


def _audit_config(session: Session, provider: SsoProvider, action: str, summary: str, **after: Any) -> None:
    """A tenant's providers and links are its business: changes go to its audit chain."""
    if provider.tenant_id is None:
        log.info("sso %s: %s", action, summary)
        return
    with scoped(session, tenant_id=provider.tenant_id):
        record(
            session,
            action,
            target_type="sso_providers",
            target_id=provider.id,
            summary=summary,
            after={"provider": provider.name, **after},
            tenant_id=provider.tenant_id,
        )


def remove_provider(session: Session, provider: SsoProvider) -> int:
    """Delete the provider and its links; returns how many identities were unlinked."""
    links = identity_count(session, provider)
    _audit_config(
        session,
        provider,
        "sso.provider.remove",
        f"删除统一身份认证方式 {provider.name}（解除 {links} 个关联）",
    )
    session.delete(provider)
    session.flush()
    return links


def identity_count(session: Session, provider: SsoProvider) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(UserIdentity).where(UserIdentity.provider_id == provider.id)
        )
        or 0
    )


# --- identities -----------------------------------------------------------------


def find_identity(session: Session, provider: SsoProvider, subject: str) -> UserIdentity | None:
    return session.scalar(
        select(UserIdentity).where(UserIdentity.provider_id == provider.id, UserIdentity.subject == subject)
    )


def link_identity(session: Session, provider: SsoProvider, subject: str, user: User) -> UserIdentity:
    """Link ``subject`` at ``provider`` to ``user`` (idempotent for the same pair)."""
    subject = subject.strip()
    if not subject or len(subject) > 255:
        raise ValidationFailed(
            _("subject 不能为空，且不超过 255 个字符。"), errors={"subject": [_("格式不正确")]}
        )
    found = find_identity(session, provider, subject)
    if found is not None:
        if found.user_id == user.id:
            return found
        raise Conflict(_("该 subject 已关联到另一个用户，请先解除关联。"), errors={"subject": [_("已关联")]})
    other = session.scalar(
        select(UserIdentity).where(UserIdentity.provider_id == provider.id, UserIdentity.user_id == user.id)
    )
    if other is not None:
        raise Conflict(
            _(
                "用户 %(user)s 已关联该认证方式的另一个 subject（%(subject)s）。",
                user=user.username,
                subject=other.subject,
            ),
            errors={"user": [_("已关联")]},
        )
    identity = UserIdentity(provider_id=provider.id, subject=subject, user_id=user.id)
    session.add(identity)
    session.flush()
    _audit_config(
        session,
        provider,
        "sso.identity.link",
        f"关联 {subject} → {user.username}",
        subject=subject,
        user=user.username,
    )
    return identity


def unlink_identity(session: Session, provider: SsoProvider, subject: str) -> None:
    found = find_identity(session, provider, subject)
    if found is None:
        raise NotFound(_("该 subject 没有关联任何用户。"))
    _audit_config(session, provider, "sso.identity.unlink", f"解除关联 {subject}", subject=subject)
    session.delete(found)
    session.flush()


def identities(session: Session, provider: SsoProvider) -> list[tuple[UserIdentity, User]]:
    rows = session.execute(
        select(UserIdentity, User)
        .join(User, User.id == UserIdentity.user_id)
        .where(UserIdentity.provider_id == provider.id)
        .order_by(UserIdentity.subject)
    ).all()
    return [(i, u) for i, u in rows]


# --- sign-in --------------------------------------------------------------------


class Refused(Exception):
    """A sign-in the platform refuses; ``kind`` picks the page (see oidc_views)."""

    def __init__(self, kind: str, subject: str = "", user: User | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.subject = subject
        self.user = user


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def _roles_from(provider: SsoProvider, claims: dict[str, Any]) -> list[Role]:
    if not provider.roles_claim:
        return []
    raw = claims.get(provider.roles_claim)
    values = raw.replace(",", " ").split() if isinstance(raw, str) else raw if isinstance(raw, list) else []
    roles: list[Role] = []
    for value in values:
        mapped = provider.role_map.get(str(value)) if provider.role_map else str(value)
        if mapped in Role._value2member_map_ and Role(mapped) not in roles:
            roles.append(Role(mapped))
    return roles


def _free_username(session: Session, provider: SsoProvider, subject: str) -> str:
    base = f"{provider.name}:{subject}"
    if len(base) > 140:
        base = f"{provider.name}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"
    name, n = base, 1
    while session.scalar(select(User.id).where(User.username == name)) is not None:
        n += 1
        name = f"{base}~{n}"
    return name


def _provision(session: Session, provider: SsoProvider, subject: str, claims: dict[str, Any]) -> User:
    """Auto-provisioning: a new user in the provider's tenant, linked to ``subject``."""
    tenant = session.get(Tenant, provider.tenant_id) if provider.tenant_id is not None else None
    if tenant is None or not tenant.active:
        raise Refused("unknown_subject", subject)
    email = _claim(claims, provider.email_claim) or None
    if email is not None:
        if claims.get("email_verified") is False or len(email) > 254:
            email = None  # an unverified address is not worth keeping
        elif session.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None:
            # Someone already has this e-mail: neither link nor duplicate; an admin decides.
            raise Refused("email_taken", subject)
    display = (_claim(claims, provider.name_claim) or _claim(claims, "preferred_username") or subject)[:100]
    with scoped(session, platform=True):
        user = tenancy.upsert_user(
            session, username=_free_username(session, provider, subject), display_name=display, email=email
        )
        link_identity(session, provider, subject, user)
        for role in _roles_from(provider, claims) or [provider.default_role]:
            tenancy.grant(session, tenant, user, role)
    return user


def resolve_user(
    session: Session,
    provider: SsoProvider,
    claims: dict[str, Any],
    userinfo: Callable[[], dict[str, Any]] | None = None,
) -> tuple[User, bool]:
    """The user the verified id-token ``claims`` sign in as, and whether it was just created.

    ``userinfo`` fetches the userinfo endpoint's claims; it is called only
    when a new user is provisioned and the id token lacks a mapped claim.
    Raises :class:`Refused` for an unknown subject (auto-provisioning off), an
    e-mail already taken (auto-provisioning on), or a disabled user.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise Refused("bad_token")
    identity = find_identity(session, provider, subject)
    created = False
    if identity is None:
        if not provider.auto_provision:
            raise Refused("unknown_subject", subject)
        wanted = [provider.name_claim, provider.email_claim, provider.roles_claim]
        if userinfo is not None and any(c and c not in claims for c in wanted):
            extra = userinfo()
            if extra.get("sub") == subject:  # OIDC Core 5.3.2: else it is not this user's
                claims = {**extra, **claims}
        user = _provision(session, provider, subject, claims)
        identity = find_identity(session, provider, subject)
        created = True
    else:
        user = session.get(User, identity.user_id)
    if user is None or identity is None or not user.active:
        raise Refused("disabled", subject, user)
    identity.last_login_at = datetime.now(UTC)
    session.flush()
    return user, created


# --- audit ------------------------------------------------------------------------


def audit_tenants(session: Session, user: User | None, provider: SsoProvider) -> list[int]:
    """Chains a sign-in event goes to: the user's tenants, else the provider's tenant."""
    ids: list[int] = []
    if user is not None:
        with scoped(session, user_id=user.id, platform=True):
            ids = sorted(
                set(
                    session.scalars(
                        select(Membership.tenant_id)
                        .where(Membership.user_id == user.id)
                        .execution_options(skip_tenant_scope=True)
                    )
                )
            )
    if not ids and provider.tenant_id is not None:
        ids = [provider.tenant_id]
    return ids


def audit_sign_in(
    session: Session,
    provider: SsoProvider,
    action: str,
    summary: str,
    *,
    user: User | None = None,
    subject: str = "",
) -> None:
    """Record a sign-in event (``auth.sso.refused``) in its tenants' chains."""
    ip = (request.remote_addr or "") if has_request_context() else ""
    label = user.username if user is not None else f"sso:{provider.name}"
    set_actor(session, Actor(user.id if user is not None else None, label, ip))
    tenants = audit_tenants(session, user, provider)
    if not tenants:
        log.info("sso %s: %s (provider %s, no tenant to audit in)", action, summary, provider.name)
        return
    details = {"provider": provider.name, "subject": subject}
    for tenant_id in tenants:
        with scoped(session, tenant_id=tenant_id):
            record(
                session,
                action,
                target_type="users" if user is not None else "sso_providers",
                target_id=user.id if user is not None else provider.id,
                summary=summary,
                after=details,
                tenant_id=tenant_id,
            )


# --- authlib clients -------------------------------------------------------------


def init_app(app: Flask) -> None:
    """One authlib registry per app; clients are registered lazily, per provider."""
    from shuzhi.auth.oidc_views import bp

    OAuth(app)
    app.register_blueprint(bp)


def _oauth() -> OAuth:
    return current_app.extensions["authlib.integrations.flask_client"]


def _client_name(provider: SsoProvider) -> str:
    secret = client_secret(provider) or ""
    fingerprint = hashlib.sha256(
        "\n".join(
            [
                provider.issuer,
                metadata_url(provider),
                provider.client_id,
                provider.scopes,
                hashlib.sha256(secret.encode()).hexdigest(),
            ]
        ).encode()
    ).hexdigest()[:12]
    # The name keys the pending sign-in's state in the session too.
    return f"sso_{provider.id}_{fingerprint}"


def client_for(provider: SsoProvider) -> Any:
    """The provider's authlib client (code flow, PKCE S256, nonce), registered on first use.

    A changed configuration (issuer, client, secret, scopes) gives a new
    client; the discovery document is fetched again after ``METADATA_TTL``.
    """
    oauth = _oauth()
    name = _client_name(provider)
    client = oauth.create_client(name)
    if client is None:
        client = oauth.register(
            name,
            client_id=provider.client_id,
            client_secret=client_secret(provider),
            server_metadata_url=metadata_url(provider),
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "default_timeout": HTTP_TIMEOUT,
            },
        )
    loaded = client.server_metadata.get("_loaded_at")
    if loaded is not None and time.time() - loaded > METADATA_TTL:
        client.server_metadata.pop("_loaded_at", None)
    return client


class IssuerMismatch(Exception):
    """The discovery document names another issuer than the one configured."""


def server_metadata(provider: SsoProvider) -> dict[str, Any]:
    """The provider's discovery document, checked to name the configured issuer."""
    metadata = client_for(provider).load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer:
        raise IssuerMismatch(metadata.get("issuer"))
    return metadata


# --- seams for the sign-in page and sign-out --------------------------------------


def login_buttons() -> list[dict[str, str]]:
    """One button per active provider for the sign-in page: ``{"label", "url"}``.

    The URL keeps the page's ``next`` (when it is a path on this site).
    """
    from shuzhi.db import db
    from shuzhi.web.errors import safe_next

    nxt = safe_next(request.args.get("next")) if has_request_context() else None
    return [
        {"label": p.label, "url": url_for("oidc.login", name=p.name, next=nxt)}
        for p in list_providers(db.session, active_only=True)
    ]


#: Salt and lifetime of the signed hand-over from sign-out to the page that leaves for the IdP.
SIGNED_OUT_SALT = "shuzhi.sso.signed-out"
SIGNED_OUT_MAX_AGE = 300


def end_session_url() -> str | None:
    """The IdP's end-session URL for the current SSO session, or None.

    Needs the IdP to offer ``end_session_endpoint``; carries ``id_token_hint``,
    ``client_id`` and a ``post_logout_redirect_uri`` back to the sign-in page.
    """
    from shuzhi.db import db

    info = session.get(SESSION_KEY)
    if not isinstance(info, dict) or not info.get("provider"):
        return None
    provider = active_provider(db.session, info["provider"])
    if provider is None:
        return None
    try:
        metadata = server_metadata(provider)
    except Exception:  # an unreachable IdP must not keep anyone signed in here
        log.warning("sso %s: end_session_endpoint unavailable", provider.name, exc_info=True)
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client_for(provider).create_logout_url(
        post_logout_redirect_uri=url_for("web.login", _external=True),
        id_token_hint=info.get("id_token") or None,
        client_id=provider.client_id,
    )
    return str(result["url"])


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SIGNED_OUT_SALT)


def end_session_redirect() -> str | None:
    """Where sign-out sends the browser so the IdP's session ends too, or None.

    Call before ``logout_user()`` (it reads the SSO session) and redirect to
    the result. It is a page of this site (``/auth/sso/signed-out``) that
    moves on to the IdP's ``end_session_endpoint`` by itself: a 302 straight
    to the IdP after the sign-out form's POST would be blocked by the CSP's
    ``form-action 'self'``, which also covers the redirects that follow a
    form submission. The IdP address travels signed, so the page is no open
    redirect.
    """
    target = end_session_url()
    if target is None:
        return None
    return url_for("oidc.signed_out", t=_signer().dumps(target))


def signed_out_target(token: str) -> str | None:
    """The IdP address handed over by :func:`end_session_redirect`, if genuine and recent."""
    try:
        target = _signer().loads(token, max_age=SIGNED_OUT_MAX_AGE)
    except BadData:
        return None
    return target if isinstance(target, str) else None
