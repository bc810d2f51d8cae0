"""The accounts pages' forms (Flask-WTF: each carries its CSRF token).

Validators say what is wrong in the user's language; the password policy
and everything that needs the database is checked by the service.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from shuzhi.accounts.passwords import MAX_LENGTH
from shuzhi.tenancy.models import Role
from shuzhi.web.labels import ROLE_LABELS

_TOO_LONG = _l("内容太长。")


def _email() -> Regexp:
    # The same shape the service checks; no DNS look-ups (email_validator) on a form.
    return Regexp(r"^\s*[^@\s]{1,64}@[^@\s]+\.[^@\s]+\s*$", message=_l("邮箱地址格式不正确。"))


class LoginForm(FlaskForm):
    username = StringField(
        _l("用户名或邮箱"),
        validators=[DataRequired(_l("请输入用户名或邮箱。")), Length(max=254, message=_TOO_LONG)],
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=1024, message=_TOO_LONG)]
    )
    next = HiddenField()


class TotpForm(FlaskForm):
    code = StringField(
        _l("验证码或恢复码"),
        validators=[DataRequired(_l("请输入验证器应用中的 6 位验证码。")), Length(max=32, message=_TOO_LONG)],
    )
    next = HiddenField()


class ForgotForm(FlaskForm):
    email = EmailField(
        _l("邮箱"),
        validators=[
            DataRequired(_l("请输入注册时使用的邮箱。")),
            Length(max=254, message=_TOO_LONG),
            _email(),
        ],
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("新密码"),
            validators=[DataRequired(_l("请输入新密码。")), Length(max=MAX_LENGTH, message=_TOO_LONG)],
        ),
        PasswordField(
            _l("再次输入新密码"),
            validators=[
                DataRequired(_l("请再次输入新密码。")),
                EqualTo("password", _l("两次输入的密码不一致。")),
            ],
        ),
    )


class ResetForm(FlaskForm):
    password, confirm = _new_password_fields()


class AcceptNewForm(FlaskForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请设置用户名。")), Length(max=64, message=_TOO_LONG)]
    )
    display_name = StringField(
        _l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=100, message=_TOO_LONG)]
    )
    password, confirm = _new_password_fields()


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=100, message=_TOO_LONG)]
    )
    email = EmailField(
        _l("邮箱"),
        validators=[
            Optional(),
            Length(max=254, message=_TOO_LONG),
            _email(),
        ],
    )
    current = PasswordField(
        _l("当前密码（修改邮箱时需要）"), validators=[Length(max=1024, message=_TOO_LONG)]
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("当前密码"), validators=[DataRequired(_l("请输入当前密码。")), Length(max=1024, message=_TOO_LONG)]
    )
    password, confirm = _new_password_fields()


class TotpEnableForm(FlaskForm):
    code = StringField(
        _l("验证码"),
        validators=[
            DataRequired(_l("请输入验证器应用显示的 6 位验证码。")),
            Length(max=16, message=_TOO_LONG),
        ],
    )


class TotpDisableForm(FlaskForm):
    password = PasswordField(
        _l("当前密码"), validators=[DataRequired(_l("请输入当前密码。")), Length(max=1024, message=_TOO_LONG)]
    )


def role_choices() -> list[tuple[str, str]]:
    # The usual invitee first; the most powerful role last, never the default.
    order = (Role.SECRETARY, Role.REVIEWER, Role.OBSERVER, Role.TENANT_ADMIN)
    return [(role.value, str(ROLE_LABELS[role])) for role in order]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("邮箱"),
        validators=[
            DataRequired(_l("请输入被邀请人的邮箱。")),
            Length(max=254, message=_TOO_LONG),
            _email(),
        ],
    )
    role = SelectField(_l("角色"), choices=role_choices, default=Role.SECRETARY.value, validate_choice=False)
    orgs = StringField(
        _l("负责的组织（组织编码，多个用逗号分隔；可留空）"), validators=[Length(max=2000, message=_TOO_LONG)]
    )

    def validate_role(self, field: SelectField) -> None:  # a clear message instead of WTForms' English
        if field.data not in {r.value for r in Role}:
            raise ValidationError(str(_l("请选择角色。")))


class MemberRoleForm(FlaskForm):
    """One checkbox and one org field per role (filled in by the view)."""

    tenant_admin = BooleanField(ROLE_LABELS[Role.TENANT_ADMIN])
    tenant_admin_orgs = StringField(validators=[Length(max=2000, message=_TOO_LONG)])
    reviewer = BooleanField(ROLE_LABELS[Role.REVIEWER])
    reviewer_orgs = StringField(validators=[Length(max=2000, message=_TOO_LONG)])
    secretary = BooleanField(ROLE_LABELS[Role.SECRETARY])
    secretary_orgs = StringField(validators=[Length(max=2000, message=_TOO_LONG)])
    observer = BooleanField(ROLE_LABELS[Role.OBSERVER])
    observer_orgs = StringField(validators=[Length(max=2000, message=_TOO_LONG)])
