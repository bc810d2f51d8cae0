"""The ``shuzhi`` command: Flask's commands plus db, plugins, orgs and demo."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def _create_app() -> Flask:
    from shuzhi import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Shuzhi 述职评议考核平台."""


@main.group()
def db() -> None:
    """Database migrations (Alembic, in migrations/)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head), as the owner (SHUZHI_ADMIN_DATABASE_URL)."""
    from shuzhi import migrate

    migrate.upgrade(revision=revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from shuzhi import migrate

    migrate.downgrade(revision=revision)


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a new migration from the models."""
    from alembic import command

    from shuzhi import migrate

    command.revision(migrate.alembic_config(), message=message, autogenerate=True)


@main.command("plugins")
@with_appcontext
def plugins_cmd() -> None:
    """List loaded plugins with their versions and policies."""
    from shuzhi.plugins import hooks

    for info in hooks.plugins():
        policies = ", ".join(info.policies) or "-"
        click.echo(f"{info.name:<12} {info.distribution:<16} {info.version:<10} {policies}")
    if hooks.blocked:
        click.echo("blocked: " + ", ".join(sorted(hooks.blocked)))


# --- demo (platform/shuzhi/demo/) ---------------------------------------------
from shuzhi.demo.command import demo_command  # noqa: E402

main.add_command(demo_command)

# --- orgs: import, export, template (platform/shuzhi/orgs/cli.py) -------------
from shuzhi.orgs.cli import orgs_cli  # noqa: E402

main.add_command(orgs_cli)

# --- audit: verify the hash chains (platform/shuzhi/audit/cli.py) -------------
from shuzhi.audit.cli import audit  # noqa: E402

main.add_command(audit)

# --- policy: list, show, lint (platform/shuzhi/policy/cli.py) -----------------
from shuzhi.policy.cli import policy_cli  # noqa: E402

main.add_command(policy_cli)

# --- reports: count, check (platform/shuzhi/reports/cli.py) -------------------
from shuzhi.reports.cli import check_cmd, count_cmd  # noqa: E402

main.add_command(count_cmd)
main.add_command(check_cmd)

# --- new-plugin: scaffold a jurisdiction plugin (platform/shuzhi/scaffold/) ----
from shuzhi.scaffold.cli import new_plugin  # noqa: E402

main.add_command(new_plugin)

# --- sso: identity providers and linked subjects (platform/shuzhi/auth/oidc_cli.py)
from shuzhi.auth.oidc_cli import sso  # noqa: E402

main.add_command(sso)

# --- campaign: open a year's cycle, show its progress (platform/shuzhi/cycles/cli.py)
from shuzhi.cycles.cli import campaign_cli  # noqa: E402

main.add_command(campaign_cli)


# --- draw: re-run a published on-site draw (platform/shuzhi/meetings/cli.py) ---
from shuzhi.meetings.cli import draw_cli  # noqa: E402

main.add_command(draw_cli)
