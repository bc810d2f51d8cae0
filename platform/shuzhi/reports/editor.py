"""The secretary's editor: write or upload the 述职报告, see the policy's checks while typing.

Pages (portal, server-rendered, htmx; no JS framework):

- ``GET  /t/<tenant>/write`` — the signed-in secretary's reports (one per campaign they report in);
- ``GET  /t/<tenant>/write/<reporter>`` — the editor: a textarea and the side panel;
- ``POST /t/<tenant>/write/<reporter>/check`` — the live check: the text in, the panel
  (findings with figures and limits, the outline with 字数 and shares, the clauses) out;
- ``POST …/upload`` — a .docx/.txt read into the editor and saved as a draft, the file kept
  with that version (kind ``original``; refusals say how to save as .docx and keep nothing);
- ``POST …/save`` — autosave as a draft version (htmx) or the plain 保存草稿 button;
- ``POST …/submit`` — save, then submit; a refusal re-renders the editor with why.

Only the reporter's own secretary (``reports.write_own`` on its org) and the
report's co-authors edit; readers of the org (admins, reviewers) see the
editor read-only. The versions themselves are the report service's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from shuzhi.auth import admit_fully, lean
from shuzhi.auth.permissions import Perm, can, current_principal, require
from shuzhi.cycles import service as cycles
from shuzhi.cycles.models import Reporter
from shuzhi.db import db
from shuzhi.errors import Forbidden, NotFound, ShuzhiError
from shuzhi.reports import drafts, live, live_ticket
from shuzhi.reports.fastcount import fast_words
from shuzhi.reports.parse import editor_text
from shuzhi.reports.uploads import MAX_UPLOAD_BYTES, UploadError, read_upload
from shuzhi.tenancy.models import Role
from shuzhi.web import formbody, nav

bp = Blueprint("report_editor", __name__, url_prefix="/t/<tenant>/write", template_folder="templates")

nav.register(
    nav.NavItem(
        "report_editor.mine",
        _l("撰写述职报告"),
        (Role.SECRETARY,),
        30,
        ("report_editor.edit",),
    )
)

#: Largest text the editor posts (a 30,000字 report is ~90 KB of UTF-8).
MAX_TEXT_CHARS = 200_000


class Context:
    """One reporter's editor: who they are, the campaign, the pinned policy, may the user edit."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.campaign = cycles.get_campaign(db.session, reporter.campaign_id)
        self.pin = cycles.pin_of(db.session, self.campaign)
        self.setting = live.setting_for(self.pin)
        self.org = cycles.org_names(db.session, [reporter.org_id]).get(reporter.org_id)
        self.state = drafts.state(db.session, reporter)
        self.topics = self.state.topics
        self.carried = live.carried_items(db.session, self.setting, reporter.campaign_id, reporter.org_id)
        self.rect_url = _rect_url(reporter.campaign_id, reporter.org_id)
        self.can_edit = _may_edit(reporter.id, reporter.org_id)
        principal, tenant = current_principal(), g.get("tenant")
        # the review's book is for the department and the review's reviewers (exports.views)
        self.can_book = can(principal, Perm.EXPORTS_RUN, tenant) or can(
            principal, Perm.REPORTS_REVIEW, tenant, reporter.org_id
        )

    def live_context(self) -> live_ticket.LiveContext:
        """What the live check needs of this editor, for its ticket (ADR 0020)."""
        r = self.reporter
        target = live.Target(r.id, r.org_id, r.campaign_id, self.pin.id, self.pin.created_at, tuple(self.topics))
        return live_ticket.LiveContext(target, self.can_edit, tuple(self.carried), self.rect_url)

    def ensure_edit(self) -> None:
        if not self.can_edit:
            raise Forbidden(_("只有本组织书记和报告的共同撰写人可以修改这份述职报告。"))


def _may_edit(reporter_id: int, org_id: int) -> bool:
    """May the signed-in user edit this reporter's report (the org's secretary or a TJ-08
    co-author)? Otherwise they need to read it, or they are refused here."""
    principal, tenant = current_principal(), g.get("tenant")
    if can(principal, Perm.REPORTS_WRITE_OWN, tenant, org_id) or drafts.is_coauthor(
        db.session, reporter_id, g.get("user")
    ):
        return True
    if not can(principal, Perm.REPORTS_READ, tenant, org_id):
        raise Forbidden(_("只有本组织书记和报告的共同撰写人可以撰写这份述职报告。"))
    return False


