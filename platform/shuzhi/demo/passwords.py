"""Demo passwords: every demo user of a tenant without single sign-on gets a
local password, which ``shuzhi demo`` prints next to the login.

Each password is derived from the instance's secret key and the user name, so
a second run prints the same passwords without rewriting anything; one that
someone changed in the portal is left alone and reported as changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.accounts import passwords
from shuzhi.accounts.models import LocalCredential
from shuzhi.demo.builder import DemoSummary
from shuzhi.tenancy.models import User
from shuzhi.tenancy.scope import scoped

#: Printed instead of a password the user has since changed.
CHANGED = "（已修改 changed）"


def demo_password(secret_key: str, username: str) -> str:
    """``demo-`` and 10 letters/digits: stable per instance, different per user, passes the policy."""
    mac = hmac.new(secret_key.encode(), f"shuzhi-demo-password:{username}".encode(), hashlib.sha256)
    return "demo-" + base64.b32encode(mac.digest()).decode().lower()[:10]


def set_demo_passwords(
    session: Session, secret_key: str, summary: DemoSummary, skip_tenants: Iterable[str] = ()
) -> dict[str, str]:
    """Give the demo logins of every tenant but ``skip_tenants`` (and the platform admin) a password.

    Returns user name → the password to print (or :data:`CHANGED`). Commits.
    """
    skip = set(skip_tenants)
    names = [login.username for t in summary.tenants if t.slug not in skip for login in t.logins]
    names.append(summary.platform_admin.username)
    printed: dict[str, str] = {}
    with scoped(session, platform=True):
        for name in dict.fromkeys(names):
            user = session.scalar(select(User).where(User.username == name))
            if user is None:
                continue
            password = demo_password(secret_key, name)
            cred = session.get(LocalCredential, user.id)
            if cred is None:
                session.add(LocalCredential(user_id=user.id, password_hash=passwords.hash_password(password)))
            elif not passwords.verify_password(cred.password_hash, password):
                printed[name] = CHANGED
                continue
            printed[name] = password
        session.commit()
    return printed
