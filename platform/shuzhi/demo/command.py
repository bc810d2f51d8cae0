"""``shuzhi demo``: migrate, create the demo data, print the logins, serve the portal."""

from __future__ import annotations

import os
import unicodedata
from typing import TYPE_CHECKING

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from shuzhi.demo.builder import DemoSummary
    from shuzhi.demo.sso import DemoSso

ROLE_NAMES = {
    "platform_admin": "平台管理员",
    "tenant_admin": "管理员",
    "reviewer": "审核人",
    "secretary": "述职书记",
    "observer": "观察员",
}
HOST = "127.0.0.1"  # the demo signs in without passwords: never listen beyond this machine


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(1, width - _width(text))


def format_summary(summary: DemoSummary, database: str, passwords: dict[str, str] | None = None) -> str:
    lines = [f"Shuzhi 演示数据 demo data ready · 数据库 database: {database}", ""]
    for t in summary.tenants:
        c = t.counts
        lines += [
            f"■ {t.name}  租户 tenant: {t.slug} · 方案 policy: {t.policy}"
            f"《{t.policy_title}》 · 年度 {t.year}",
            f"  组织 orgs {c['orgs']} · 人员 people {c['people']} · 任职 posts {c['posts']}"
            f" · 述职关系 relations {c['relations']}",
        ]
        if t.campaign:
            day = t.demo_day.isoformat() if t.demo_day else ""
            lines.append(f"  述职评议 campaign：{t.campaign} · 演示日期 demo day {day}")
        for login in t.logins:
            role = f"{ROLE_NAMES.get(login.role, login.role)} {login.role}"
            line = f"  {_pad(login.username, 20)}{_pad(role, 24)}{_pad(login.name, 8)}{login.label}"
            if login.scope:
                line += f"；范围 scope：{login.scope}"
            if passwords and login.username in passwords:
                line += f"\n    密码 password: {passwords[login.username]}"
            lines.append(line)
        lines.append("")
    admin = summary.platform_admin
    lines.append(
        f"平台管理员 platform admin: {admin.username}（{admin.name}），可查看全部租户 sees every tenant"
    )
    if passwords and admin.username in passwords:
        lines.append(f"    密码 password: {passwords[admin.username]}")
    for slug in summary.skipped:
        lines.append(f"跳过 skipped {slug}: 插件未加载 plugin not loaded (SHUZHI_BLOCK_PLUGINS?)")
    return "\n".join(lines)


def _database(app: Flask) -> str:
    return make_url(app.config["SHUZHI"].DATABASE_URL).render_as_string(hide_password=True)


@click.command("demo")
@click.option(
    "--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port on 127.0.0.1."
)
@click.option("--no-serve", is_flag=True, help="Only create the demo data; do not start the portal.")
@pass_script_info
def demo_command(info: ScriptInfo, port: int, no_serve: bool) -> None:
    """演示：五个辖区的租户、组织树、述职关系和登录用户，然后启动门户。

    Runs on the configured database (embedded SQLite in the instance folder by
    default; no PostgreSQL or Redis needed). Safe to run again: nothing is
    duplicated.
    """
    from werkzeug.serving import run_simple

    from shuzhi import migrate
    from shuzhi.db import db
    from shuzhi.demo.builder import build_demo

    os.environ["SHUZHI_DEMO"] = "1"  # before the app is built, for anything reading it at startup
    app = info.load_app()
    cfg = app.config["SHUZHI"]
    cfg.DEMO = True
    from shuzhi.demo.campaigns import DEMO_DAYS

    # The demo's clock: each tenant is seen on a day of its plan's year (cycles.calendar).
    app.config["SHUZHI_DEMO_DAYS"] = dict(DEMO_DAYS)
    migrate.upgrade(cfg.ADMIN_DATABASE_URL)
    from shuzhi.demo.passwords import set_demo_passwords
    from shuzhi.demo.sso import TENANT as SSO_TENANT

    with app.app_context():
        summary = build_demo(db.session, campaigns=True)
        # Every tenant but the single sign-on one signs in with local passwords.
        passwords = set_demo_passwords(db.session, cfg.SECRET_KEY, summary, skip_tenants={SSO_TENANT})
        db.session.remove()
    click.echo(format_summary(summary, _database(app), passwords))
    url = f"http://{HOST}:{port}"
    click.echo("")
    click.echo(
        f"登录 sign in: 打开 open {url}/login ，用上面的用户名和密码登录 with a user name and password above，"
        "或在演示模式下直接选择一个用户 or pick a user (demo only)"
    )
    click.echo(
        f"邮件 mail: 未配置 SMTP，邀请和重设密码邮件不发出，保存在 kept, not sent, in {app.instance_path}/outbox/"
    )
    if no_serve:
        return
    sso = _start_sso(app, url, summary)
    click.echo(f"门户 portal: {url}/   按 Ctrl+C 停止 (Ctrl+C to stop)")
    try:
        run_simple(HOST, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        if sso is not None:
            sso.stop()


def _start_sso(app: Flask, url: str, summary: DemoSummary) -> DemoSso | None:
    """The local OpenID provider for 永州's single sign-on (only here, only in the demo)."""
    from shuzhi.db import db
    from shuzhi.demo import sso

    if sso.TENANT not in {t.slug for t in summary.tenants}:
        return None  # its plugin is blocked: no tenant to sign in to
    if not sso.available():
        click.echo("统一身份认证演示未启动 SSO demo off: pip install 'shuzhi[demo]' (oidc-provider-mock)")
        return None
    with app.app_context():
        started = sso.start(db.session)
        db.session.remove()
    click.echo("")
    click.echo(sso.format_sso(started, url))
    click.echo("")
    return started
