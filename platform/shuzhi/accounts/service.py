"""Local accounts: sign-in checks, lockout, passwords, resets, invitations, members.

The only place that writes the accounts tables. Views call these functions
and commit; errors are :class:`~shuzhi.errors.ShuzhiError` with a message in
the user's language. Functions that must leave a trace even when the request
fails (a wrong password counts) commit that trace themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from shuzhi.accounts import mail, passwords
from shuzhi.accounts import sessions as user_sessions
from shuzhi.accounts.crypto import aware, digest, new_token
from shuzhi.accounts.events import client_ip, record_for_user
from shuzhi.accounts.models import (
    Invitation,
    LocalCredential,
    MemberSuspension,
    PasswordReset,
    UserSession,
)
from shuzhi.audit.service import Actor, record
from shuzhi.db import db, utcnow
from shuzhi.errors import Conflict, Forbidden, NotFound, ShuzhiError, ValidationFailed
from shuzhi.orgs import service as orgs
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Membership, Role, Tenant, User

#: After a day without failures the counter starts again.
FAILURE_MEMORY = timedelta(hours=24)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$")


class LoginFailed(ShuzhiError):
    """Wrong name or password; the same words whichever it was."""

    status = 401


class AccountLocked(ShuzhiError):
    status = 429


class LinkInvalid(ShuzhiError):
    """An invitation or reset link that is used, expired or revoked."""

    status = 410


def _cfg() -> Any:
    return current_app.config["SHUZHI"]


def _external(endpoint: str, **values: Any) -> str:
    base = _cfg().BASE_URL.rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def valid_email(address: str) -> bool:
    return len(address) <= 254 and EMAIL_RE.match(address) is not None


def credential(user_id: int) -> LocalCredential | None:
    return db.session.get(LocalCredential, user_id)


def has_password(user_id: int) -> bool:
    return credential(user_id) is not None


# --- sign-in ------------------------------------------------------------------------


def find_user(identifier: str) -> User | None:
    """By user name, or by e-mail address when it has an @ (case-insensitive)."""
    name = identifier.strip()
    if not name or len(name) > 254:
        return None
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None and "@" in name:
        user = db.session.scalar(select(User).where(func.lower(User.email) == name.lower()))
    return user


def _lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((aware(until) - now).total_seconds() + 59) // 60)
    return _(
        "登录失败次数过多，账号已暂时锁定。请在 %(minutes)s 分钟后再试，或通过“忘记密码”重设密码。",
        minutes=minutes,
    )


def check_not_locked(user_id: int) -> None:
    cred = credential(user_id)
    now = utcnow()
    if cred is not None and cred.locked_until is not None and aware(cred.locked_until) > now:
        raise AccountLocked(_lock_message(cred.locked_until, now))


def register_failure(user_id: int, what: str = "password") -> None:
    """Count a wrong password (or code) on the account and lock it when due; commits."""
    cfg = _cfg()
    now = utcnow()
    cutoff = now - FAILURE_MEMORY
    table = LocalCredential
    db.session.execute(
        update(table)
        .where(table.user_id == user_id)
        .values(
            failed_count=case(
                (table.last_failed_at.is_(None), 1),
                (table.last_failed_at < cutoff, 1),
                else_=table.failed_count + 1,
            ),
            last_failed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    cred = db.session.scalar(
        select(table).where(table.user_id == user_id).execution_options(populate_existing=True)
    )
    if cred is not None:
        over = cred.failed_count - cfg.LOGIN_MAX_FAILURES
        if over >= 0:
            minutes = min(cfg.LOGIN_LOCK_MINUTES * 2 ** min(over, 16), cfg.LOGIN_LOCK_MAX_MINUTES)
            cred.locked_until = now + timedelta(minutes=minutes)
    record_for_user(
        user_id,
        "auth.sign_in_failed",
        actor=Actor(None, "anonymous", client_ip()),
        summary=_("登录失败（%(what)s）", what=_("密码错误") if what == "password" else _("验证码错误")),
        after={"failures": cred.failed_count if cred else None},
    )
    db.session.commit()


def authenticate(identifier: str, password: str) -> User:
    """The user whose name and password these are, or LoginFailed / AccountLocked.

    A locked account is refused before the password is looked at, so a right
    password does not get in (and does not tell it was right) until the lock ends.
    """
    user = find_user(identifier)
    cred = credential(user.id) if user is not None else None
    if user is None or cred is None or not user.active:
        passwords.verify_password(None, password)  # same time as a real check
        raise LoginFailed(_("用户名或密码不正确。"))
    check_not_locked(user.id)
    if not passwords.verify_password(cred.password_hash, password):
        register_failure(user.id)
        check_not_locked(user.id)  # this failure may have been the one that locks
        raise LoginFailed(_("用户名或密码不正确。"))
    cred.failed_count = 0
    cred.locked_until = None
    if passwords.needs_rehash(cred.password_hash):
        cred.password_hash = passwords.hash_password(password)
    db.session.flush()
    return user


# --- passwords ----------------------------------------------------------------------


def check_new_password(user_or_name: User | str, password: str, confirm: str | None = None) -> None:
    username = user_or_name if isinstance(user_or_name, str) else user_or_name.username
    errors = passwords.policy_errors(password, username)
    if confirm is not None and confirm != password:
        errors.append(_("两次输入的密码不一致。"))
    if errors:
        raise ValidationFailed(errors[0], errors={"password": errors})


def set_password(user: User, password: str) -> LocalCredential:
    """Store a new password (policy checked) and clear any lock."""
    check_new_password(user, password)
    cred = credential(user.id)
    if cred is None:
        cred = LocalCredential(user_id=user.id, password_hash="")
        db.session.add(cred)
    cred.password_hash = passwords.hash_password(password)
    cred.changed_at = utcnow()
    cred.failed_count = 0
    cred.locked_until = None
    cred.last_failed_at = None
    db.session.flush()
    return cred


def change_password(user: User, current: str, new: str, confirm: str) -> int:
    """My account: needs the current password; signs out the user's other sessions."""
    cred = credential(user.id)
    if cred is None:
        raise Forbidden(_("您的账号通过统一身份认证登录，没有本地密码。"))
    check_not_locked(user.id)
    if not passwords.verify_password(cred.password_hash, current):
        register_failure(user.id)
        raise ValidationFailed(_("当前密码不正确。"), errors={"current": [_("当前密码不正确。")]})
    check_new_password(user, new, confirm)
    set_password(user, new)
    ended = user_sessions.revoke_all(user.id, "password_changed", keep=user_sessions.current_id())
    record_for_user(
        user.id,
        "account.password_changed",
        actor=Actor(user.id, user.username, client_ip()),
        summary=_("修改了密码，其他 %(n)s 个登录会话已退出", n=ended),
    )
    return ended


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active local account has this address; silent either way."""
    address = normalize_email(email)
    if not valid_email(address):
        return
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None or not user.active or credential(user.id) is None:
        return
    raw = new_token()
    now = utcnow()
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=digest(raw),
            created_at=now,
            expires_at=now + timedelta(minutes=_cfg().RESET_MINUTES),
            ip=client_ip(),
        )
    )
    db.session.flush()
    link = _external("accounts.reset_password", token=raw)
    body = _(
        "%(name)s，您好：\n\n有人（希望是您本人）请求重设您在述职评议考核平台的密码。"
        "请在 %(minutes)s 分钟内打开下面的链接设置新密码，链接只能使用一次：\n\n%(link)s\n\n"
        "如果不是您本人操作，请忽略本邮件，您的密码不会改变。",
        name=user.display_name,
        minutes=_cfg().RESET_MINUTES,
        link=link,
    )
    mail.send_mail(db.session, address, _("重设密码"), body)
    record_for_user(user.id, "account.password_reset_requested", actor=Actor(None, "anonymous", client_ip()))


def reset_link(raw: str, *, for_update: bool = False) -> PasswordReset:
    stmt = select(PasswordReset).where(PasswordReset.token_hash == digest(raw or ""))
    if for_update:
        stmt = stmt.with_for_update()
    row = db.session.scalar(stmt)
    if row is None:
        raise NotFound(_("重设密码链接无效。请重新申请。"))
    if row.used_at is not None:
        raise LinkInvalid(_("该重设密码链接已经使用过，不能再次使用。请重新申请。"))
    if aware(row.expires_at) <= utcnow():
        raise LinkInvalid(_("该重设密码链接已过期。请重新申请。"))
    return row


def reset_password(raw: str, new: str, confirm: str) -> User:
    """Use a reset link once: new password, lock cleared, every session signed out."""
    row = reset_link(raw, for_update=True)
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise LinkInvalid(_("该账号已停用，无法重设密码。"))
    check_new_password(user, new, confirm)
    row.used_at = utcnow()
    set_password(user, new)
    user_sessions.revoke_all(user.id, "password_changed")
    record_for_user(
        user.id,
        "account.password_reset",
        actor=Actor(user.id, user.username, client_ip()),
        summary=_("通过邮件链接重设了密码，所有登录会话已退出"),
    )
    return user


# --- profile ------------------------------------------------------------------------


def update_profile(user: User, display_name: str, email: str, current_password: str = "") -> None:
    name = display_name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            _("姓名不能为空，且不超过 100 个字。"), errors={"display_name": [_("请填写姓名。")]}
        )
    address = normalize_email(email) if email.strip() else None
    if address is not None and not valid_email(address):
        raise ValidationFailed(_("邮箱地址格式不正确。"), errors={"email": [_("格式不正确")]})
    if address != (user.email or None):
        cred = credential(user.id)
        # The e-mail receives reset links: changing it needs the password.
        if cred is not None and not passwords.verify_password(cred.password_hash, current_password):
            raise ValidationFailed(
                _("修改邮箱需要输入当前密码。"), errors={"current": [_("当前密码不正确。")]}
            )
        if address is not None:
            taken = db.session.scalar(
                select(User.id).where(func.lower(User.email) == address, User.id != user.id)
            )
            if taken is not None:
                raise Conflict(_("该邮箱已被其他账号使用。"), errors={"email": [_("已被使用")]})
    changed = {k: v for k, v in {"display_name": name, "email": address}.items() if getattr(user, k) != v}
    if not changed:
        return
    user.display_name = name
    user.email = address
    db.session.flush()
    record_for_user(
        user.id,
        "account.profile_changed",
        actor=Actor(user.id, user.username, client_ip()),
        after=changed,
    )


# --- sessions -----------------------------------------------------------------------


def sign_out_everywhere(user: User) -> int:
    ended = user_sessions.revoke_all(user.id, "revoked_by_user")
    record_for_user(
        user.id,
        "sessions.revoked",
        actor=Actor(user.id, user.username, client_ip()),
        summary=_("在所有设备上退出登录（%(n)s 个会话）", n=ended),
    )
    return ended


def sign_out_session(user: User, session_id: int) -> None:
    if not user_sessions.revoke_one(user.id, session_id, "revoked_by_user"):
        raise NotFound(_("找不到该登录会话，可能已经退出。"))
    record_for_user(
        user.id,
        "sessions.revoked",
        actor=Actor(user.id, user.username, client_ip()),
        summary=_("退出了一个登录会话"),
    )


# --- invitations --------------------------------------------------------------------


def parse_org_codes(text: str) -> list[int]:
    """Org codes (comma, space or 、 separated) of the current tenant → ids."""
    codes = [c for c in re.split(r"[\s,，、;；]+", text.strip()) if c]
    ids: list[int] = []
    unknown: list[str] = []
    for code in codes:
        org = orgs.org_by_code(db.session, code)
        if org is None:
            unknown.append(code)
        elif org.id not in ids:
            ids.append(org.id)
    if unknown:
        message = _("找不到这些组织编码：%(codes)s", codes="、".join(unknown[:10]))
        raise ValidationFailed(message, errors={"orgs": [message]})
    return ids


def org_labels(org_ids: list[int]) -> list[str]:
    found = orgs.orgs_by_id(db.session, org_ids)
    return [f"{found[i].name}（{found[i].code}）" for i in org_ids if i in found]


def _member_roles(tenant: Tenant, user_id: int) -> dict[Role, Membership]:
    rows = db.session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.tenant_id == tenant.id)
    ).all()
    return {m.role: m for m in rows}


def create_invitation(
    tenant: Tenant, inviter: User, email: str, role: Role, org_ids: list[int]
) -> tuple[Invitation, str]:
    """Invite an address to the current tenant with a role; mails a single-use link.

    Returns the invitation and its link (the demo shows it; nothing stores it).
    """
    address = normalize_email(email)
    if not valid_email(address):
        raise ValidationFailed(_("邮箱地址格式不正确。"), errors={"email": [_("格式不正确")]})
    existing = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if existing is not None and role in _member_roles(tenant, existing.id):
        raise Conflict(
            _("%(name)s 已经是本单位的成员，并且已有该角色。", name=existing.display_name),
            errors={"email": [_("已是成员")]},
        )
    now = utcnow()
    for old in db.session.scalars(
        select(Invitation).where(
            Invitation.email == address, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
        )
    ):
        old.revoked_at = now  # the newest link is the only one that works
    raw = new_token()
    days = _cfg().INVITATION_DAYS
    invitation = Invitation(
        email=address,
        role=role,
        org_ids=org_ids,
        token_hash=digest(raw),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    from shuzhi.web.labels import role_label

    link = _external("accounts.accept_invitation", slug=tenant.slug, token=raw)
    body = _(
        "您好：\n\n%(inviter)s 邀请您以“%(role)s”身份加入 %(tenant)s 的述职评议考核平台。\n"
        "请在 %(days)s 天内打开下面的链接接受邀请，链接只能使用一次：\n\n%(link)s\n\n"
        "如果您不认识邀请人，请忽略本邮件。",
        inviter=inviter.display_name,
        role=role_label(role),
        tenant=tenant.name,
        days=days,
        link=link,
    )
    mail.send_mail(db.session, address, _("邀请您加入 %(tenant)s", tenant=tenant.name), body)
    record(
        db.session,
        "invitation.sent",
        target_type="invitations",
        target_id=invitation.id,
        summary=_("邀请 %(email)s 担任%(role)s", email=address, role=role_label(role)),
    )
    return invitation, link


def tenant_by_slug(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
    if tenant is None:
        raise NotFound(_("邀请链接无效。"))
    return tenant


def invitation_by_token(raw: str, *, for_update: bool = False) -> Invitation:
    """The invitation of a link, in the current tenant scope; refuses used/expired/revoked ones."""
    stmt = select(Invitation).where(Invitation.token_hash == digest(raw or ""))
    if for_update:
        stmt = stmt.with_for_update()
    inv = db.session.scalar(stmt)
    if inv is None:
        raise NotFound(_("邀请链接无效。请向管理员确认链接是否完整。"))
    if inv.accepted_at is not None:
        raise LinkInvalid(_("该邀请已经被接受过，链接不能再次使用。如已有账号，请直接登录。"))
    if inv.revoked_at is not None:
        raise LinkInvalid(_("该邀请已被撤销或已由新的邀请取代。请使用最新的邀请邮件。"))
    if aware(inv.expires_at) <= utcnow():
        raise LinkInvalid(_("该邀请已过期。请联系管理员重新发送邀请。"))
    return inv


def invited_user(inv: Invitation) -> User | None:
    """The account this invitation's e-mail already belongs to, if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == inv.email))


