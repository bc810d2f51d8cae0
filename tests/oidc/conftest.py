"""A real OpenID provider (oidc-provider-mock) on 127.0.0.1, and helpers to sign in through it.

The provider runs in a thread for the whole session; its issuer is its own
address (it derives it from the Host header, so 127.0.0.1 everywhere).
Identities: the ``sub`` typed on its form; claims set per subject with
``PUT /users/<sub>`` (extra claims, even ``iss`` or ``nonce``, reach the id token).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import g, session
from werkzeug.serving import make_server

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the local provider speaks plain http

import oidc_provider_mock

from shuzhi.auth import oidc
from shuzhi.auth.models import SsoProvider
from shuzhi.db import db
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, Tenant, TenantLevel, User
from shuzhi.tenancy.scope import scoped
from tests.conftest import buffered

SECRET = "s3cret-never-logged-4711"


def serve(app: Any) -> tuple[str, Callable[[], None]]:
    srv = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        srv.shutdown()
        thread.join()

    return f"http://127.0.0.1:{srv.server_port}", stop


@pytest.fixture(scope="session")
def idp() -> Iterator[str]:
    """The provider's issuer URL (nonce required, as a strict IdP would)."""
    issuer, stop = serve(oidc_provider_mock.app(require_nonce=True))
    yield issuer
    stop()


def set_claims(issuer: str, sub: str, claims: dict[str, Any]) -> None:
    """What the provider will say about ``sub`` (replaces earlier claims)."""
    r = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5)
    assert r.status_code == 204, r.text


@dataclass
class Flow:
    """One sign-in, step by step: our redirect, the IdP's answer, our callback."""

    login: Any  # our /auth/sso/<name>/login response
    authorize_url: str
    callback_url: str  # path?query on our side
    result: Any = None  # our callback response

    @property
    def authorize_params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.authorize_url).query).items()}


def start(client: Any, name: str, next: str | None = None) -> Any:
    url = f"/auth/sso/{name}/login" + (f"?next={requests.utils.quote(next, safe='')}" if next else "")
    return client.get(url)


def at_idp(authorize_url: str, sub: str, **form: str) -> str:
    """Sign in as ``sub`` on the provider's form; returns our callback path?query."""
    r = requests.post(authorize_url, data={"sub": sub, **form}, allow_redirects=False, timeout=5)
    assert r.status_code == 302, r.text
    cb = urlsplit(r.headers["Location"])
    return f"{cb.path}?{cb.query}"


def sign_in(
    client: Any, name: str, sub: str, next: str | None = None, finish: bool = True, **form: str
) -> Flow:
    login = start(client, name, next)
    assert login.status_code == 302, login.get_data(as_text=True)
    flow = Flow(login, login.headers["Location"], "")
    flow.callback_url = at_idp(flow.authorize_url, sub, **form)
    if finish:
        flow.result = client.get(flow.callback_url)
    return flow


def whoami(client: Any) -> tuple[int | None, str | None]:
    """(user id, sign-in method) the app sees on the client's next request."""
    with client:
        client.get("/healthz")
        user = g.get("user")
        return (user.id if user is not None else None), session.get("auth_method")


def signed_in_user(client: Any) -> int | None:
    return whoami(client)[0]


@pytest.fixture
def secret_env(monkeypatch) -> str:
    monkeypatch.setenv("SHUZHI_OIDC_ZW_SECRET", SECRET)
    return "SHUZHI_OIDC_ZW_SECRET"


@pytest.fixture
def county(app) -> dict[str, Any]:
    """A tenant (县委组织部) with its admin."""
    with app.app_context(), scoped(db.session, platform=True):
        tenant = tenancy.create_tenant(
            db.session, slug="sso-county", name="某县委组织部", level=TenantLevel.COUNTY
        )
        admin = tenancy.upsert_user(db.session, username="sso-admin", display_name="管理员")
        tenancy.grant(db.session, tenant, admin, Role.TENANT_ADMIN)
        db.session.commit()
        return {"id": tenant.id, "slug": tenant.slug, "admin_id": admin.id}


@pytest.fixture
def make_provider(app, idp, county, secret_env) -> Callable[..., dict[str, Any]]:
    """Configure a provider (default: ``zw`` for the county, against the local IdP)."""

    def factory(name: str = "zw", **kw: Any) -> dict[str, Any]:
        kw.setdefault("issuer", idp)
        kw.setdefault("client_id", "shuzhi-portal")
        kw.setdefault("label", "省统一身份认证平台")
        with app.app_context(), scoped(db.session, platform=True):
            tenant = db.session.get(Tenant, county["id"]) if kw.pop("for_tenant", True) else None
            provider = oidc.save_provider(db.session, name=name, tenant=tenant, **kw)
            db.session.commit()
            return {"id": provider.id, "name": provider.name, "tenant_id": provider.tenant_id}

    return factory


@pytest.fixture
def linked_user(app, county, make_provider) -> Callable[..., int]:
    """A user pre-created by the admin and linked to ``sub`` at provider ``zw``."""

    def factory(sub: str, username: str, *, role: Role = Role.SECRETARY, email: str | None = None) -> int:
        with app.app_context(), scoped(db.session, platform=True):
            provider = db.session.query(SsoProvider).filter_by(name="zw").one()
            user = tenancy.upsert_user(
                db.session, username=username, display_name=f"{username} 同志", email=email
            )
            tenancy.grant(db.session, db.session.get(Tenant, county["id"]), user, role)
            oidc.link_identity(db.session, provider, sub, user)
            db.session.commit()
            return user.id

    return factory


def get_user(app: Any, **by: Any) -> User | None:
    with app.app_context(), scoped(db.session, platform=True):
        user = db.session.query(User).filter_by(**by).one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user
