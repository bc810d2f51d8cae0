"""API tokens: made by tenant admins, shown once, stored hashed, used as ``Bearer szt_…``.

A request carrying a token acts as the token alone: ``g.token`` (a
:class:`TokenPrincipal`), ``g.auth_method = "token"``, no user and no
session; in the token's tenant only (another tenant's URL is a 404, as for a
stranger), with the token's scopes only, audited as ``token:<name>``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shuzhi.audit.service import Actor, record, set_actor
from shuzhi.auth import Unauthenticated
from shuzhi.auth.permissions import PERM_LABELS, TOKEN_GRANTABLE, Perm, Scope, grants_for, perm_label
from shuzhi.auth.token_models import ApiToken
from shuzhi.db import db, utcnow
from shuzhi.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shuzhi.tenancy.models import Membership, Role, Tenant, User
from shuzhi.tenancy.scope import scoped, set_session_scope

PREFIX = "szt_"
#: token_urlsafe(32): 256 random bits in 43 characters.
_TOKEN_RE = re.compile(r"^szt_[A-Za-z0-9_-]{43}$")
NAME_MAX = 100
MAX_ACTIVE = 50
MAX_YEARS = 10
#: last_used_at is written at most this often per token (a write per API call is waste).
TOUCH_EVERY = timedelta(minutes=1)
#: Dates people type are China's dates (UTC+8, no daylight saving).
CHINA = timezone(timedelta(hours=8))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class TokenPrincipal:
    """Who a token request acts as (kept in ``g.token``)."""

    id: int
    tenant_id: int
    name: str
    scopes: frozenset[Perm]

    def grants(self) -> Mapping[Perm, Scope]:
        # Reading its own tenant's name is implied by holding a token of it.
        return {p: Scope.TENANT for p in self.scopes | {Perm.TENANT_READ}}

    @property
    def label(self) -> str:
        return f"token:{self.name}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def _aware(ts: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def status(token: ApiToken, now: datetime | None = None) -> str:
    """The token's state: "active", "expired" or "revoked"."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    expires = _aware(token.expires_at)
    if expires is not None and expires <= now:
        return "expired"
    return "active"


# --- managing tokens --------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _check_name(session: Session, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写令牌名称。"), errors={"name": [_("不能为空")]})
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("令牌名称不能超过 %(n)s 个字。", n=NAME_MAX), errors={"name": [_("太长")]})
    if _CONTROL.search(name):
        raise ValidationFailed(_("令牌名称不能包含控制字符。"), errors={"name": [_("含有控制字符")]})
    now = utcnow()
    for other in session.scalars(select(ApiToken).where(ApiToken.name == name)):
        if status(other, now) == "active":
            raise Conflict(
                _("已有一个名为“%(name)s”的有效令牌，请换一个名称，或先吊销原令牌。", name=name),
                errors={"name": [_("名称重复")]},
            )
    return name


def _check_scopes(creator: User, tenant: Tenant, scopes: Iterable[str]) -> list[str]:
    wanted: list[str] = []
    for raw in scopes or ():
        code = str(raw).strip()
        if code and code not in wanted:
            wanted.append(code)
    if not wanted:
        raise ValidationFailed(_("请至少选择一项权限。"), errors={"scopes": [_("不能为空")]})
    problems: list[str] = []
    grants = grants_for(creator, tenant)
    for code in wanted:
        try:
            perm = Perm(code)
        except ValueError:
            problems.append(_("不认识的权限：%(code)s", code=code[:64]))
            continue
        if perm not in TOKEN_GRANTABLE:
            problems.append(_("API 令牌不能拥有“%(perm)s”权限（%(code)s）", perm=perm_label(perm), code=code))
        elif perm not in grants.tenant_wide:
            problems.append(
                _("您本人没有“%(perm)s”权限（%(code)s），不能授予令牌", perm=perm_label(perm), code=code)
            )
    if problems:
        raise ValidationFailed(
            _("令牌权限有误：%(list)s。", list="；".join(problems)), errors={"scopes": problems}
        )
    return [p.value for p in Perm if p.value in wanted]  # canonical order


def expiry_from_date(day: date | None, today: date | None = None) -> datetime | None:
    """A date people pick -> the token stops at the end of that day, China time."""
    if day is None:
        return None
    today = today or datetime.now(CHINA).date()
    if day <= today:
        raise ValidationFailed(
            _("有效期必须晚于今天（%(today)s）。", today=today.isoformat()),
            errors={"expires_on": [_("不能早于明天")]},
        )
    if day > today + timedelta(days=366 * MAX_YEARS):
        raise ValidationFailed(_("有效期最长 %(n)s 年。", n=MAX_YEARS), errors={"expires_on": [_("太远")]})
    return datetime.combine(day + timedelta(days=1), time(0), CHINA).astimezone(UTC)