def _claim(tenant: Tenant, inv: Invitation, user: User) -> None:
    inv.accepted_at = utcnow()
    inv.accepted_user_id = user.id
    # A suspended member invited again comes back with the invited role only.
    suspension = db.session.scalar(select(MemberSuspension).where(MemberSuspension.user_id == user.id))
    if suspension is not None:
        db.session.delete(suspension)
    tenancy.grant(db.session, tenant, user, inv.role, list(inv.org_ids or []))
    db.session.flush()
    record(
        db.session,
        "invitation.accepted",
        target_type="invitations",
        target_id=inv.id,
        summary=_("%(user)s 接受了邀请", user=user.username),
    )


def accept_as_new_user(
    tenant: Tenant, raw: str, *, username: str, display_name: str, password: str, confirm: str
) -> User:
    """Accept an invitation by creating the account (user name, name, password)."""
    inv = invitation_by_token(raw, for_update=True)
    if invited_user(inv) is not None:
        raise Conflict(_("该邮箱已有账号，请先登录该账号再接受邀请。"))
    name = username.strip()
    errors: dict[str, list[str]] = {}
    if not USERNAME_RE.match(name):
        errors["username"] = [_("用户名为 3–64 个字符，可用字母、数字和 . _ - @，以字母或数字开头。")]
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == name.lower())) is not None:
        errors["username"] = [_("该用户名已被使用，请换一个。")]
    shown = display_name.strip()
    if not shown or len(shown) > 100:
        errors["display_name"] = [_("请填写姓名（不超过 100 个字）。")]
    pw_errors = passwords.policy_errors(password, name)
    if confirm != password:
        pw_errors.append(_("两次输入的密码不一致。"))
    if pw_errors:
        errors["password"] = pw_errors
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    user = tenancy.upsert_user(db.session, username=name, display_name=shown, email=inv.email)
    set_password(user, password)
    _claim(tenant, inv, user)
    return user


