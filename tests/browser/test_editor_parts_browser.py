"""The editor's newer parts in Chromium, at desktop width and on a phone, under the strict CSP.

- 遂溪's on-site speech box (clause SX-06: 6分钟现场发言稿 1200字以内) with its live 字数 count;
- last year's carried-over rectification items in the live panel (CO-05, clause TJ-07 / SX-12),
  the rectification page they link to and its form;
- the live check riding the page's ticket across an autosave, which renews it (ADR 0020);
- the reviewer's page with the rectification answers and the speech version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from shuzhi.cycles import access, service
from shuzhi.db import db
from shuzhi.demo import build_demo
from shuzhi.demo.campaigns import OPENED
from shuzhi.rectification.demo import ITEMS, demo_items
from shuzhi.tenancy.models import Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.browser import conftest as browser
from tests.conftest import ARTIFACTS
from tests.reports import livetexts
from tests.reports.test_editor_speech import SUIXI_REPORT, speech_of

# demo_app, live_server, size and the CSP watch come from tests/browser/conftest.py (not
# re-exported: a module's own copy of a session fixture would be a second app).
open_menu, sign_in = browser.open_menu, browser.sign_in

pytestmark = pytest.mark.browser

#: 童家镇 C04's 2022 items (the demo's list): two carried over, one done (not carried).
ANSWERED, UNANSWERED, DONE = (item[0] for item in ITEMS["tongjia"][1])
#: A paragraph that answers ANSWERED in other words (clause TJ-07).
ANSWER = (
    "针对去年查摆的党员活动室使用率不高的问题，我们每月固定开展主题党日，"
    "活动形式由单一的集中学习变为现场教学，活动室全年开放登记。"
)


def _open_demo(demo_app, slug: str, year: int, day: date) -> dict[str, str]:
    """``slug``'s demo tenant with its ``year`` campaign open, seen on ``day``, and last year's
    rectification list of the demo secretary's org (CO-05); the demo logins' display names."""
    demo_app.config["SHUZHI_DEMO_DAYS"] = {slug: day}
    with demo_app.app_context():
        build_demo(db.session, only=[slug])
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        with scoped(db.session, tenant_id=tid):
            campaign = service.open_campaign(
                db.session, access.operator("test"), year=year, today=OPENED[slug]
            )
            assert demo_items(db.session, slug, campaign) == 3
            db.session.commit()
        with scoped(db.session, platform=True):
            names = dict(
                db.session.execute(
                    select(User.username, User.display_name).where(User.username.like(f"{slug}-%"))
                ).all()
            )
    return {k.removeprefix(f"{slug}-"): v for k, v in names.items()}


@pytest.fixture
def tenant(demo_app, scratch_db) -> Iterator[Callable[[str], dict[str, str]]]:
    def make(slug: str) -> dict[str, str]:
        if slug == "tongjia":  # before the hand-in deadline
            return _open_demo(demo_app, "tongjia", 2023, date(2023, 12, 1))
        return _open_demo(demo_app, "suixi", 2023, date(2024, 1, 10))  # before the 1月22日 hand-in

    yield make
    demo_app.config.pop("SHUZHI_DEMO_DAYS", None)
    with demo_app.app_context():
        db.session.remove()
    scratch_db.truncate()


def _editor(page: Page, display_name: str, slug: str) -> None:
    sign_in(page, display_name)
    page.wait_for_url(f"**/t/{slug}/**")
    open_menu(page)
    page.get_by_role("link", name="撰写述职报告").click()
    expect(page.locator("#sz-editor-title")).to_contain_text("述职报告")


def _switch(page: Page, display_name: str, slug: str) -> None:
    page.context.clear_cookies()  # signed out
    sign_in(page, display_name)
    page.wait_for_url(f"**/t/{slug}/**")
    open_menu(page)


def _paragraph_no(text: str, line: str) -> int:
    """The 1-based number of ``line`` among the text's paragraphs (its non-empty lines)."""
    paras = [p.strip() for p in text.splitlines() if p.strip()]
    return paras.index(line) + 1