def create_token(
    session: Session,
    *,
    tenant: Tenant,
    creator: User,
    name: str,
    scopes: Iterable[str],
    expires_on: date | None = None,
) -> NewToken:
    """Make a token in the session's tenant; the secret is returned once."""
    if not grants_for(creator, tenant).has(Perm.TOKENS_MANAGE):
        raise Forbidden(_("只有本单位管理员可以创建 API 令牌。"))
    name = _check_name(session, name)
    codes = _check_scopes(creator, tenant, scopes)
    expires_at = expiry_from_date(expires_on)
    active = sum(1 for t in session.scalars(select(ApiToken)) if status(t) == "active")
    if active >= MAX_ACTIVE:
        raise Conflict(_("本单位的有效令牌已达 %(n)s 个上限，请先吊销不用的令牌。", n=MAX_ACTIVE))
    secret = generate()
    token = ApiToken(
        name=name,
        prefix=secret[:10],
        token_hash=hash_token(secret),
        scopes=codes,
        created_by_id=creator.id,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    record(
        session,
        "tokens.create",
        target_type="api_tokens",
        target_id=token.id,
        summary=_(
            "创建 API 令牌“%(name)s”（%(prefix)s…），权限：%(scopes)s",
            name=name,
            prefix=token.prefix,
            scopes="、".join(perm_label(c) for c in codes),
        ),
        after={"name": name, "scopes": codes, "expires_at": expires_at},
    )
    return NewToken(token, secret)


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def get_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("找不到该令牌。"))
    return token


def revoke_token(session: Session, token: ApiToken, by: User | None) -> ApiToken:
    if token.revoked_at is not None:
        raise Conflict(_("令牌“%(name)s”已经吊销。", name=token.name))
    token.revoked_at = utcnow()
    token.revoked_by_id = by.id if by is not None else None
    session.flush()
    record(
        session,
        "tokens.revoke",
        target_type="api_tokens",
        target_id=token.id,
        summary=_("吊销 API 令牌“%(name)s”（%(prefix)s…）", name=token.name, prefix=token.prefix),
    )
    return token


def scope_choices() -> list[tuple[str, str]]:
    """(code, label) of the permissions to offer a token (reading its tenant is implied)."""
    return [(p.value, str(PERM_LABELS[p])) for p in TOKEN_GRANTABLE if p is not Perm.TENANT_READ]


# --- authenticating requests ------------------------------------------------------


def _creator_still_admin(session: Session, token: ApiToken) -> bool:
    if token.created_by_id is None:
        return False
    user = session.get(User, token.created_by_id)
    if user is None or not user.active:
        return False
    if user.is_platform_admin:
        return True
    with scoped(session, tenant_id=token.tenant_id, user_id=user.id):
        role = session.scalar(
            select(Membership.role).where(Membership.user_id == user.id, Membership.role == Role.TENANT_ADMIN)
        )
    return role is not None


def authenticate(session: Session, raw: str, now: datetime | None = None) -> tuple[TokenPrincipal, ApiToken]:
    """The token ``raw`` names, if it may be used now; else 401 with the reason."""
    if not _TOKEN_RE.match(raw):
        raise Unauthenticated(_("API 令牌无效：格式不正确（应以 szt_ 开头）。"))
    now = now or utcnow()
    with scoped(session, platform=True):
        token = session.scalar(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_token(raw))
            .execution_options(skip_tenant_scope=True)
        )
        if token is None:
            raise Unauthenticated(_("API 令牌无效。"))
        state = status(token, now)
        if state == "revoked":
            raise Unauthenticated(_("API 令牌“%(name)s”已被吊销。", name=token.name))
        if state == "expired":
            raise Unauthenticated(_("API 令牌“%(name)s”已过期。", name=token.name))
        if not _creator_still_admin(session, token):
            raise Unauthenticated(
                _("API 令牌“%(name)s”已失效：创建它的管理员已停用或不再是本单位管理员。", name=token.name)
            )
        scopes = frozenset(Perm(c) for c in token.scopes if c in Perm._value2member_map_)
        principal = TokenPrincipal(token.id, token.tenant_id, token.name, scopes)
    return principal, token


def _touch(session: Session, token: ApiToken, now: datetime, ip: str) -> None:
    last = _aware(token.last_used_at)
    if last is not None and now - last < TOUCH_EVERY:
        return
    # A bulk UPDATE, not an ORM change: last-used times are bookkeeping, not audit events.
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=now, last_used_ip=ip[:45])
        .execution_options(synchronize_session=False)
    )
    session.commit()


def load_bearer() -> bool:
    """before_request: authenticate ``Authorization: Bearer szt_…`` on API URLs.

    Returns False when there is no bearer token (the session decides), True
    when the token was accepted; raises 401 (bad token) or 404 (another
    tenant's URL). Portal pages ignore the header: tokens are for the API.
    """
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not request.path.startswith("/api/"):
        return False
    principal, token = authenticate(db.session, raw.strip())
    g.token = principal
    g.auth_method = "token"
    slug = (request.view_args or {}).get("tenant")
    if slug is None:
        return True
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
    if tenant is None or tenant.id != principal.tenant_id:
        raise NotFound()
    g.tenant = tenant
    set_session_scope(db.session, tenant_id=tenant.id)
    ip = request.remote_addr or ""
    set_actor(db.session, Actor(None, principal.label, ip))
    _touch(db.session, token, utcnow(), ip)
    return True
