"""``shuzhi sso``: add, list and remove identity providers; link subjects to users.

The client secret is never an argument (it would land in shell history and
process lists): a provider names the environment variable that holds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from shuzhi.audit.service import Actor, set_actor
from shuzhi.auth import oidc
from shuzhi.db import db
from shuzhi.errors import ShuzhiError
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, Tenant, User
from shuzhi.tenancy.scope import scoped

ROLES = click.Choice([r.value for r in Role])


@contextmanager
def _writing() -> Iterator[None]:
    """Platform scope, the CLI as the audit actor, commit or roll back, errors as messages."""
    set_actor(db.session, Actor(None, "cli:sso"))
    try:
        with scoped(db.session, platform=True):
            yield
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    except Exception:
        db.session.rollback()
        raise


def _tenant(slug: str | None) -> Tenant | None:
    return tenancy.get_tenant(db.session, slug) if slug else None


def _role_map(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        idp_value, sep, role = pair.partition("=")
        if not sep or not idp_value:
            raise click.BadParameter(_("应为 IdP值=角色，例如 party-admin=tenant_admin：%(pair)s", pair=pair))
        out[idp_value] = role
    return out


@click.group("sso")
def sso() -> None:
    """统一身份认证（OIDC）：身份提供方与账号关联。"""


@sso.command("add")
@click.argument("name")
@click.option("--issuer", required=True, help="签发方 issuer（https://…，与 IdP 元数据中的 issuer 完全一致）")
@click.option("--client-id", required=True, help="在 IdP 注册的 client id")
@click.option("--label", default="", help="登录按钮上的文字")
@click.option("--tenant", "tenant_slug", default=None, help="所属租户（slug）；不填为全平台")
@click.option("--metadata-url", default="", help="元数据地址；默认 <issuer>/.well-known/openid-configuration")
@click.option(
    "--secret-env", default=None, help="存放 client secret 的环境变量；默认 SHUZHI_OIDC_<NAME>_SECRET"
)
@click.option("--scopes", default="openid profile email", show_default=True)
@click.option("--name-claim", default="name", show_default=True, help="作为姓名的声明")
@click.option(
    "--email-claim", default="email", show_default=True, help="作为邮箱的声明（只作资料，不作关联依据）"
)
@click.option("--roles-claim", default="", help="列出角色的声明（自动开通时使用）")
@click.option("--role-map", multiple=True, help="IdP值=角色，可重复；例如 party-admin=tenant_admin")
@click.option(
    "--auto-provision/--no-auto-provision", default=False, show_default=True, help="首次登录时自动开通账号"
)
@click.option("--default-role", type=ROLES, default=Role.OBSERVER.value, show_default=True)
@click.option("--replace", is_flag=True, help="已存在同名提供方时更新它")
@with_appcontext
def add_cmd(
    name: str,
    issuer: str,
    client_id: str,
    label: str,
    tenant_slug: str | None,
    metadata_url: str,
    secret_env: str | None,
    scopes: str,
    name_claim: str,
    email_claim: str,
    roles_claim: str,
    role_map: tuple[str, ...],
    auto_provision: bool,
    default_role: str,
    replace: bool,
) -> None:
    """添加（或用 --replace 更新）一个 OIDC 身份提供方。"""
    with _writing():
        provider = oidc.save_provider(
            db.session,
            name=name,
            issuer=issuer,
            client_id=client_id,
            label=label,
            tenant=_tenant(tenant_slug),
            metadata_url=metadata_url,
            secret_env=secret_env,
            scopes=scopes,
            name_claim=name_claim,
            email_claim=email_claim,
            roles_claim=roles_claim,
            role_map=_role_map(role_map),
            auto_provision=auto_provision,
            default_role=Role(default_role),
            replace=replace,
        )
    click.echo(_("已保存 %(name)s：%(issuer)s", name=provider.name, issuer=provider.issuer))
    click.echo(
        _("回调地址（redirect URI）：https://<本平台域名>/auth/sso/%(name)s/callback", name=provider.name)
    )
    if oidc.secret_missing(provider):
        click.echo(
            _(
                "注意：环境变量 %(env)s 未设置，登录前请在 web 进程的环境中设置 client secret。",
                env=provider.secret_env,
            )
        )


@sso.command("list")
@with_appcontext
def list_cmd() -> None:
    """列出身份提供方。"""
    providers = oidc.list_providers(db.session)
    if not providers:
        click.echo(_("还没有配置统一身份认证方式。"))
        return
    slugs = {tid: slug for tid, slug in db.session.execute(select(Tenant.id, Tenant.slug))}
    for p in providers:
        state = _("未设置") if oidc.secret_missing(p) else _("已设置")
        auto = _("自动开通：%(role)s", role=p.default_role.value) if p.auto_provision else _("不自动开通")
        tenant = slugs.get(p.tenant_id, "") if p.tenant_id else _("全平台")
        cells = [
            p.name,
            p.label,
            _("租户 %(tenant)s", tenant=tenant),
            p.issuer,
            f"client {p.client_id}",
            _("密钥 %(env)s（%(state)s）", env=p.secret_env, state=state),
            auto,
            _("已关联 %(n)s", n=oidc.identity_count(db.session, p)),
            _("启用") if p.active else _("停用"),
        ]
        click.echo("\t".join(cells))


@sso.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="不再确认")
@with_appcontext
def remove_cmd(name: str, yes: bool) -> None:
    """删除身份提供方及其全部账号关联。"""
    with _writing():
        provider = oidc.get_provider(db.session, name)
        count = oidc.identity_count(db.session, provider)
        if not yes and count:
            click.confirm(
                _("%(name)s 关联着 %(n)s 个账号，删除后这些关联一并删除。继续？", name=name, n=count),
                abort=True,
            )
        links = oidc.remove_provider(db.session, provider)
    click.echo(_("已删除 %(name)s（解除 %(n)s 个关联）", name=name, n=links))


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(_("找不到用户 %(username)s", username=username))
    return user


@sso.command("link")
@click.argument("name")
@click.argument("subject")
@click.argument("username")
@with_appcontext
def link_cmd(name: str, subject: str, username: str) -> None:
    """把 IdP 的用户标识 SUBJECT 关联到本平台用户 USERNAME。"""
    with _writing():
        provider = oidc.get_provider(db.session, name)
        oidc.link_identity(db.session, provider, subject, _user(username))
    click.echo(_("已关联 %(name)s:%(subject)s → %(username)s", name=name, subject=subject, username=username))


@sso.command("unlink")
@click.argument("name")
@click.argument("subject")
@with_appcontext
def unlink_cmd(name: str, subject: str) -> None:
    """解除 SUBJECT 的关联。"""
    with _writing():
        oidc.unlink_identity(db.session, oidc.get_provider(db.session, name), subject)
    click.echo(_("已解除 %(name)s:%(subject)s", name=name, subject=subject))


@sso.command("links")
@click.argument("name")
@with_appcontext
def links_cmd(name: str) -> None:
    """列出 NAME 的账号关联（subject → 用户）。"""
    provider = oidc.get_provider(db.session, name)
    for identity, user in oidc.identities(db.session, provider):
        last = (
            identity.last_login_at.isoformat(timespec="seconds") if identity.last_login_at else _("从未登录")
        )
        click.echo(f"{identity.subject}\t{user.username}\t{user.display_name}\t{last}")