def accept_as_existing_user(tenant: Tenant, raw: str, user: User) -> None:
    """Accept an invitation for the signed-in user whose e-mail it was sent to."""
    inv = invitation_by_token(raw, for_update=True)
    owner = invited_user(inv)
    if owner is None or owner.id != user.id:
        raise Forbidden(_("该邀请是发给 %(email)s 的，请用该邮箱对应的账号登录后再接受。", email=inv.email))
    _claim(tenant, inv, user)


def pending_invitations() -> list[Invitation]:
    now = utcnow()
    rows = db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    return [r for r in rows if aware(r.expires_at) > now]


def revoke_invitation(invitation_id: int) -> None:
    inv = db.session.get(Invitation, invitation_id)
    if inv is None or inv.accepted_at is not None or inv.revoked_at is not None:
        raise NotFound(_("找不到该邀请，可能已被接受或撤销。"))
    inv.revoked_at = utcnow()
    db.session.flush()


# --- members (tenant admin) ----------------------------------------------------------


@dataclass
class Member:
    user: User
    roles: dict[Role, list[int]] = field(default_factory=dict)
    suspended: bool = False
    last_sign_in: datetime | None = None
    live_sessions: int = 0
    has_password: bool = False


def members(tenant: Tenant) -> list[Member]:
    """The tenant's people: current members with roles and org scope, then suspended ones."""
    found: dict[int, Member] = {}
    for user, m in db.session.execute(
        select(User, Membership).join(Membership, Membership.user_id == User.id).order_by(User.display_name)
    ):
        found.setdefault(user.id, Member(user)).roles[m.role] = list(m.org_ids or [])
    for user, s in db.session.execute(
        select(User, MemberSuspension).join(MemberSuspension, MemberSuspension.user_id == User.id)
    ):
        member = found.setdefault(user.id, Member(user, suspended=True))
        member.suspended = True
        for item in s.memberships:
            member.roles.setdefault(Role(item["role"]), list(item.get("org_ids") or []))
    ids = list(found)
    if ids:
        for user_id, last in db.session.execute(
            select(UserSession.user_id, func.max(UserSession.created_at))
            .where(UserSession.user_id.in_(ids), UserSession.mfa_pending.is_(False))
            .group_by(UserSession.user_id)
        ):
            found[user_id].last_sign_in = aware(last)
        for row in db.session.scalars(
            select(UserSession).where(UserSession.user_id.in_(ids), UserSession.revoked_at.is_(None))
        ):
            if user_sessions.is_live(row):
                found[row.user_id].live_sessions += 1
        for user_id in db.session.scalars(
            select(LocalCredential.user_id).where(LocalCredential.user_id.in_(ids))
        ):
            found[user_id].has_password = True
    return sorted(found.values(), key=lambda m: (m.suspended, m.user.display_name, m.user.id))