def test_suixi_speech_box_counts_live(page: Page, size: str, tenant, screenshot) -> None:
    # clause SX-06: the 6-minute on-site speech ≤ 1200字, in its own box, counted and checked live
    names = tenant("suixi")
    _editor(page, names["secretary"], "suixi")
    box = page.locator("#sz-speech-box")
    expect(box).to_be_visible()
    expect(box).to_contain_text("现场述职稿（口头版）")
    expect(box).to_contain_text("不超过 1200 字")
    count = page.locator("#sz-speech-count")
    expect(count).to_contain_text("口头述职稿 0 字 / 不超过 1200 字")

    page.locator("#sz-text").fill(SUIXI_REPORT)
    page.locator("#sz-speech").fill(speech_of(1250))
    speech_finding = page.locator('#sz-findings li[data-rule="SX-06"]', has_text="发言稿")
    expect(speech_finding).to_have_count(1)
    expect(speech_finding).to_have_class(re.compile(r"\bsz-finding-error\b"))
    expect(speech_finding).to_contain_text("1250字")
    # the box's own count in its over-limit state: red, with how much to cut
    expect(count).to_contain_text("口头述职稿 1250 字，要求不超过 1200 字，请删减 50 字。")
    expect(count).to_have_class(re.compile(r"\btext-danger\b"))
    expect(page.locator("#sz-verdict")).to_contain_text("须修改")
    screenshot(f"parts-suixi-speech-over-{size}")

    # cut under the limit: the finding goes and the count is plain again
    page.locator("#sz-speech").fill(speech_of(1150))
    expect(count).to_contain_text("口头述职稿 1150 字 / 不超过 1200 字")
    expect(count).not_to_have_class(re.compile(r"\btext-danger\b"))
    expect(speech_finding).to_have_count(0)
    # the report's own 字数 is not the speech's (SX-06 counts them apart)
    expect(page.locator("#sz-words")).not_to_contain_text("1150")
    screenshot(f"parts-suixi-speech-ok-{size}")


def test_tongjia_carried_items_answered_and_listed(page: Page, size: str, tenant, screenshot) -> None:
    # CO-05 with clause TJ-07: last year's unfinished items are listed in the panel; a paragraph
    # that answers one flips it to 已回应 naming the paragraph; the list page takes new items
    names = tenant("tongjia")
    _editor(page, names["secretary"], "tongjia")
    section = page.locator("#sz-rectification")
    expect(section).to_contain_text("上年度整改事项的回应")
    expect(section).to_contain_text("TJ-07")
    expect(section.locator(".sz-rect-item")).to_have_count(2)  # the done item is not carried
    expect(section).to_contain_text(ANSWERED)
    expect(section).to_contain_text(UNANSWERED)
    expect(section).not_to_contain_text(DONE)
    expect(section.locator(".sz-rect-item").first).to_contain_text("尚未撰写")

    page.locator("#sz-text").fill(livetexts.SHORT)  # a first draft that answers neither
    answered = section.locator(".sz-rect-item", has_text=ANSWERED)
    expect(answered).to_contain_text("未见回应")

    text = livetexts.SHORT + "\n" + ANSWER
    page.locator("#sz-text").fill(text)
    expect(answered).to_contain_text("已回应")
    # the paragraph by its number and its first words (the editor's textarea has no numbers)
    expect(answered.locator(".sz-rect-where")).to_have_text(
        f"第{_paragraph_no(text, ANSWER)}段（“{ANSWER[:14]}…”）"
    )
    expect(section.locator(".sz-rect-item", has_text=UNANSWERED)).to_contain_text("未见回应")
    screenshot(f"parts-tongjia-panel-{size}")
    section.scroll_into_view_if_needed()  # on a desktop, inside the panel's own scroll
    page.screenshot(path=str(ARTIFACTS / f"parts-tongjia-panel-rect-{size}-view.png"))

    # the list itself, from the panel's link
    page.locator("#sz-rect-link").click()
    page.wait_for_url("**/rectification")
    expect(page.locator("h1")).to_contain_text("整改清单")
    items = page.locator("#sz-items")
    for problem in (ANSWERED, UNANSWERED, DONE):
        expect(items).to_contain_text(problem)
    if size == "phone":  # one block per item, not a squeezed table: the status stays readable
        box = page.locator("#sz-items select").first.bounding_box()
        assert box is not None and box["width"] >= 96, box
    form = page.locator("#sz-add-item")  # the secretary writes her own org's list
    expect(form).to_be_visible()

    # a problem of blanks only is refused in Chinese, and what was typed stays
    page.locator("#problem").fill("   ")
    page.locator("#responsible").fill("村党支部组织委员")
    page.locator("#measures").fill("建立党员积分台账，每月公示一次")
    page.locator("#deadline").fill("2024-06-30")
    form.get_by_role("button", name="登记").click()
    expect(page.locator("#sz-error")).to_have_text("请填写问题。")
    expect(page.locator("#problem + .invalid-feedback")).to_contain_text("必填")
    expect(page.locator("#responsible")).to_have_value("村党支部组织委员")
    expect(page.locator("#measures")).to_have_value("建立党员积分台账，每月公示一次")
    expect(page.locator("#deadline")).to_have_value("2024-06-30")
    screenshot(f"parts-rectification-refused-{size}")

    page.locator("#problem").fill("党员积分管理落实不到位")
    form.get_by_role("button", name="登记").click()
    expect(page.locator("#sz-error")).to_have_count(0)
    new = page.locator("#sz-items tr.sz-item", has_text="党员积分管理落实不到位")
    expect(new).to_contain_text("村党支部组织委员")
    expect(new).to_contain_text("2024-06-30")
    expect(page.locator("#problem")).to_have_value("")  # a fresh form for the next item
    screenshot(f"parts-rectification-{size}")