def _rect_url(campaign_id: int, org_id: int) -> str:
    """The org's rectification list in the campaign (CO-05)."""
    return url_for("rectification_portal.page", campaign_id=campaign_id, org_id=org_id)


def _context(reporter_id: int) -> Context:
    return Context(cycles.get_reporter(db.session, reporter_id))


def _text_from_form() -> str:
    text = request.form.get("text", "")
    if len(text) > MAX_TEXT_CHARS:
        raise UploadError(
            _(
                "报告太长（%(n)d 字符），编辑器最多 %(max)d 字符；请分开撰写或删去附件内容。",
                n=len(text),
                max=MAX_TEXT_CHARS,
            )
        )
    return text


def _speech_from_form(setting: live.Setting) -> str | None:
    """The on-site speech version (SX-06) typed in its box; None when the plan sets no limit."""
    if live.speech_limit(setting) is None:
        return None
    speech = request.form.get("speech", "")
    if len(speech) > MAX_TEXT_CHARS:
        raise UploadError(_("现场述职稿太长（%(n)d 字符）。", n=len(speech)))
    return speech


def _speech_count(setting: live.Setting, speech: str | None, *, oob: bool) -> str:
    """The speech box's live 字数 against the plan's limit (SX-06); "" for plans without one."""
    limit = live.speech_limit(setting)
    if limit is None:
        return ""
    words = fast_words(speech) if speech else 0
    return render_template("reports/_speech_count.html", words=words, limit=limit, oob=oob)


def _panel_words() -> dict[str, str]:
    """The panel's recurring words in the request's language, translated once per language."""
    key = str(get_locale())
    words = _PANEL_WORDS.get(key)
    if words is None:
        words = _PANEL_WORDS[key] = {
            "must": _("须修改"),
            "warn": _("提醒"),
            "where": _("位置："),
            "fig": _("实际："),
            "limit": _("要求："),
            "how": _("怎么算的"),
            "auto": _("自动："),
            "unmapped": _("自动：未对应"),
            "inline": _("自动：不单列"),
            "not_part": _("不是独立部分"),
            "which": _("对应方案的哪一部分"),
        }
    return words


_PANEL_WORDS: dict[str, dict[str, str]] = {}


def _clauses_html(setting: live.Setting) -> Markup:
    """The policy's clauses beside the findings: the same for every keystroke, rendered once per language."""
    key = ("clauses", str(get_locale()))
    html = setting.memo.get(key)
    if html is None:
        html = setting.memo[key] = Markup(render_template("reports/_clauses.html", setting=setting))
    return html


def _panel(
    setting: live.Setting,
    text: str,
    corrections: dict[int, str | None],
    *,
    topics: tuple[str, ...] = (),
    can_edit: bool = True,
    speech: str | None = None,
    carried: Sequence[Any] = (),
    rect_url: str = "",
) -> tuple[str, dict[str, int] | None]:
    """The panel's HTML and the verdict's counts (for the one-line verdict under the textarea).

    ``carried``: last year's unfinished rectification items the report must answer (CO-05;
    TJ-07, JX-03, SX-12), listed with where the text answers each; ``rect_url`` their list."""
    result = live.check(setting, text, corrections, topics, speech or "", carried) if text.strip() else None
    summary = live.summary(result) if result else None
    html = render_template(
        "reports/_panel.html",
        setting=setting,
        can_edit=can_edit,
        result=result,
        summary=summary,
        sections=setting.policy.sections,
        corrections=corrections,
        empty=live.empty_message() if result is None else "",  # gettext outside a template is slow
        clauses_html=_clauses_html(setting),
        w=_panel_words(),
        carried=carried,
        response_clause=live.response_clause(setting),
        rect_url=rect_url,
    )
    return html, summary


def _mini(summary: dict[str, int] | None, *, oob: bool) -> str:
    """The one-line verdict under the textarea (a phone shows the panel below it)."""
    return render_template("reports/_mini.html", summary=summary, oob=oob)


