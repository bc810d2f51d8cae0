"""The demo's single sign-on: a local OpenID provider and 永州 configured for it.

``shuzhi demo`` (when it serves) starts oidc-provider-mock on 127.0.0.1 on a
free port, in a thread of the demo process, and points the ``yongzhou``
tenant's provider at it with auto-provisioning off and the tenant's demo
users linked by subject. Nothing else ever starts the mock: it is imported
here only, and this module only by the demo command and its tests.
"""

from __future__ import annotations

import os
import secrets
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from shuzhi.audit import service as audit
from shuzhi.auth import oidc
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Membership, User
from shuzhi.tenancy.scope import scoped

TENANT = "yongzhou"
PROVIDER = "yongzhou-sso"
LABEL = "永州市统一身份认证（演示）"
CLIENT_ID = "shuzhi-demo"
#: The IdP's subject of each demo user: not the username, to show the link is explicit.
SUBJECTS = {
    "yongzhou-admin": "yz-admin",
    "yongzhou-reviewer": "yz-reviewer",
    "yongzhou-secretary": "yz-secretary",
    "yongzhou-observer": "yz-observer",
}


@dataclass
class DemoSso:
    issuer: str
    provider: str
    label: str
    #: (subject, username, display name, role) of each linked demo user
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)
    stop: Callable[[], None] = lambda: None


def _import_mock() -> Any:
    with warnings.catch_warnings():
        # It pulls in authlib's httpx client, which warns about its own deprecation.
        warnings.simplefilter("ignore", DeprecationWarning)
        import oidc_provider_mock
    return oidc_provider_mock


def available() -> bool:
    try:
        _import_mock()
    except ImportError:
        return False
    return True


def _accounts(session: Session) -> list[tuple[str, str, str, str]]:
    tenant = tenancy.get_tenant(session, TENANT)
    out = []
    with scoped(session, tenant_id=tenant.id):
        rows = session.execute(
            select(User.username, User.display_name, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(User.username.in_(SUBJECTS))
            .order_by(User.username)
        ).all()
    for username, name, role in rows:
        out.append((SUBJECTS[username], username, name, role.value))
    return out


def _serve_provider(accounts: list[tuple[str, str, str, str]]) -> tuple[str, Callable[[], None]]:
    oidc_provider_mock = _import_mock()
    users = [oidc_provider_mock.User(sub=sub, claims={"name": name}) for sub, _u, name, _r in accounts]
    srv = make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True, user_claims=users), threaded=True
    )
    thread = threading.Thread(target=srv.serve_forever, name="demo-oidc-provider", daemon=True)
    thread.start()

    def stop() -> None:
        srv.shutdown()
        thread.join(5)

    return f"http://127.0.0.1:{srv.server_port}", stop


def start(session: Session) -> DemoSso:
    """Serve the local provider and configure the 永州 tenant for it (idempotent). Commits."""
    # The local provider speaks plain http; authlib refuses that unless told (this process only).
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    env = oidc.default_secret_env(PROVIDER)
    os.environ.setdefault(env, secrets.token_urlsafe(24))  # the mock accepts any secret
    accounts = _accounts(session)
    issuer, stop = _serve_provider(accounts)
    previous_actor = session.info.get(audit.ACTOR_KEY)
    audit.set_actor(session, audit.Actor(None, "demo"))
    try:
        with scoped(session, platform=True):
            provider = oidc.save_provider(
                session,
                name=PROVIDER,
                issuer=issuer,  # a new port each run: the row follows it
                client_id=CLIENT_ID,
                label=LABEL,
                tenant=tenancy.get_tenant(session, TENANT),
                secret_env=env,
                auto_provision=False,
                replace=True,
            )
            for subject, username, _name, _role in accounts:
                user = session.scalar(select(User).where(User.username == username))
                if user is not None and oidc.find_identity(session, provider, subject) is None:
                    oidc.link_identity(session, provider, subject, user)
        session.commit()
    except Exception:
        session.rollback()
        stop()
        raise
    finally:
        session.info[audit.ACTOR_KEY] = previous_actor
    return DemoSso(issuer, PROVIDER, LABEL, accounts, stop)


def format_sso(sso: DemoSso, portal: str) -> str:
    lines = [
        f"统一身份认证 SSO（演示）: 永州市直工委 {TENANT} 使用本机的 OIDC 身份提供方 local provider {sso.issuer}",
        f"  打开 open {portal}/login ，点「{sso.label}」，在认证页输入 subject（或点它的按钮）:",
    ]
    for subject, username, name, role in sso.accounts:
        lines.append(f"  {subject:<16}→ {username:<22}{name}（{role}）")
    lines.append(
        "  其他 subject 会看到「账号尚未开通」：自动开通已关闭 auto-provisioning off（管理员先关联账号）"
    )
    return "\n".join(lines)