def test_live_check_rides_the_ticket_autosave_renews(page: Page, size: str, tenant) -> None:
    # ADR 0020: the check is admitted by the page's ticket; autosave (a full request) renews it
    # and the checks after it ride the renewed one: the panel keeps following the text
    names = tenant("tongjia")
    _editor(page, names["secretary"], "tongjia")
    ticket = page.locator("#sz-ticket input[name=ticket]")
    first = ticket.get_attribute("value")
    assert first

    page.locator("#sz-text").fill(livetexts.SHORT)
    expect(page.locator("#sz-findings")).to_contain_text("TJ-04")
    expect(page.locator("#sz-saved")).to_contain_text("草稿已自动保存", timeout=10_000)
    renewed = ticket.get_attribute("value")
    assert renewed and renewed != first  # swapped in by the autosave's answer

    report = livetexts.tongjia_report(problems_share=0.34)
    with page.expect_response(lambda r: r.url.endswith("/check")) as checked:
        page.locator("#sz-text").fill(report)
    answer = checked.value
    assert answer.status == 200
    assert renewed in (answer.request.post_data or "")  # the check carried the renewed ticket
    assert 'id="sz-ticket"' not in answer.text()  # and it admitted it: no full path, no new ticket
    expect(page.locator("#sz-verdict")).to_contain_text("没有须修改的问题")
    expect(page.locator("#sz-findings")).not_to_contain_text("TJ-04")
    with page.expect_response(lambda r: r.url.endswith("/save"), timeout=10_000) as saved:
        pass  # the autosave of the second text, 3 s after the typing
    assert saved.value.ok and 'id="sz-ticket"' in saved.value.text()  # renewed again

    # the draft (rewritten by the second autosave) is there when the page is opened again
    page.reload()
    expect(page.locator("#sz-saved")).to_contain_text("上次保存")
    expect(page.locator("#sz-text")).to_have_value(report)
    expect(page.locator("#sz-verdict")).to_contain_text("没有须修改的问题")