def _page(
    ctx: Context,
    *,
    text: str | None = None,
    corrections: dict[int, str | None] | None = None,
    speech: str | None = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> tuple[str, int]:
    state = ctx.state
    if text is None:
        text = state.text
    if corrections is None:
        corrections = dict(state.corrections)
    limit = live.speech_limit(ctx.setting)
    if limit is None:
        speech = None
    elif speech is None:
        speech = state.speech
    panel, summary = _panel(
        ctx.setting,
        text,
        corrections,
        topics=ctx.topics,
        can_edit=ctx.can_edit,
        speech=speech,
        carried=ctx.carried,
        rect_url=ctx.rect_url,
    )
    html = render_template(
        "reports/editor.html",
        ctx=ctx,
        state=state,
        text=text,
        speech=speech,
        speech_limit=limit,
        speech_count=_speech_count(ctx.setting, speech, oob=False),
        panel=panel,
        mini=_mini(summary, oob=False),
        ticket=Markup(_ticket_field(ctx.live_context(), ctx.setting)),
        error=error,
        notice=notice,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )
    return html, status


@bp.get("")
@require(Perm.REPORTS_WRITE_OWN)
def mine(tenant: str) -> Any:
    """The signed-in secretary's reports: straight to the editor when there is just one."""
    user = g.get("user")
    reporters = cycles.reporters_of_user(db.session, user.id) if user is not None else []
    if len(reporters) == 1:
        return redirect(url_for("report_editor.edit", reporter_id=reporters[0].id))
    campaigns = {r.campaign_id: cycles.get_campaign(db.session, r.campaign_id) for r in reporters}
    orgs = cycles.org_names(db.session, [r.org_id for r in reporters])
    return render_template("reports/mine.html", reporters=reporters, campaigns=campaigns, orgs=orgs)


@bp.get("/<int:reporter_id>")
@require(Perm.REPORTS_READ)
def edit(tenant: str, reporter_id: int) -> Any:
    ctx = _context(reporter_id)
    notice = _("已保存草稿。") if request.args.get("saved") else ""
    if request.args.get("submitted"):
        notice = _("已提交。提交的版本已锁定，审核人退回后才能再修改。")
    return _page(ctx, notice=notice)


@bp.post("/<int:reporter_id>/check")
@lean  # a valid live ticket admits it without the session (ADR 0020); anything else: admit_fully
def check(tenant: str, reporter_id: int) -> Any:
    """The live check: the editor's text and outline corrections in, the side panel out.

    Runs at every pause in typing. With the page's ticket (:mod:`live_ticket`) it
    reads no row: the context and the pinned policy are the ones the last full
    request of the editor found. Without one, it is a signed-in request as any
    other, reads what it needs in one statement (:func:`live.target_of`) and
    hands the page a fresh ticket.
    """
    formbody.preload(request)
    hit = live_ticket.admit(request.form.get(live_ticket.FIELD, ""), tenant, reporter_id)
    if hit is None:
        admit_fully()
        return _check_signed_in(tenant=tenant, reporter_id=reporter_id)
    context, setting = hit
    return _checked(setting, context)


@require(Perm.REPORTS_READ)
def _check_signed_in(tenant: str, reporter_id: int) -> Any:
    target = live.target_of(db.session, reporter_id)
    if target is None:
        raise NotFound(_("找不到该述职人。"))
    can_edit = _may_edit(reporter_id, target.org_id)
    setting = live.setting_of(db.session, target)
    context = live_ticket.LiveContext(
        target,
        can_edit,
        tuple(live.carried_items(db.session, setting, target.campaign_id, target.org_id)),
        _rect_url(target.campaign_id, target.org_id),
    )
    answer = _checked(setting, context)
    if isinstance(answer, tuple):  # the text was refused: no ticket for it
        return answer
    return answer + _ticket_field(context, setting, oob=True)


def _checked(setting: live.Setting, context: live_ticket.LiveContext) -> Any:
    """The panel, the one-line verdict and the speech box's count for the posted text."""
    try:
        text = _text_from_form()
        speech = _speech_from_form(setting)
    except UploadError as exc:
        return render_template("reports/_panel_error.html", message=exc.message), exc.status
    corrections = live.corrections_from(request.form, setting.policy)
    html, summary = _panel(
        setting,
        text,
        corrections,
        topics=context.target.topics,
        can_edit=context.can_edit,
        speech=speech,
        carried=context.carried,
        rect_url=context.rect_url,
    )
    return html + _mini(summary, oob=True) + _speech_count(setting, speech, oob=True)


def _ticket_field(context: live_ticket.LiveContext, setting: live.Setting, *, oob: bool = False) -> str:
    """The page's live-check ticket for the signed-in user (none for anyone else)."""
    user, tenant = g.get("user"), g.get("tenant")
    if user is None or tenant is None:
        return ""
    # str: joined to the rendered panel, which a Markup would escape
    return str(live_ticket.field(live_ticket.issue(user.id, tenant.slug, context, setting), oob=oob))


@bp.post("/<int:reporter_id>/upload")
@require(Perm.REPORTS_READ)  # then Context.ensure_edit: the org's secretary or a co-author (TJ-08)
def upload(tenant: str, reporter_id: int) -> Any:
    """A .docx or .txt read into the editor, saved as a draft with the file kept (kind original).

    Word headings without 一、/（一） numbering come in with the editor's "# " marker
    (:func:`shuzhi.reports.parse.editor_text`), so the outline is the .docx's own.
    A refused file saves nothing and stores nothing.
    """
    ctx = _context(reporter_id)
    ctx.ensure_edit()
    file = request.files.get("file")
    if file is None or not file.filename:
        return _page(ctx, error=_("请选择要上传的 .docx 或 .txt 文件。"), status=400)
    data = file.stream.read(MAX_UPLOAD_BYTES + 1)
    try:
        imported = read_upload(file.filename, data)
        saved = drafts.save_upload(
            db.session, ctx.reporter, editor_text(imported.doc), imported, filename=file.filename, user=g.user
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(ctx, error=exc.message, status=exc.status)
    return _page(
        _context(reporter_id),
        notice=_(
            "已读入“%(name)s”（%(words)d 字），保存为第 %(n)d 版草稿，原文件已作为附件保存。"
            "请核对右侧的提纲和检查结果。",
            name=file.filename,
            words=imported.count().words,
            n=saved.number,
        ),
    )


@bp.post("/<int:reporter_id>/save")
@require(Perm.REPORTS_READ)  # then Context.ensure_edit: the org's secretary or a co-author (TJ-08)
def save(tenant: str, reporter_id: int) -> Any:
    """Save the text (and the outline corrections) as a draft version: autosave and the button."""
    ctx = _context(reporter_id)
    ctx.ensure_edit()
    htmx = request.headers.get("HX-Request") == "true"
    try:
        text = _text_from_form()
        speech = _speech_from_form(ctx.setting)
        corrections = live.corrections_from(request.form, ctx.setting.policy)
        saved = drafts.save(db.session, ctx.reporter, text, corrections, user=g.user, speech=speech)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        if htmx:
            return render_template("reports/_saved.html", error=exc.message, saved=None), exc.status
        return _page(
            ctx,
            text=request.form.get("text", ""),
            speech=request.form.get("speech"),
            error=exc.message,
            status=exc.status,
        )
    if htmx:
        # autosave is a full request: it renews the live check's ticket (ADR 0020)
        renewed = _ticket_field(ctx.live_context(), ctx.setting, oob=True)
        return render_template("reports/_saved.html", error="", saved=saved) + renewed
    return redirect(url_for("report_editor.edit", reporter_id=reporter_id, saved=1))


@bp.post("/<int:reporter_id>/submit")
@require(Perm.REPORTS_READ)  # then Context.ensure_edit: the org's secretary or a co-author (TJ-08)
def submit(tenant: str, reporter_id: int) -> Any:
    """Save what is in the editor, then submit it; blocked while error findings remain."""
    ctx = _context(reporter_id)
    ctx.ensure_edit()
    text = request.form.get("text", "")
    speech = request.form.get("speech")
    corrections = live.corrections_from(request.form, ctx.setting.policy)
    try:
        text = _text_from_form()
        speech = _speech_from_form(ctx.setting)
        drafts.save(db.session, ctx.reporter, text, corrections, user=g.user, speech=speech)
        drafts.submit(db.session, ctx.reporter, user=g.user)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(
            ctx, text=text, corrections=corrections, speech=speech, error=exc.message, status=exc.status
        )
    return redirect(url_for("report_editor.edit", reporter_id=reporter_id, submitted=1))
