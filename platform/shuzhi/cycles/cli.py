"""``shuzhi campaign``: open a year's campaign, show its progress."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("campaign")
def campaign_cli() -> None:
    """述职评议：开启年度工作、查看进度。"""


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


def _fail(exc: Any) -> None:
    from shuzhi.db import db

    db.session.rollback()
    click.echo(exc.message, err=True)
    for field, problems in (exc.errors or {}).items():
        click.echo(f"  {field}: {'；'.join(str(p) for p in problems)}", err=True)
    raise SystemExit(1)


@campaign_cli.command("open")
@click.option("--tenant", "slug", required=True, help="租户标识（slug）。")
@click.option("--year", type=int, required=True, help="述职年度。")
@click.option(
    "--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="述职期间开始（默认 1 月 1 日）。"
)
@click.option(
    "--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="述职期间结束（默认 12 月 31 日）。"
)
@click.option("--receiver", default=None, help="接受述职的顶层组织编码（有多个顶层组织时必填）。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True)
@with_appcontext
def open_cmd(slug: str, year: int, start: Any, end: Any, receiver: str | None, today: Any) -> None:
    """Open the tenant's campaign for YEAR under its adopted policy (reviews and reporters in bulk)."""
    from shuzhi.audit.service import Actor, set_actor
    from shuzhi.cycles import access, service
    from shuzhi.db import db
    from shuzhi.errors import ShuzhiError
    from shuzhi.orgs import service as orgs
    from shuzhi.tenancy.scope import scoped

    tenant_id = _tenant_id(slug)
    set_actor(db.session, Actor(None, "cli"))
    with scoped(db.session, tenant_id=tenant_id):
        try:
            receiver_id = None
            if receiver:
                org = orgs.org_by_code(db.session, receiver)
                if org is None:
                    raise click.ClickException(_("找不到编码为 %(code)s 的组织。", code=receiver))
                receiver_id = org.id
            campaign = service.open_campaign(
                db.session,
                access.operator("cli"),
                year=year,
                period_start=start.date() if start else None,
                period_end=end.date() if end else None,
                receiver_org_id=receiver_id,
                today=today.date() if today else None,
            )
            counts = service.review_counts(db.session, campaign)
            db.session.commit()
        except ShuzhiError as exc:
            _fail(exc)
            return
        click.echo(
            _(
                "已开启 %(title)s（编号 %(id)s）：评议单元 %(reviews)s 个，述职人 %(reporters)s 人。",
                title=campaign.title,
                id=campaign.id,
                reviews=counts["reviews"],
                reporters=counts["reporters"],
            )
        )


@campaign_cli.command("status")
@click.option("--tenant", "slug", required=True, help="租户标识（slug）。")
@click.option("--year", type=int, default=None, help="述职年度（默认最近一次）。")
@click.option("--depth", type=int, default=2, show_default=True, help="显示几层评议单元。")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True)
@with_appcontext
def status_cmd(slug: str, year: int | None, depth: int, today: Any) -> None:
    """Show a campaign: its timeline and its reviews as a tree with progress and overdue counts."""
    from shuzhi.cycles import present, service
    from shuzhi.cycles.calendar import describe_spec, today_in_china
    from shuzhi.db import db
    from shuzhi.tenancy.scope import scoped

    tenant_id = _tenant_id(slug)
    day: date = today.date() if today else today_in_china()
    with scoped(db.session, tenant_id=tenant_id):
        campaigns = service.list_campaigns(db.session)
        if year is not None:
            campaigns = [c for c in campaigns if c.year == year]
        if not campaigns:
            raise click.ClickException(_("该租户还没有开启述职评议。"))
        campaign = campaigns[0]
        info = present.campaign(db.session, campaign, with_progress=True, today=day)
        p = info["progress"]
        click.echo(
            f"{campaign.title}（{campaign.policy_name} {info['policy_version']}，"
            f"{campaign.period_start}–{campaign.period_end}，{_('进行中') if campaign.status == 'open' else _('已结束')}）"
        )
        click.echo(
            _(
                "述职人 %(total)s：已提交 %(submitted)s，已述职 %(reviewed)s，已测评 %(evaluated)s，"
                "已定等次 %(graded)s，整改方案已报 %(plans_in)s，逾期 %(overdue)s；逾期评议单元 %(ro)s",
                ro=p["reviews_overdue"],
                **{k: v for k, v in p.items() if k != "reviews_overdue"},
            )
        )
        click.echo(_("时间安排："))
        tline = service.timeline(db.session, campaign)
        for stage in tline.stages:
            due = stage.due(tline.bases())
            when = due.isoformat() if due else describe_spec(stage.spec)
            click.echo(f"  {stage.clause or '-':6} {when:12} {stage.name}")
        root = service.root_review(db.session, campaign)
        _tree(db.session, campaign, [root], day, depth, "")


def _tree(session: Any, campaign: Any, reviews: list[Any], day: date, depth: int, indent: str) -> None:
    from shuzhi.cycles import present, service

    for r in present.reviews(session, campaign, reviews, today=day):
        s = r["subtree"]
        click.echo(
            f"{indent}{r['receiver_name']} [{r['stage_label']}] "
            + _(
                "述职人 %(total)s，已提交 %(submitted)s，已定等次 %(graded)s，逾期 %(overdue)s",
                **{k: s[k] for k in ("total", "submitted", "graded", "overdue")},
            )
            + (
                _("；含下级共 %(n)s 个评议单元，逾期 %(o)s 个", n=s["reviews"], o=s["reviews_overdue"])
                if r["sub_reviews"]
                else ""
            )
        )
        if r["sub_reviews"] and depth > 1:
            review = service.get_review(session, r["id"])
            _tree(session, campaign, service.child_reviews(session, review), day, depth - 1, indent + "  ")


@campaign_cli.command("recount")
@click.option("--tenant", "slug", required=True, help="租户标识（slug）。")
@click.option("--year", type=int, default=None, help="述职年度（默认最近一次）。")
@with_appcontext
def recount_cmd(slug: str, year: int | None) -> None:
    """Check the progress tallies against the reporters and reviews; rebuild them if they differ."""
    from shuzhi.cycles import service, tallies
    from shuzhi.db import db
    from shuzhi.tenancy.scope import scoped

    tenant_id = _tenant_id(slug)
    with scoped(db.session, tenant_id=tenant_id):
        campaigns = [c for c in service.list_campaigns(db.session) if year is None or c.year == year]
        if not campaigns:
            raise click.ClickException(_("该租户还没有开启述职评议。"))
        campaign = campaigns[0]
        if tallies.check(db.session, campaign.id):
            click.echo(_("进度统计与述职人、评议单元一致，无需重算。"))
            return
        tallies.recount(db.session, tenant_id, campaign.id)
        db.session.commit()
        click.echo(_("进度统计与实际不一致，已按述职人和评议单元重新统计。"))
