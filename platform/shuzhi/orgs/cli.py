"""``shuzhi orgs``: import, export and the template for a tenant's org data."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("orgs")
def orgs_cli() -> None:
    """组织数据：导入、导出、导入模板。"""


def _tenant_id(slug: str) -> int:
    from shuzhi.db import db
    from shuzhi.errors import NotFound
    from shuzhi.tenancy.scope import scoped
    from shuzhi.tenancy.service import get_tenant

    try:
        with scoped(db.session, platform=True):
            return get_tenant(db.session, slug).id
    except NotFound as exc:
        raise click.ClickException(_("找不到标识为 %(slug)s 的租户。", slug=slug)) from exc


@orgs_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "slug", required=True, help="租户标识（slug）。")
@click.option("--dry-run", is_flag=True, help="只检查，不写入。")
@with_appcontext
def import_cmd(file: Path, slug: str, dry_run: bool) -> None:
    """Import orgs, posts and reporting relations from an .xlsx or .csv FILE (all rows or none)."""
    from shuzhi.db import db
    from shuzhi.orgs import imports
    from shuzhi.tenancy.scope import scoped

    tenant_id = _tenant_id(slug)
    with file.open("rb") as fh:
        data = fh.read(imports.MAX_FILE_BYTES + 1)  # past the limit is refused anyway
    with scoped(db.session, tenant_id=tenant_id):
        try:
            result = imports.import_file(db.session, file.name, data)
        except imports.ImportRejected as exc:
            db.session.rollback()
            click.echo(exc.message, err=True)
            if len(exc.row_errors) > 1:
                for error in exc.errors:
                    click.echo("  " + error["text"], err=True)
            raise SystemExit(1) from exc
        if dry_run:
            db.session.rollback()
            click.echo(_("检查通过（未写入）：%(summary)s", summary=result.summary()))
            return
        db.session.commit()
    click.echo(_("已导入：%(summary)s", summary=result.summary()))


@orgs_cli.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def template_cmd(out: Path) -> None:
    """Write the empty import template (.xlsx) to OUT."""
    from shuzhi.orgs import imports

    out.write_bytes(imports.template_workbook().getvalue())
    click.echo(_("已写出导入模板：%(path)s", path=str(out)))


@orgs_cli.command("export")
@click.option("--tenant", "slug", required=True, help="租户标识（slug）。")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_cmd(slug: str, out: Path) -> None:
    """Write the tenant's orgs, posts and relations to OUT (.xlsx, the import format)."""
    from shuzhi.db import db
    from shuzhi.orgs import imports
    from shuzhi.tenancy.scope import scoped

    tenant_id = _tenant_id(slug)
    with scoped(db.session, tenant_id=tenant_id):
        rows = imports.export_rows(db.session)
        db.session.rollback()  # read only; end the transaction inside the scope
    out.write_bytes(imports.workbook_bytes(rows).getvalue())
    click.echo(
        _(
            "已导出组织 %(orgs)d 个、任职 %(posts)d 条、述职关系 %(rels)d 条：%(path)s",
            orgs=len(rows[imports.ORGS]),
            posts=len(rows[imports.POSTS]),
            rels=len(rows[imports.RELATIONS]),
            path=str(out),
        )
    )