def test_reviewer_sees_answers_and_the_speech(page: Page, size: str, tenant, screenshot) -> None:
    # clause TJ-07 on the 包片领导's page: which carried item the submitted report answers, where
    names = tenant("tongjia")
    _editor(page, names["secretary"], "tongjia")
    text = livetexts.tongjia_report(problems_share=0.34) + "\n" + ANSWER
    page.locator("#sz-text").fill(text)
    expect(page.locator("#sz-verdict")).to_contain_text("没有须修改的问题")
    page.locator("#sz-submit").click()
    expect(page.locator("#sz-status")).to_contain_text("待审核")

    _switch(page, names["reviewer"], "tongjia")
    page.get_by_role("link", name="审核述职报告", exact=True).click()
    page.locator("#sz-review-list tr", has_text="待审核").get_by_role("link", name="查看").click()
    rect = page.locator("#sz-rectification")
    expect(rect).to_contain_text("上年度整改事项的回应")
    no = _paragraph_no(text, ANSWER)
    expect(rect.locator(".sz-rect-item", has_text=ANSWERED)).to_contain_text(f"已回应 第{no}段")
    expect(rect.locator(".sz-rect-item", has_text=UNANSWERED)).to_contain_text("未见回应")
    rect.locator(".sz-rect-where").click()
    expect(page).to_have_url(re.compile(rf"#p-{no - 1}$"))
    expect(page.locator(f"#p-{no - 1}")).to_contain_text("党员活动室使用率不高")
    screenshot(f"parts-review-tongjia-{size}")
    page.context.clear_cookies()


def test_reviewer_sees_the_speech_and_headings_without_marks(
    page: Page, size: str, tenant, screenshot
) -> None:
    # clause SX-06: the speech saved with the draft is shown to the reviewer with its 字数; the
    # editor's "# " heading marks are not shown; SX-12: the carried items with their answers
    names = tenant("suixi")
    _editor(page, names["secretary"], "suixi")
    page.locator("#sz-text").fill(SUIXI_REPORT)
    page.locator("#sz-speech").fill(speech_of(1100))
    expect(page.locator("#sz-speech-count")).to_contain_text("口头述职稿 1100 字")
    page.locator("#sz-save").click()
    expect(page.locator("#sz-saved")).to_contain_text("上次保存")
    href = page.locator("#sz-files-link").get_attribute("href") or ""
    report_id = re.search(r"/reports/(\d+)/files", href)
    assert report_id, href

    _switch(page, names["admin"], "suixi")
    page.goto(f"/t/suixi/review/{report_id.group(1)}")
    speech = page.locator("#sz-review-speech")
    expect(speech).to_contain_text("现场述职稿（口头版）")
    expect(speech).to_contain_text("1100 字")
    expect(speech).to_contain_text(speech_of(1100).splitlines()[0])
    paras = page.locator("#sz-paras")
    expect(paras).to_contain_text("主要工作")
    assert "# " not in paras.inner_text()
    expect(page.locator("#sz-rectification")).to_contain_text("SX-12")
    expect(page.locator("#sz-rectification .sz-rect-item")).to_have_count(2)
    screenshot(f"parts-review-suixi-{size}")


def test_docx_read_into_the_editor_keeps_its_headings_and_the_file(
    page: Page, size: str, tenant, screenshot
) -> None:
    # issue 6 items 2 and 3: a .docx whose headings are Word heading styles (no 一、 numbering)
    # comes into the editor with the "# " marks, the outline maps its parts (clause TJ-10's
    # 主要做法及成效 / 存在的问题及原因分析 / 下步工作打算), and the file itself is kept
    from tests.reports.test_editor_upload import styled_report

    names = tenant("tongjia")
    _editor(page, names["secretary"], "tongjia")
    page.locator("#sz-file").set_input_files(
        files=[{"name": "石龙村述职报告.docx", "mimeType": "application/octet-stream", "buffer": styled_report()}]
    )
    page.get_by_role("button", name="读入编辑器").click()
    expect(page.locator("#sz-notice")).to_contain_text("已读入")
    text = page.locator("#sz-text").input_value()
    assert "# 主要做法及成效" in text and "## 加强政治建设" in text
    outline = page.locator("#sz-outline")
    for heading in ("主要做法及成效", "存在的问题及原因分析", "下步工作打算"):
        expect(outline).to_contain_text(heading)
    screenshot(f"parts-docx-read-{size}")
    # the original file, listed with the version it produced
    page.locator("#sz-files-link").click()
    expect(page.get_by_text("石龙村述职报告.docx")).to_be_visible()
    expect(page.locator("body")).to_contain_text("第 1 版据此读入")