def member(tenant: Tenant, user_id: int) -> Member:
    for m in members(tenant):
        if m.user.id == user_id:
            return m
    raise NotFound(_("找不到该成员。"))


def _admin_count(tenant: Tenant) -> int:
    return len(db.session.scalars(select(Membership.id).where(Membership.role == Role.TENANT_ADMIN)).all())


def set_member_roles(tenant: Tenant, admin: User, user_id: int, wanted: dict[Role, list[int]]) -> None:
    """Replace a member's roles and org scopes; applies at their next request."""
    target = member(tenant, user_id)
    if target.suspended:
        raise Conflict(_("该成员已停用，请先恢复后再修改角色。"))
    if not wanted:
        raise ValidationFailed(
            _("至少保留一个角色；如需让该成员离开本单位，请使用“停用”。"), errors={"roles": [_("请选择角色")]}
        )
    losing_admin = Role.TENANT_ADMIN in target.roles and Role.TENANT_ADMIN not in wanted
    if losing_admin and target.user.id == admin.id:
        raise Conflict(_("不能取消自己的管理员角色，请让另一位管理员操作。"))
    if losing_admin and _admin_count(tenant) <= 1:
        raise Conflict(_("本单位至少需要一名管理员。"))
    for role in set(target.roles) - set(wanted):
        tenancy.revoke(db.session, tenant, target.user, role)
    for role, org_ids in wanted.items():
        if target.roles.get(role) != org_ids or role not in target.roles:
            tenancy.grant(db.session, tenant, target.user, role, org_ids)


