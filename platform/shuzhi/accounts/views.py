"""Portal pages of local accounts.

* ``accounts``: the second sign-in step (TOTP), forgot/reset password,
  accepting an invitation, and "my account" (profile, password, TOTP, sessions);
* ``members`` (``/t/<tenant>/members``): a tenant admin's members, roles and
  org scope, invitations, disabling, signing a member out everywhere.

Views read the form, call :mod:`shuzhi.accounts.service` and commit; a
service error is shown on the same form with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from shuzhi.accounts import service, sessions, totp
from shuzhi.accounts.crypto import aware
from shuzhi.accounts.events import client_ip, record_for_user
from shuzhi.accounts.forms import (
    AcceptNewForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotForm,
    InviteForm,
    MemberRoleForm,
    ProfileForm,
    ResetForm,
    TotpDisableForm,
    TotpEnableForm,
    TotpForm,
)
from shuzhi.accounts.signin import may_use_totp
from shuzhi.audit.service import Actor, set_actor
from shuzhi.auth import Unauthenticated, login_user, logout_user
from shuzhi.auth.permissions import Perm, require
from shuzhi.db import db
from shuzhi.errors import ShuzhiError
from shuzhi.orgs import service as orgs
from shuzhi.security import rate_limit
from shuzhi.tenancy.models import Role, User
from shuzhi.tenancy.scope import scoped
from shuzhi.web import nav
from shuzhi.web.errors import safe_next
from shuzhi.web.views import landing, tenant_home

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("accounts", __name__, template_folder="templates")
members_bp = Blueprint("members", __name__, url_prefix="/t/<tenant>", template_folder="templates")

nav.register(nav.NavItem("members.index", _l("成员"), (Role.TENANT_ADMIN,), 95, ("members.edit",)))


def _cfg() -> Any:
    return current_app.config["SHUZHI"]


#: China has one time zone and no daylight saving.
CHINA = timezone(timedelta(hours=8))
_BROWSERS = (
    ("MicroMessenger", "微信"),
    ("DingTalk", "钉钉"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None) -> str:
    return aware(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.app_template_filter("ua_label")
def ua_label(agent: str) -> str:
    """ "Chrome · Windows" from a User-Agent string (enough to recognise one's own devices)."""
    browser = next((name for key, name in _BROWSERS if key in agent), _("未知浏览器"))
    system = next((name for key, name in _SYSTEMS if key in agent), "")
    return f"{browser} · {system}" if system else browser


@bp.app_template_filter("method_label")
def method_label(method: str) -> str:
    if method.startswith("oidc:"):
        return _("统一身份认证")
    return {
        "password": _("密码"),
        "password+totp": _("密码和验证码"),
        "demo": _("演示登录"),
    }.get(method, method)


def signed_in(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            raise Unauthenticated(_("请先登录。"))
        return fn(*args, **kwargs)

    return cast(F, wrapper)


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("请检查填写的内容。")


def _fail(exc: ShuzhiError) -> tuple[str, list[str], int]:
    """A service error as (message, all messages, status), after the request's writes are undone."""
    db.session.rollback()
    messages = [
        str(m) for errs in (exc.errors or {}).values() for m in (errs if isinstance(errs, list) else [errs])
    ]
    return exc.message, messages, exc.status


# --- second sign-in step ------------------------------------------------------------


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp() -> Any:
    form = TotpForm()
    nxt = safe_next(request.values.get("next"))
    user_id = sessions.pending_user_id()
    if user_id is None:
        message = _("登录已超时或尚未输入密码，请重新登录。")
        return render_template(
            "accounts/totp_login.html", form=form, next=nxt, expired=True, error=message
        ), 400
    if request.method == "GET":
        return render_template("accounts/totp_login.html", form=form, next=nxt)
    rate_limit("login", _cfg().LOGIN_RATE_LIMIT)
    if not form.validate():
        return render_template("accounts/totp_login.html", form=form, next=nxt, error=_first_error(form)), 400
    try:
        service.check_not_locked(user_id)
    except service.AccountLocked as exc:
        return render_template("accounts/totp_login.html", form=form, next=nxt, error=exc.message), exc.status
    user = db.session.get(User, user_id)
    if user is None or not user.active or not totp.verify(user_id, form.code.data or ""):
        db.session.rollback()
        service.register_failure(user_id, "totp")
        error = _("验证码不正确，请输入验证器应用中当前显示的 6 位数字，或一个未用过的恢复码。")
        try:
            service.check_not_locked(user_id)
        except service.AccountLocked as exc:
            error = exc.message
        form.code.data = ""
        return render_template("accounts/totp_login.html", form=form, next=nxt, error=error), 401
    login_user(user, method="password+totp")
    return redirect(nxt or landing(user))


# --- forgot / reset password --------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotForm()
    if request.method == "GET":
        return render_template("accounts/forgot.html", form=form)
    rate = _cfg().MAIL_RATE_LIMIT
    rate_limit("reset-ip", rate)
    if not form.validate():
        return render_template("accounts/forgot.html", form=form, error=_first_error(form)), 400
    address = service.normalize_email(form.email.data or "")
    rate_limit("reset-mail", rate, key=address)
    service.request_password_reset(address)
    db.session.commit()
    # The same page whether or not the address has an account.
    return render_template("accounts/forgot.html", form=form, sent=address)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    form = ResetForm()
    service.reset_link(token)  # unknown, used or expired: the error page says which
    if request.method == "GET":
        return render_template("accounts/reset.html", form=form)
    if not form.validate():
        return render_template("accounts/reset.html", form=form, error=_first_error(form)), 400
    try:
        service.reset_password(token, form.password.data or "", form.confirm.data or "")
    except ShuzhiError as exc:
        message, messages, status = _fail(exc)
        if status in (404, 410):
            raise
        return render_template("accounts/reset.html", form=form, error=message, errors=messages), status
    db.session.commit()
    logout_user()  # whoever was signed in here, the new password starts fresh
    return render_template("accounts/reset_done.html")


# --- invitations ----------------------------------------------------------------------


@bp.route("/invite/<slug>/<token>", methods=["GET", "POST"])
def accept_invitation(slug: str, token: str) -> Any:
    tenant = service.tenant_by_slug(slug)
    user = g.get("user")
    with scoped(db.session, tenant_id=tenant.id, user_id=user.id if user else None):
        inv = service.invitation_by_token(token)
        owner = service.invited_user(inv)
        ctx: dict[str, Any] = {
            "tenant": tenant,
            "invitation": inv,
            "owner": owner,
            "org_labels": service.org_labels(list(inv.org_ids or [])),
            "here": url_for("accounts.accept_invitation", slug=slug, token=token),
        }
        if owner is not None:
            return _accept_existing(tenant, token, owner, ctx)
        if user is not None:
            return render_template("accounts/invite.html", mode="sign_out_first", **ctx)
        form = AcceptNewForm()
        if request.method == "GET":
            return render_template("accounts/invite.html", mode="new", form=form, **ctx)
        if not form.validate():
            return render_template(
                "accounts/invite.html", mode="new", form=form, error=_first_error(form), **ctx
            ), 400
        set_actor(db.session, Actor(None, f"invitee:{inv.email}"[:150], client_ip()))
        try:
            new_user = service.accept_as_new_user(
                tenant,
                token,
                username=form.username.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                confirm=form.confirm.data or "",
            )
        except ShuzhiError as exc:
            message, messages, status = _fail(exc)
            if status in (404, 410):
                raise
            ctx["org_labels"] = service.org_labels(list(inv.org_ids or []))
            page = render_template(
                "accounts/invite.html", mode="new", form=form, error=message, errors=messages, **ctx
            )
            return page, status
        roles = {inv.role}
        db.session.commit()
    login_user(new_user, method="password")
    return redirect(tenant_home(tenant, roles))


def _accept_existing(tenant: Any, token: str, owner: User, ctx: dict[str, Any]) -> Any:
    user = g.get("user")
    if user is None:
        return render_template("accounts/invite.html", mode="sign_in_first", **ctx)
    if user.id != owner.id:
        return render_template("accounts/invite.html", mode="wrong_user", **ctx)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("accounts/invite.html", mode="existing", form=form, **ctx)
    role = ctx["invitation"].role
    service.accept_as_existing_user(tenant, token, user)
    db.session.commit()
    return redirect(tenant_home(tenant, {role}))


# --- my account -----------------------------------------------------------------------


def _account_page(status: int = 200, **forms: Any) -> Any:
    user: User = g.user
    profile = forms.pop("profile", None) or ProfileForm(
        formdata=None, display_name=user.display_name, email=user.email or ""
    )
    return (
        render_template(
            "accounts/account.html",
            profile=profile,
            password_form=forms.pop("password_form", None) or ChangePasswordForm(formdata=None),
            totp_disable=TotpDisableForm(formdata=None),
            confirm=ConfirmForm(formdata=None),
            has_password=service.has_password(user.id),
            totp_on=totp.enabled(user.id),
            totp_offered=may_use_totp(user),
            recovery_left=totp.remaining_recovery_codes(user.id),
            live=sessions.live_sessions(user.id),
            **forms,
        ),
        status,
    )


@bp.get("/account")
@signed_in
def account() -> Any:
    return _account_page()


@bp.post("/account/profile")
@signed_in
def account_profile() -> Any:
    form = ProfileForm()
    if not form.validate():
        return _account_page(400, profile=form, profile_error=_first_error(form))
    try:
        service.update_profile(
            g.user, form.display_name.data or "", form.email.data or "", form.current.data or ""
        )
    except ShuzhiError as exc:
        message, _messages, status = _fail(exc)
        return _account_page(status, profile=form, profile_error=message)
    db.session.commit()
    flash(_("个人信息已保存。"), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/password")
@signed_in
def account_password() -> Any:
    form = ChangePasswordForm()
    if not form.validate():
        return _account_page(400, password_form=form, password_error=_first_error(form))
    try:
        ended = service.change_password(
            g.user, form.current.data or "", form.password.data or "", form.confirm.data or ""
        )
    except ShuzhiError as exc:
        message, messages, status = _fail(exc)
        return _account_page(status, password_form=form, password_error=message, password_errors=messages)
    db.session.commit()
    flash(_("密码已修改；其他 %(n)s 个设备上的登录已退出。", n=ended), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/totp", methods=["GET", "POST"])
@signed_in
def account_totp() -> Any:
    user: User = g.user
    if not may_use_totp(user):
        raise ShuzhiError(_("两步验证目前只对单位管理员开放。"), status=403)
    if totp.enabled(user.id):
        return redirect(url_for("accounts.account"))
    form = TotpEnableForm()
    device = totp.start_enrolment(user)
    db.session.commit()
    uri = totp.provisioning_uri(user, device)
    ctx = {"form": form, "qr": totp.qr_data_uri(uri), "secret": device.secret}
    if request.method == "GET":
        return render_template("accounts/totp_enrol.html", **ctx)
    if not form.validate():
        return render_template("accounts/totp_enrol.html", error=_first_error(form), **ctx), 400
    codes = totp.confirm(user, form.code.data or "")
    if codes is None:
        form.code.data = ""
        error = _("验证码不正确。请确认手机时间准确，并输入验证器应用中当前显示的 6 位数字。")
        return render_template("accounts/totp_enrol.html", error=error, **ctx), 400
    record_for_user(user.id, "account.totp_enabled", actor=Actor(user.id, user.username, client_ip()))
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.post("/account/totp/disable")
@signed_in
def account_totp_disable() -> Any:
    user: User = g.user
    form = TotpDisableForm()
    cred = service.credential(user.id)
    from shuzhi.accounts.passwords import verify_password

    if (
        not form.validate()
        or cred is None
        or not verify_password(cred.password_hash, form.password.data or "")
    ):
        return _account_page(400, totp_error=_("当前密码不正确，两步验证没有关闭。"))
    totp.disable(user.id)
    record_for_user(user.id, "account.totp_disabled", actor=Actor(user.id, user.username, client_ip()))
    db.session.commit()
    flash(_("两步验证已关闭。"), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/sessions/<int:session_id>/revoke")
@signed_in
def account_session_revoke(session_id: int) -> Any:
    ConfirmForm()  # CSRF is checked for every POST; the form has nothing else
    service.sign_out_session(g.user, session_id)
    db.session.commit()
    flash(_("已让该设备退出登录。"), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/sessions/revoke-all")
@signed_in
def account_sessions_revoke_all() -> Any:
    service.sign_out_everywhere(g.user)
    db.session.commit()
    logout_user()
    return redirect(url_for("web.login"))


# --- members (tenant admin) -------------------------------------------------------------


def _members_page(status: int = 200, invite: InviteForm | None = None, **extra: Any) -> Any:
    tenant = g.tenant
    people = service.members(tenant)
    scope_ids = {i for m in people for ids in m.roles.values() for i in ids}
    labels = {i: f"{o.name}" for i, o in orgs.orgs_by_id(db.session, scope_ids).items()}
    return (
        render_template(
            "accounts/members.html",
            members=people,
            org_names=labels,
            invitations=service.pending_invitations(),
            invite=invite or InviteForm(formdata=None),
            confirm=ConfirmForm(formdata=None),
            demo=_cfg().DEMO,
            **extra,
        ),
        status,
    )


@members_bp.get("/members")
@require(Perm.MEMBERS_MANAGE)
def index(tenant: str) -> Any:
    return _members_page()


@members_bp.post("/members/invite")
@require(Perm.MEMBERS_MANAGE)
def invite(tenant: str) -> Any:
    form = InviteForm()
    if not form.validate():
        return _members_page(400, invite=form, invite_error=_first_error(form))
    try:
        org_ids = service.parse_org_codes(form.orgs.data or "")
        inv, link = service.create_invitation(
            g.tenant, g.user, form.email.data or "", Role(form.role.data), org_ids
        )
    except ShuzhiError as exc:
        message, _messages, status = _fail(exc)
        return _members_page(status, invite=form, invite_error=message)
    db.session.commit()
    if _cfg().SMTP_URL:
        flash(
            _(
                "邀请邮件已发送至 %(email)s，链接 %(days)s 天内有效。",
                email=inv.email,
                days=_cfg().INVITATION_DAYS,
            ),
            "success",
        )
    else:
        flash(
            _("未配置邮件服务器，邀请邮件已保存到发件箱（未发出）。邀请链接：%(link)s", link=link),
            "warning",
        )
    return redirect(url_for("members.index"))


@members_bp.post("/members/invitations/<int:invitation_id>/revoke")
@require(Perm.MEMBERS_MANAGE)
def revoke_invitation(tenant: str, invitation_id: int) -> Any:
    ConfirmForm()
    service.revoke_invitation(invitation_id)
    db.session.commit()
    flash(_("邀请已撤销，链接已失效。"), "success")
    return redirect(url_for("members.index"))


def _role_form_values(member: service.Member) -> dict[str, Any]:
    found = orgs.orgs_by_id(db.session, {i for ids in member.roles.values() for i in ids})
    values: dict[str, Any] = {}
    for role in Role:
        values[role.value] = role in member.roles
        values[f"{role.value}_orgs"] = "，".join(
            found[i].code for i in member.roles.get(role, []) if i in found
        )
    return values


@members_bp.route("/members/<int:user_id>", methods=["GET", "POST"])
@require(Perm.MEMBERS_MANAGE)
def edit(tenant: str, user_id: int) -> Any:
    member = service.member(g.tenant, user_id)
    form = (
        MemberRoleForm()
        if request.method == "POST"
        else MemberRoleForm(formdata=None, **_role_form_values(member))
    )
    ctx = {"member": member, "form": form, "confirm": ConfirmForm(formdata=None), "roles": list(Role)}
    if request.method == "GET":
        return render_template("accounts/member_edit.html", **ctx)
    if not form.validate():
        return render_template("accounts/member_edit.html", error=_first_error(form), **ctx), 400
    try:
        wanted = {
            role: service.parse_org_codes(getattr(form, f"{role.value}_orgs").data or "")
            for role in Role
            if getattr(form, role.value).data
        }
        service.set_member_roles(g.tenant, g.user, user_id, wanted)
    except ShuzhiError as exc:
        message, _messages, status = _fail(exc)
        return render_template("accounts/member_edit.html", error=message, **ctx), status
    db.session.commit()
    flash(_("%(name)s 的角色已更新，下一次操作时生效。", name=member.user.display_name), "success")
    return redirect(url_for("members.index"))


def _member_action(user_id: int, action: Callable[[], Any], done: str) -> Response:
    ConfirmForm()
    # Someone who is not (and was not) a member of this tenant is a 404, as
    # everywhere else, not a flashed message that would confirm the id exists.
    service.member(g.tenant, user_id)
    try:
        action()
    except ShuzhiError as exc:
        message, _messages, _status = _fail(exc)
        flash(message, "danger")
        return redirect(url_for("members.index"))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("members.index"))


@members_bp.post("/members/<int:user_id>/suspend")
@require(Perm.MEMBERS_MANAGE)
def suspend(tenant: str, user_id: int) -> Response:
    return _member_action(
        user_id,
        lambda: service.suspend_member(g.tenant, g.user, user_id),
        _("该成员已停用，不能再进入本单位。"),
    )


@members_bp.post("/members/<int:user_id>/restore")
@require(Perm.MEMBERS_MANAGE)
def restore(tenant: str, user_id: int) -> Response:
    return _member_action(
        user_id, lambda: service.restore_member(g.tenant, user_id), _("该成员已恢复原有角色。")
    )


@members_bp.post("/members/<int:user_id>/sessions/revoke")
@require(Perm.MEMBERS_MANAGE)
def revoke_sessions(tenant: str, user_id: int) -> Response:
    return _member_action(
        user_id,
        lambda: service.revoke_member_sessions(g.tenant, user_id),
        _("已让该成员在所有设备上退出登录。"),
    )
