"""``shuzhi draw verify``: re-run a published draw (YZ-02) from its record file or the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("draw")
def draw_cli() -> None:
    """现场述职人选：核验公开抽选结果。"""


def _load_from_db(slug: str, draw_id: int) -> dict[str, Any]:
    from flask import current_app

    from shuzhi.db import db
    from shuzhi.errors import NotFound
    from shuzhi.meetings import service
    from shuzhi.tenancy.scope import scoped
    from shuzhi.tenancy.service import get_tenant

    with current_app.app_context():
        try:
            with scoped(db.session, platform=True):
                tenant_id = get_tenant(db.session, slug).id
            with scoped(db.session, tenant_id=tenant_id):
                return service.public_record(service.get_draw(db.session, draw_id))
        except NotFound as exc:
            raise click.ClickException(exc.message) from exc


@draw_cli.command("verify")
@click.argument("record", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "slug", default=None, help="租户标识（从数据库读取记录时）。")
@click.option("--id", "draw_id", type=int, default=None, help="抽选记录编号（从数据库读取时）。")
@with_appcontext
def verify_cmd(record: Path | None, slug: str | None, draw_id: int | None) -> None:
    """Re-run a published draw: RECORD is the JSON downloaded from the draw page or the API
    (``GET …/draws/<id>``), or give --tenant and --id to read it from the database.
    Exits 0 when the seed matches the commitment, the candidates their digest and the result a fresh run."""
    from shuzhi.meetings import algorithm

    if record is not None:
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.ClickException(_("无法读取抽选记录：%(e)s", e=str(exc))) from exc
    elif slug and draw_id:
        data = _load_from_db(slug, draw_id)
    else:
        raise click.UsageError(_("请给出抽选记录文件，或同时给出 --tenant 和 --id。"))
    if data.get("method") != "draw":
        raise click.ClickException(_("该记录不是公开随机抽选，无需核验算法。"))
    verdict = algorithm.verify(data)
    names = {
        "algorithm": _("算法"),
        "seed": _("种子"),
        "commitment": _("种子与事先公布的承诺值一致"),
        "candidates": _("候选名单与承诺时的摘要一致"),
        "result": _("重新抽选的结果与公布结果一致"),
    }
    for what, ok, detail in verdict.checks:
        click.echo(f"{'✓' if ok else '✗'} {names.get(what, what)}: {detail}")
    if not verdict.ok:
        click.echo(_("核验未通过。"), err=True)
        raise SystemExit(1)
    click.echo(
        _("核验通过：抽中 %(n)s 个单位，顺序为 %(r)s。", n=len(data["result"]), r="、".join(data["result"]))
    )
