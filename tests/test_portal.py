"""Portal pages through the test client: layout, navigation by role, the org
tree, reporting relations, data import, sign-in and error pages (issue 3 item 10)."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from typing import Any

import pytest

from tests.browser.seed import BAD, GOOD, County, seed_county, workbook
from tests.conftest import login


@pytest.fixture
def county(app) -> County:
    return seed_county(app, "jx")


def as_user(client: Any, county: County, who: str) -> Any:
    login(client, county.users[who])
    return client


@contextmanager
def demo_mode(app: Any, on: bool = True):
    cfg = app.config["SHUZHI"]
    old, cfg.DEMO = cfg.DEMO, on
    try:
        yield
    finally:
        cfg.DEMO = old


def text(response: Any) -> str:
    return response.get_data(as_text=True)


# --- layout and navigation ---------------------------------------------------


def test_layout_header_in_chinese(client, county) -> None:
    # issue 3 item 10: product name, tenant name, user name, language switch, sign out
    r = as_user(client, county, "admin").get("/t/jx/orgs")
    assert r.status_code == 200
    html = text(r)
    assert '<html lang="zh">' in html
    assert "述职评议考核平台" in html and "吉县县委组织部" in html
    assert "组织部王干事" in html and "退出登录" in html
    assert 'name="lang" value="en"' in html and "English" in html
    assert 'name="viewport"' in html


def test_assets_are_vendored_not_cdn(client, county) -> None:
    # issue 3 item 10: htmx 2.0.11 and Bootstrap 5.3.9 served by us, no CDN, no inline script
    html = text(as_user(client, county, "admin").get("/t/jx/orgs"))
    srcs = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert srcs and all(s.startswith("/assets/") for s in srcs)
    assert "/assets/vendor/htmx-2.0.11.min.js" in srcs
    assert "/assets/vendor/bootstrap-5.3.9.min.css" in srcs
    for src in srcs:
        r = client.get(src)
        assert r.status_code == 200
        r.close()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline <script> blocks
    assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers
    assert "<style" not in html and "style=" not in html


def test_vendored_files_match_sha256sums() -> None:
    # issue 3 item 10: vendored assets are exactly what SHA256SUMS records
    import hashlib
    from pathlib import Path

    import shuzhi.web

    folder = Path(shuzhi.web.__file__).parent / "static" / "vendor"
    lines = (folder / "SHA256SUMS").read_text().split("\n")
    entries = [line.split() for line in lines if line.strip()]
    assert {name for _h, name in entries} >= {"htmx-2.0.11.min.js", "bootstrap-5.3.9.min.css"}
    for digest, name in entries:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def nav_labels(html: str) -> list[str]:
    block = html.split('aria-label="主菜单"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', block)


def test_navigation_for_tenant_admin(client, county) -> None:
    # issue 3 item 10: admins see 组织树, 述职关系 and 数据导入; issue 7 item 7: their dashboard
    # (the campaigns as a tree) first
    html = text(as_user(client, county, "admin").get("/t/jx/orgs"))
    labels = nav_labels(html)
    assert labels[:3] == ["述职评议", "组织树", "述职关系"] and "数据导入" in labels
    assert labels == sorted(set(labels), key=labels.index)  # each once, no placeholders


def test_navigation_for_secretary_has_no_import(client, county) -> None:
    # issue 3 item 10: members see 组织树 and 述职关系 only; no dead placeholder links;
    # issue 7 item 7: a secretary's own steps first
    html = text(as_user(client, county, "secretary").get("/t/jx/orgs"))
    labels = nav_labels(html)
    assert labels[:3] == ["我的述职", "组织树", "述职关系"]
    assert not {"数据导入", "审计日志", "成员管理"} & set(labels)
    assert 'href="#"' not in html


def test_tenant_switcher_lists_only_my_tenants(app, client, county, make_tenant) -> None:
    # issue 3 item 10: the switcher offers the tenants the user belongs to
    from shuzhi.db import db
    from shuzhi.tenancy import service
    from shuzhi.tenancy.models import Role, User
    from shuzhi.tenancy.scope import scoped

    second = make_tenant("jx-town")
    with app.app_context(), scoped(db.session, platform=True):
        tenant = service.get_tenant(db.session, second["slug"])
        service.grant(db.session, tenant, db.session.get(User, county.users["admin"]), Role.REVIEWER)
        db.session.commit()
    html = text(as_user(client, county, "admin").get("/t/jx/orgs"))
    menu = html.split('aria-labelledby="sz-switch"', 1)[1].split("</ul>", 1)[0]
    assert "吉县县委组织部" in menu and "jx-town 组织部" in menu
    assert "别县县委组织部" not in menu  # the outsider's tenant
    assert 'href="/t/jx-town/my/reporters"' in menu  # a reviewer there: their dashboard


# --- access ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/t/jx/orgs", "/t/jx/relations", "/t/jx/import"])
def test_anonymous_is_sent_to_sign_in(client, county, path: str) -> None:
    # issue 3 item 10: anonymous users are redirected to sign in, and come back after
    r = client.get(path)
    assert r.status_code == 302
    assert r.headers["Location"] == f"/login?next={path}"


def test_anonymous_htmx_request_gets_hx_redirect(client, county) -> None:
    # issue 3 item 10: a fragment request must not swap the login page into the tree
    r = client.get(
        f"/t/jx/orgs/{county.orgs['JX']}/children",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/t/jx/orgs"},
    )
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/login?next=/t/jx/orgs"


@pytest.mark.parametrize(
    "path", ["/t/jx/orgs", "/t/jx/relations", "/t/jx/import", "/t/jx/orgs/{JX}", "/t/jx/orgs/{JX}/children"]
)
def test_non_member_gets_404(client, county, path: str) -> None:
    # issue 3 item 10: another tenant's user learns nothing (404, not 403)
    r = as_user(client, county, "outsider").get(path.format(JX=county.orgs["JX"]))
    assert r.status_code == 404
    html = text(r)
    assert "找不到该页面" in html and "回到首页" in html
    assert "吉县县委" not in html


def test_unknown_tenant_gets_404(client, county) -> None:
    r = as_user(client, county, "admin").get("/t/no-such-county/orgs")
    assert r.status_code == 404 and "找不到该页面" in text(r)


def test_import_is_403_for_secretary(client, county) -> None:
    # issue 3 item 10: 数据导入 is for tenant admins only
    c = as_user(client, county, "secretary")
    for r in (c.get("/t/jx/import"), c.post("/t/jx/import"), c.get("/t/jx/import/template")):
        assert r.status_code == 403
        html = text(r)
        assert "没有权限" in html and "返回上一页" in html
        assert "吉县县委组织部" in html  # the error page keeps the layout


# --- org tree ---------------------------------------------------------------------


def test_org_tree_shows_roots_with_kind_code_and_secretary(client, county) -> None:
    # issue 3 item 10: each node with kind badge, code and current 书记
    html = text(as_user(client, county, "secretary").get("/t/jx/orgs"))
    assert "吉县县委" in html and "JX" in html and "张县委" in html
    assert 'sz-kind-committee">党委<' in html
    assert "下级 3 个" in html
    # Children load lazily: townships are not in the first page.
    assert "城关镇党委" not in html
    assert f'hx-get="/t/jx/orgs/{county.orgs["JX"]}/children"' in html


def test_children_fragment_lists_the_next_level(client, county) -> None:
    # issue 3 item 10: htmx loads children lazily, each with its own toggle when it has children
    c = as_user(client, county, "secretary")
    html = text(c.get(f"/t/jx/orgs/{county.orgs['JX']}/children", headers={"HX-Request": "true"}))
    assert "<html" not in html  # a fragment, not a page
    assert html.count('class="sz-node"') == 3
    assert "城关镇党委" in html and "李城关" in html and 'sz-kind-working_committee">党工委<' in html
    town = text(c.get(f"/t/jx/orgs/{county.orgs['JX01']}/children"))
    assert "城关镇3村党支部" in town and "空缺" in town  # 村3 has no secretary
    leaf = text(c.get(f"/t/jx/orgs/{county.orgs['JX0101']}/children"))
    assert "没有下级组织" in leaf


def test_org_page_opens_the_tree_to_it_with_detail(client, county) -> None:
    # issue 3 item 10: detail panel — ancestors breadcrumb, posts with dates, reports to / from
    html = text(as_user(client, county, "secretary").get(f"/t/jx/orgs/{county.orgs['JX01']}"))
    assert 'class="breadcrumb' in html and "吉县县委</a>" in html
    posts = re.sub(r"<[^>]+>", "", html.split('id="detail-posts"', 1)[1].split("</table>", 1)[0])
    assert re.search(r"李城关\s*现任\s*2023-01-01 — 至今", posts)
    assert re.search(r"孙前任\s*2019-01-01 — 2022-12-31", posts)  # the former secretary
    receiver = html.split('id="detail-receiver"', 1)[1].split("</dd>", 1)[0]
    assert "吉县县委" in receiver
    reporters = html.split('id="detail-reporters"', 1)[1].split("</ul>", 1)[0]
    assert reporters.count("<li>") == 3 and "城关镇1村党支部" in reporters
    # The tree is open down to the org, and the org is marked.
    assert "城关镇党委" in html and "sz-selected" in html


def test_detail_panel_fragment(client, county) -> None:
    html = text(as_user(client, county, "secretary").get(f"/t/jx/orgs/{county.orgs['JX0103']}/panel"))
    assert "<html" not in html and "城关镇3村党支部" in html
    assert "吉县县委 → " not in html and "城关镇党委" in html
    assert "再往上" in html and "吉县县委" in html  # the chain above its receiver
    assert "还没有任职记录" in html


def test_unknown_org_is_404_in_chinese(client, county) -> None:
    r = as_user(client, county, "secretary").get("/t/jx/orgs/999999")
    assert r.status_code == 404 and "找不到该组织" in text(r)


def test_search_by_name_and_code(client, county) -> None:
    # issue 3 item 10: a search box by name/code
    c = as_user(client, county, "secretary")
    html = text(c.get("/t/jx/orgs", query_string={"q": "屯里"}))
    assert "屯里镇党委" in html and "屯里镇1村党支部" in html and "城关镇党委" not in html
    html = text(c.get("/t/jx/orgs", query_string={"q": "JX90"}))
    assert "县直机关工委" in html and "县教育局党总支" in html
    html = text(c.get("/t/jx/orgs", query_string={"q": "%"}))  # LIKE wildcards are literal
    assert "没有找到" in html


# --- reporting relations ------------------------------------------------------------


def test_relations_default_today_top_receiver(client, county) -> None:
    # issue 3 item 10: receivers with their reporters level by level, readable at a glance
    r = as_user(client, county, "secretary").get("/t/jx/relations")
    assert r.status_code == 200
    html = text(r)
    chain = re.sub(r"<[^>]+>", "", html.split('class="sz-chain mb-1">', 1)[1].split("</p>", 1)[0])
    chain = re.sub(r"\s+", " ", chain).strip()
    assert chain.startswith("吉县县委 ← 党委(2)、党工委(1) ← 党支部(7)、党总支(1)")
    assert "共 11 个组织述职" in chain
    assert "第 1 级：直接向 吉县县委 述职" in html and "第 2 级" in html
    assert '城关镇党委</span> <span class="sz-arrow">←</span>' in html


def test_relations_for_a_chosen_receiver(client, county) -> None:
    # issue 3 item 10: a receiver picker; chain_up shows whom it reports to
    c = as_user(client, county, "secretary")
    html = text(c.get("/t/jx/relations", query_string={"receiver": county.orgs["JX01"]}))
    assert "向 城关镇党委 述职的组织" in html
    assert "本身向" in html and "吉县县委</a>" in html
    focus = html.split('id="focus"', 1)[1]
    assert "城关镇1村党支部" in focus and "屯里镇1村党支部" not in focus
    assert f'<option value="{county.orgs["JX01"]}" selected>' in html


def test_relation_group_fragment(client, county) -> None:
    # issue 3 item 10: deeper levels are folded groups whose members load when opened (htmx)
    c = as_user(client, county, "secretary")
    page = text(c.get("/t/jx/relations"))
    url = f"/t/jx/relations/{county.orgs['JX02']}/reporters?on="
    assert f'hx-get="{url}' in page and 'hx-trigger="toggle once"' in page
    html = text(c.get(f"/t/jx/relations/{county.orgs['JX02']}/reporters", query_string={"on": "2024-06-01"}))
    assert "<html" not in html
    assert html.count('class="mb-1"') == 3 and "屯里镇1村党支部" in html and "杨屯一" in html
    level_one = page.split('id="level-1"', 1)[1].split("</ul>", 1)[0]
    assert "下一级 3 个" in level_one  # drill down from a township to its villages
    bad = c.get(f"/t/jx/relations/{county.orgs['JX02']}/reporters", query_string={"on": "yesterday"})
    assert bad.status_code == 400


def test_relations_on_a_day_before_any(client, county) -> None:
    html = text(
        as_user(client, county, "secretary").get("/t/jx/relations", query_string={"on": "2020-05-01"})
    )
    assert "2020-05-01 没有有效的述职关系" in html


def test_relations_bad_date_is_explained(client, county) -> None:
    # bad input: a clear Chinese message, the page still works with today
    r = as_user(client, county, "secretary").get("/t/jx/relations", query_string={"on": "2024-13-45"})
    assert r.status_code == 400
    assert "日期格式不正确" in text(r) and "吉县县委" in text(r)


def test_relations_bad_receiver_is_404(client, county) -> None:
    c = as_user(client, county, "secretary")
    assert c.get("/t/jx/relations", query_string={"receiver": "abc"}).status_code == 404
    assert c.get("/t/jx/relations", query_string={"receiver": "999999"}).status_code == 404


# --- data import ----------------------------------------------------------------------


def upload(client: Any, name: str, data: bytes) -> Any:
    return client.post(
        "/t/jx/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_import_page_has_form_and_template_link(client, county) -> None:
    html = text(as_user(client, county, "admin").get("/t/jx/import"))
    assert 'enctype="multipart/form-data"' in html and 'accept=".xlsx,.csv"' in html
    assert 'href="/t/jx/import/template"' in html


def test_import_template_downloads(client, county) -> None:
    r = as_user(client, county, "admin").get("/t/jx/import/template")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert "attachment" in r.headers["Content-Disposition"]


def test_import_good_file_shows_counts(client, county) -> None:
    # issue 3 item 10: on success the counts
    c = as_user(client, county, "admin")
    r = upload(c, "壶口.xlsx", workbook(GOOD))
    assert r.status_code == 303 and r.headers["Location"] == "/t/jx/import"
    html = text(c.get("/t/jx/import"))
    assert "导入成功：壶口.xlsx" in html
    assert "组织：<strong>2</strong>" in html and "述职关系：<strong>2</strong>" in html
    assert "壶口镇党委" in text(c.get(f"/t/jx/orgs/{county.orgs['JX']}/children"))
    assert "导入成功" not in text(c.get("/t/jx/import"))  # shown once


def test_import_bad_file_lists_row_errors_and_writes_nothing(client, county) -> None:
    # issue 3: import bad input — a table of sheet/row/column/message, nothing written
    c = as_user(client, county, "admin")
    r = upload(c, "bad.xlsx", workbook(BAD))
    assert r.status_code == 422
    html = text(r)
    assert "导入失败" in html and "没有写入任何数据" in html
    table = html.split('id="sz-import-errors"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td></tr>", table)
    assert ("组织", "3", "名称") in [r[:3] for r in rows]
    assert any(r[0] == "组织" and r[1] == "4" and r[2] == "类型" for r in rows)
    assert all(re.search(r"[\u4e00-\u9fff]", r[3]) for r in rows)  # messages in Chinese
    # Nothing half-written: the good row did not land either.
    assert "好的镇党委" not in text(c.get("/t/jx/orgs", query_string={"q": "好的"})).split("查找结果")[1]


def test_import_without_file(client, county) -> None:
    r = as_user(client, county, "admin").post("/t/jx/import", data={}, content_type="multipart/form-data")
    assert r.status_code == 400 and "请先选择要导入的文件" in text(r)


def test_import_wrong_type(client, county) -> None:
    r = upload(as_user(client, county, "admin"), "report.docx", b"PK\x03\x04 not really")
    assert r.status_code == 415 and "只能导入 .xlsx 或 .csv 文件" in text(r)


def test_import_garbage_xlsx(client, county) -> None:
    # hostile input: bytes that are not a workbook get a Chinese message, not a 500
    r = upload(as_user(client, county, "admin"), "fake.xlsx", b"this is not a zip file at all")
    assert r.status_code == 422 and "导入失败" in text(r)


def test_import_too_large_is_413_page(app, client, county) -> None:
    # issue 3 item 10: 413 error page in the layout, with a way back
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        r = upload(as_user(client, county, "admin"), "big.csv", b"a,b\n" * 4096)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert r.status_code == 413
    html = text(r)
    assert "文件太大" in html and "返回上一页" in html and "述职评议考核平台" in html


# --- sign-in, language, landing ---------------------------------------------------------


def test_login_outside_demo_lists_nobody(app, client, county) -> None:
    # issue 3 item 10, issue 4: outside demo mode /login has the password form and no user list
    with demo_mode(app, False):
        r = client.get("/login")
        assert r.status_code == 200
        html = text(r)
        assert 'name="username"' in html and 'name="password"' in html
        assert "组织部王干事" not in html and 'name="user_id"' not in html
        r = client.post("/login", data={"user_id": county.users["admin"]})
        assert r.status_code == 403 and "演示登录只在演示模式下可用" in text(r)
        with client.session_transaction() as sess:
            assert "user_id" not in sess and "sid" not in sess


def test_demo_login_lists_users_by_tenant_with_roles(app, client, county) -> None:
    # issue 3 item 10: demo mode lists demo users ("以…身份登录"), grouped by tenant, with role
    with demo_mode(app):
        html = text(client.get("/login"))
    groups = re.findall(r'<h2 class="card-header h6 mb-0">([^<]+)</h2>', html)
    assert groups == ["别县县委组织部", "吉县县委组织部"]
    assert "以 组织部王干事 身份登录" in html and "以 城关镇李书记 身份登录" in html
    jx = html.split("吉县县委组织部</h2>", 1)[1]
    assert "管理员" in jx and "书记" in jx


def test_demo_login_goes_to_first_tenant_dashboard(app, client, county) -> None:
    # issue 3 item 10: after sign-in, the user's first tenant; issue 7 item 7: its first page
    # is the role's dashboard (a secretary's own steps)
    with demo_mode(app):
        r = client.post("/login", data={"user_id": county.users["secretary"]})
        assert r.status_code == 302 and r.headers["Location"] == "/t/jx/my/steps"
        assert client.get("/").headers["Location"] == "/t/jx/my/steps"


def test_demo_login_honours_next_but_not_other_sites(app, client, county) -> None:
    with demo_mode(app):
        r = client.post("/login", data={"user_id": county.users["admin"], "next": "/t/jx/relations"})
        assert r.headers["Location"] == "/t/jx/relations"
        for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            r = client.post("/login", data={"user_id": county.users["admin"], "next": evil})
            assert r.headers["Location"] == "/t/jx/campaigns", evil  # the admin's dashboard


def test_demo_login_rejects_unknown_user(app, client, county) -> None:
    with demo_mode(app):
        for bad in ("999999", "abc", ""):
            r = client.post("/login", data={"user_id": bad})
            assert r.status_code == 400 and "找不到该用户" in text(r)


def test_platform_admin_lands_on_tenant_list(app, client, county) -> None:
    # issue 3 item 10: a platform admin goes to a tenant list
    from shuzhi.db import db
    from shuzhi.tenancy import service
    from shuzhi.tenancy.scope import scoped

    with app.app_context(), scoped(db.session, platform=True):
        root = service.upsert_user(
            db.session, username="root", display_name="平台管理员甲", is_platform_admin=True
        )
        db.session.commit()
        root_id = root.id
    with demo_mode(app):
        r = client.post("/login", data={"user_id": root_id})
    assert r.headers["Location"] == "/tenants"
    html = text(client.get("/tenants"))
    assert "吉县县委组织部" in html and "别县县委组织部" in html
    assert 'href="/t/jx/campaigns"' in html  # the admin's dashboard
    # and may open a tenant it has no membership in, as its admin
    assert "数据导入" in nav_labels(text(client.get("/t/jx/orgs")))


def test_tenant_list_is_for_platform_admins_only(client, county) -> None:
    assert as_user(client, county, "admin").get("/tenants").status_code == 403


def test_user_without_tenant(app, client) -> None:
    from shuzhi.db import db
    from shuzhi.tenancy import service
    from shuzhi.tenancy.scope import scoped

    with app.app_context(), scoped(db.session, platform=True):
        user = service.upsert_user(db.session, username="loner", display_name="无单位者")
        db.session.commit()
        user_id = user.id
    login(client, user_id)
    r = client.get("/")
    assert r.headers["Location"] == "/welcome"
    assert "您还没有加入任何单位" in text(client.get("/welcome"))


def test_tenant_root_opens_its_first_page(client, county) -> None:
    assert as_user(client, county, "secretary").get("/t/jx/").headers["Location"] == "/t/jx/my/steps"
    assert as_user(client, county, "outsider").get("/t/jx/").status_code == 404


def test_index_sends_anonymous_to_login(client) -> None:
    # issue 3 item 10: others go to /login
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"] == "/login"


def test_logout_clears_session(client, county) -> None:
    # issue 3 item 10: sign out clears the session; the chosen language stays
    c = as_user(client, county, "admin")
    with c.session_transaction() as sess:
        sess["locale"] = "en"
    r = c.post("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    with c.session_transaction() as sess:
        assert dict(sess) == {"locale": "en"}
    assert c.get("/t/jx/orgs").status_code == 302
    assert c.get("/logout").status_code == 405  # sign-out is a POST form only


def test_language_switch_stores_locale(client, county) -> None:
    # issue 3 item 10: 中文 / English switch stored in session["locale"]
    c = as_user(client, county, "admin")
    r = c.post("/locale", data={"lang": "en", "next": "/t/jx/relations"})
    assert r.status_code == 302 and r.headers["Location"] == "/t/jx/relations"
    with c.session_transaction() as sess:
        assert sess["locale"] == "en"
    assert '<html lang="en">' in text(c.get("/t/jx/orgs"))
    c.post("/locale", data={"lang": "fr"})  # unknown languages are ignored
    with c.session_transaction() as sess:
        assert sess["locale"] == "en"
    c.post("/locale", data={"lang": "zh", "next": "https://evil.example/"})
    assert '<html lang="zh">' in text(c.get("/t/jx/orgs"))


# --- error pages ---------------------------------------------------------------------------


def test_unknown_page_404_in_layout(client) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    html = text(r)
    assert "找不到该页面" in html and "述职评议考核平台" in html and 'href="/"' in html


def test_500_page_in_chinese(app) -> None:
    # issue 3 item 10: an unexpected error gets a Chinese 500 page in the layout, with a way back
    from shuzhi.extensions import api

    with app.test_request_context("/t/jx/orgs"):
        body, code, _headers = api.handle_unexpected(RuntimeError("kaputt"))
    assert code == 500
    assert "系统出错了" in body and "回到首页" in body and "述职评议考核平台" in body
    assert "kaputt" not in body