def suspend_member(tenant: Tenant, admin: User, user_id: int) -> None:
    """Disable a member here: their memberships are put aside (to restore) and end at once."""
    target = member(tenant, user_id)
    if target.suspended:
        return
    if target.user.id == admin.id:
        raise Conflict(_("不能停用自己。"))
    if Role.TENANT_ADMIN in target.roles and _admin_count(tenant) <= 1:
        raise Conflict(_("本单位至少需要一名管理员。"))
    saved = [{"role": role.value, "org_ids": org_ids} for role, org_ids in target.roles.items()]
    for role in target.roles:
        tenancy.revoke(db.session, tenant, target.user, role)
    db.session.add(MemberSuspension(user_id=target.user.id, memberships=saved, suspended_by_id=admin.id))
    db.session.flush()


def _restore_if_suspended(tenant: Tenant, user: User) -> bool:
    s = db.session.scalar(select(MemberSuspension).where(MemberSuspension.user_id == user.id))
    if s is None:
        return False
    for item in s.memberships:
        tenancy.grant(db.session, tenant, user, Role(item["role"]), list(item.get("org_ids") or []))
    db.session.delete(s)
    db.session.flush()
    return True


def restore_member(tenant: Tenant, user_id: int) -> None:
    target = member(tenant, user_id)
    if not _restore_if_suspended(tenant, target.user):
        raise Conflict(_("该成员没有被停用。"))


def revoke_member_sessions(tenant: Tenant, user_id: int) -> int:
    """A tenant admin signs a member out everywhere (every tenant: the session is the person's)."""
    target = member(tenant, user_id)
    ended = user_sessions.revoke_all(target.user.id, "revoked_by_admin")
    record(
        db.session,
        "sessions.revoked",
        target_type="users",
        target_id=target.user.id,
        summary=_(
            "管理员让 %(user)s 在所有设备上退出登录（%(n)s 个会话）", user=target.user.username, n=ended
        ),
    )
    return ended
