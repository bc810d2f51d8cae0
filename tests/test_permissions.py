"""Roles, permissions and org scope (issue 4 item 4): one table, one check.

The county of tests/browser/seed.py, plus a 包片领导 (reviewer) for 城关镇
and the secretaries of 城关镇 and of its first village, each limited to their
orgs by the membership's ``org_ids``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask import render_template_string
from sqlalchemy import event, select

from shuzhi.auth.permissions import (
    EVALUATOR,
    PERM_LABELS,
    PLATFORM_ADMIN,
    ROLE_PERMISSIONS,
    TOKEN_GRANTABLE,
    Evaluator,
    Perm,
    Scope,
    allowed_orgs,
    can,
    org_condition,
    permissions_of_roles,
)
from shuzhi.db import db
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org, OrgKind
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, Tenant, User
from shuzhi.tenancy.scope import scoped
from tests.browser.seed import County, seed_county
from tests.conftest import build_app, login


@dataclass
class World:
    county: County
    users: dict[str, int]


@pytest.fixture
def world(app) -> World:
    county = seed_county(app, "jx")
    users = dict(county.users)
    with app.app_context(), scoped(db.session, platform=True):
        tenant = tenancy.get_tenant(db.session, "jx")
        people = {
            # 包片领导 of 城关镇: reviews 城关镇 and its villages
            "reviewer": (Role.REVIEWER, [county.orgs["JX01"]]),
            # 城关镇党委书记: writes 城关镇's own report only
            "town_secretary": (Role.SECRETARY, [county.orgs["JX01"]]),
            "village_secretary": (Role.SECRETARY, [county.orgs["JX0101"]]),
            "observer": (Role.OBSERVER, []),
        }
        for key, (role, org_ids) in people.items():
            user = tenancy.upsert_user(db.session, username=f"jx-{key}", display_name=key)
            tenancy.grant(db.session, tenant, user, role, org_ids)
            users[key] = user.id
        root = tenancy.upsert_user(db.session, username="root", display_name="平台", is_platform_admin=True)
        users["platform"] = root.id
        db.session.commit()
    return World(county, users)


@contextmanager
def acting(app, world: World, who: str) -> Iterator[tuple[User, Tenant]]:
    """An app context scoped to the county, with the user ``who`` loaded."""
    with app.test_request_context("/"), scoped(db.session, platform=True):
        user = db.session.get(User, world.users[who])
        tenant = tenancy.get_tenant(db.session, "jx")
        with scoped(db.session, tenant_id=tenant.id, user_id=user.id):
            yield user, tenant


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    counter = QueryCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


# --- the table ---------------------------------------------------------------------


def test_every_permission_has_a_chinese_label() -> None:
    # issue 4: the 403 message and the docs name permissions in Chinese
    assert set(PERM_LABELS) == set(Perm)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(label)) for label in PERM_LABELS.values())


def test_table_covers_the_six_kinds_of_user() -> None:
    # issue 4: platform admin, tenant admin, reviewer, secretary, observer, evaluator
    assert set(ROLE_PERMISSIONS) == {PLATFORM_ADMIN, EVALUATOR, *Role}
    admin = ROLE_PERMISSIONS[Role.TENANT_ADMIN]
    assert set(admin) < set(ROLE_PERMISSIONS[PLATFORM_ADMIN])
    assert Perm.TENANTS_MANAGE in ROLE_PERMISSIONS[PLATFORM_ADMIN] and Perm.TENANTS_MANAGE not in admin
    # the evaluator (a ballot token, no account) may cast ballots and nothing else
    assert ROLE_PERMISSIONS[EVALUATOR] == {Perm.BALLOTS_CAST: Scope.TENANT}
    # reviewers act on subtrees, secretaries on their own orgs
    assert ROLE_PERMISSIONS[Role.REVIEWER][Perm.REPORTS_REVIEW] is Scope.SUBTREE
    assert ROLE_PERMISSIONS[Role.SECRETARY][Perm.REPORTS_WRITE_OWN] is Scope.OWN
    # every member reads the org tree; only admins write it
    for role in Role:
        assert ROLE_PERMISSIONS[role][Perm.ORGS_READ] is Scope.TENANT
        assert (Perm.ORGS_WRITE in ROLE_PERMISSIONS[role]) == (role is Role.TENANT_ADMIN)
    # a token can never mint tokens
    assert Perm.TOKENS_MANAGE not in TOKEN_GRANTABLE and set(TOKEN_GRANTABLE) < set(admin)


def test_user_guide_table_is_the_code_table() -> None:
    # issue 4 item 4: docs/user-guide.md's role table says what ROLE_PERMISSIONS says
    from pathlib import Path

    guide = (Path(__file__).resolve().parent.parent / "docs" / "user-guide.md").read_text(encoding="utf-8")
    columns = [PLATFORM_ADMIN, Role.TENANT_ADMIN, Role.REVIEWER, Role.SECRETARY, Role.OBSERVER, EVALUATOR]
    marks = {Scope.TENANT: "✓", Scope.SUBTREE: "负责范围", Scope.OWN: "本组织"}
    documented = {}
    for line in guide.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[1].startswith("`"):
            documented[cells[1].strip("`")] = cells[2:]
    assert set(documented) == {p.value for p in Perm}
    for perm in Perm:
        expected = [marks[ROLE_PERMISSIONS[r][perm]] if perm in ROLE_PERMISSIONS[r] else "—" for r in columns]
        assert documented[perm.value] == expected, perm


def test_require_role_means_the_permissions_the_roles_share() -> None:
    # issue 4: require_role's internals are the permission check
    assert permissions_of_roles(tuple(Role)) == (Perm.TENANT_READ, Perm.ORGS_READ)
    assert set(permissions_of_roles([Role.TENANT_ADMIN])) == set(ROLE_PERMISSIONS[Role.TENANT_ADMIN])


# --- can(): roles and org scope -----------------------------------------------------


ROLE_MATRIX = [
    # (who, permission, allowed anywhere in the tenant)
    ("admin", Perm.ORGS_WRITE, True),
    ("admin", Perm.AUDIT_READ, True),
    ("admin", Perm.REPORTS_WRITE_OWN, False),  # admins don't write secretaries' reports
    ("reviewer", Perm.ORGS_READ, True),
    ("reviewer", Perm.ORGS_WRITE, False),
    ("reviewer", Perm.REPORTS_REVIEW, True),
    ("reviewer", Perm.AUDIT_READ, False),
    ("town_secretary", Perm.REPORTS_WRITE_OWN, True),
    ("town_secretary", Perm.REPORTS_REVIEW, False),
    ("town_secretary", Perm.IMPORT_RUN, False),
    ("town_secretary", Perm.MEMBERS_MANAGE, False),
    ("observer", Perm.REPORTS_READ, True),
    ("observer", Perm.REPORTS_WRITE_OWN, False),
    ("observer", Perm.ORGS_WRITE, False),
    ("platform", Perm.AUDIT_READ, True),  # a platform admin acts as any tenant's admin
    ("outsider", Perm.ORGS_READ, False),  # another tenant's admin: nothing here
]


@pytest.mark.parametrize(("who", "perm", "expected"), ROLE_MATRIX)
def test_role_matrix(app, world, who: str, perm: Perm, expected: bool) -> None:
    # issue 4 item 4: role → permission
    with acting(app, world, who) as (user, tenant):
        assert can(user, perm, tenant) is expected


SCOPE_MATRIX = [
    # (who, permission, org code, allowed)
    ("reviewer", Perm.REPORTS_REVIEW, "JX01", True),  # their area
    ("reviewer", Perm.REPORTS_REVIEW, "JX0101", True),  # a village of their area
    ("reviewer", Perm.REPORTS_REVIEW, "JX0103", True),
    ("reviewer", Perm.REPORTS_REVIEW, "JX0201", False),  # a village of another township
    ("reviewer", Perm.REPORTS_REVIEW, "JX02", False),
    ("reviewer", Perm.REPORTS_REVIEW, "JX", False),  # the county above them
    ("reviewer", Perm.GRADES_PROPOSE, "JX0102", True),
    ("town_secretary", Perm.REPORTS_WRITE_OWN, "JX01", True),  # their own org
    ("town_secretary", Perm.REPORTS_WRITE_OWN, "JX0101", False),  # not the villages' reports
    ("village_secretary", Perm.REPORTS_WRITE_OWN, "JX0101", True),
    ("village_secretary", Perm.REPORTS_WRITE_OWN, "JX0102", False),
    ("village_secretary", Perm.REPORTS_READ, "JX01", False),
    ("admin", Perm.REPORTS_REVIEW, "JX0203", True),  # tenant-wide
    ("observer", Perm.REPORTS_READ, "JX9002", True),
]


@pytest.mark.parametrize(("who", "perm", "code", "expected"), SCOPE_MATRIX)
def test_org_scope_matrix(app, world, who: str, perm: Perm, code: str, expected: bool) -> None:
    # issue 4 item 4: reviewers act on their orgs' subtrees, secretaries on their own org
    org_id = world.county.orgs[code]
    with acting(app, world, who) as (user, tenant):
        org = db.session.get(Org, org_id)
        assert can(user, perm, tenant, org) is expected
        assert can(user, perm, tenant, org_id) is expected  # by id too


def test_scope_follows_a_move(app, world) -> None:
    # issue 4 item 4: scope is by path, read at check time: a village moved into
    # the reviewer's township is theirs to review from then on
    moved = world.county.orgs["JX0201"]
    with acting(app, world, "reviewer") as (user, tenant):
        assert not can(user, Perm.REPORTS_REVIEW, tenant, moved)
    with app.app_context(), scoped(db.session, tenant_id=world.county.tenant_id):
        orgs.move_org(db.session, db.session.get(Org, moved), world.county.orgs["JX01"])
        db.session.commit()
    with acting(app, world, "reviewer") as (user, tenant):
        assert can(user, Perm.REPORTS_REVIEW, tenant, moved)


def test_another_tenants_org_is_never_in_scope(app, world, make_tenant) -> None:
    # issue 4: an Org object of another tenant fails the check, even for tenant-wide permissions
    other = make_tenant("jx-else")
    with app.app_context(), scoped(db.session, tenant_id=other["id"]):
        foreign = orgs.create_org(db.session, code="JX01", name="别处", kind=OrgKind.COMMITTEE).id
        db.session.commit()
    with acting(app, world, "admin") as (user, tenant):
        with scoped(db.session, tenant_id=other["id"]):
            org = db.session.get(Org, foreign)
        assert not can(user, Perm.ORGS_WRITE, tenant, org)
        assert not can(user, Perm.ORGS_WRITE, tenant, foreign)  # not found in this tenant
    with acting(app, world, "reviewer") as (user, tenant):
        assert not can(user, Perm.REPORTS_REVIEW, tenant, foreign)


def test_scope_checks_cost_two_queries_whatever_the_number_of_orgs(app, world) -> None:
    # issue 4 item 4: no N+1 — memberships once, scope paths once, then memory
    with acting(app, world, "reviewer") as (user, tenant):
        all_orgs = list(db.session.scalars(select(Org)))
        assert len(all_orgs) == 12
        with counting_queries() as queries:
            verdicts = {o.id: can(user, Perm.REPORTS_REVIEW, tenant, o) for o in all_orgs}
            mine = allowed_orgs(user, Perm.REPORTS_REVIEW, tenant, all_orgs)
        assert queries.count <= 2
        area = {world.county.orgs[c] for c in ("JX01", "JX0101", "JX0102", "JX0103")}
        assert {i for i, ok in verdicts.items() if ok} == area
        assert {o.id for o in mine} == area


def test_org_condition_selects_the_scope_in_sql(app, world) -> None:
    # issue 4 item 4: listings filter by scope in the query, not org by org
    expected = {
        "reviewer": {"JX01", "JX0101", "JX0102", "JX0103"},
        "town_secretary": {"JX01"},
        "observer": set(world.county.orgs),
        "outsider": set(),
    }
    perm = {"reviewer": Perm.REPORTS_REVIEW, "town_secretary": Perm.REPORTS_WRITE_OWN}
    for who, codes in expected.items():
        with acting(app, world, who) as (user, tenant):
            cond = org_condition(user, perm.get(who, Perm.REPORTS_READ), tenant)
            found = set(db.session.scalars(select(Org.code).where(cond)))
            assert found == codes, who


def test_platform_level_permission_needs_no_tenant(app, world) -> None:
    # issue 4: tenants.manage is the platform admin's, with or without a tenant
    with acting(app, world, "platform") as (root, tenant):
        assert can(root, Perm.TENANTS_MANAGE, None)
        assert can(root, Perm.TENANTS_MANAGE, tenant)
    with acting(app, world, "admin") as (admin, tenant):
        assert not can(admin, Perm.TENANTS_MANAGE, None)
        assert not can(admin, Perm.TENANTS_MANAGE, tenant)
        assert not can(None, Perm.ORGS_READ, tenant)


def test_evaluator_casts_ballots_in_its_tenant_only(app, world, make_tenant) -> None:
    # issue 4: the evaluator has no account; the ballots room hands it to can()
    other = make_tenant("jx-else")
    voter = Evaluator(tenant_id=world.county.tenant_id)
    assert can(voter, Perm.BALLOTS_CAST, world.county.tenant_id)
    assert not can(voter, Perm.BALLOTS_CAST, other["id"])
    assert not can(voter, Perm.ORGS_READ, world.county.tenant_id)
    assert not can(voter, Perm.REPORTS_READ, world.county.tenant_id, world.county.orgs["JX01"])


def test_inactive_user_can_nothing(app, world) -> None:
    # issue 4: a deactivated account loses every permission at once
    with app.app_context(), scoped(db.session, platform=True):
        db.session.get(User, world.users["admin"]).active = False
        db.session.commit()
    with acting(app, world, "admin") as (user, tenant):
        assert not can(user, Perm.ORGS_READ, tenant)


def test_jinja_global_shows_and_hides_actions(app, client, world) -> None:
    # issue 4 item 4: the portal asks the same check through the template global can(...)
    template = "{% if can('orgs.write') %}W{% endif %}{% if can('reports.review', org) %}R{% endif %}"
    for who, expected in [("admin", "WR"), ("reviewer", "R"), ("town_secretary", ""), ("observer", "")]:
        with acting(app, world, who) as (user, tenant):
            from flask import g

            g.user, g.tenant = user, tenant
            org = db.session.get(Org, world.county.orgs["JX0102"])
            assert render_template_string(template, org=org) == expected, who


# --- through HTTP -------------------------------------------------------------------


@pytest.fixture(scope="module")
def probe_app(scratch_db, tmp_path_factory):
    """The app with two routes a later room will have: review an org's report (org-scoped)."""
    from shuzhi.auth.permissions import require as req

    app = build_app(scratch_db, tmp_path_factory.mktemp("probe"))

    @app.post("/t/<tenant>/probe/review/<int:org_id>")
    @req(Perm.REPORTS_REVIEW, org_arg="org_id")
    def probe_review(tenant: str, org_id: int) -> str:
        return "reviewed"

    @app.post("/api/v1/tenants/<tenant>/probe/review/<int:org_id>")
    @req(Perm.REPORTS_REVIEW, org_arg="org_id")
    def probe_review_api(tenant: str, org_id: int) -> dict[str, str]:
        return {"ok": "reviewed"}

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_reviewer_inside_scope_allowed_outside_forbidden(probe_app, world) -> None:
    # issue 4 item 4: a 包片领导 reviews only the villages of their area
    client = probe_app.test_client()
    login(client, world.users["reviewer"])
    inside, outside = world.county.orgs["JX0102"], world.county.orgs["JX0202"]
    assert client.post(f"/t/jx/probe/review/{inside}").get_data(as_text=True) == "reviewed"
    assert client.post(f"/api/v1/tenants/jx/probe/review/{inside}").get_json() == {"ok": "reviewed"}
    r = client.post(f"/api/v1/tenants/jx/probe/review/{outside}")
    assert r.status_code == 403
    assert r.get_json()["message"] == "该组织不在您负责的范围内，不能执行“审阅述职报告（退回、通过、点评）”。"
    r = client.post(f"/t/jx/probe/review/{outside}")
    assert r.status_code == 403 and "该组织不在您负责的范围内" in r.get_data(as_text=True)


def test_another_tenants_org_in_an_org_scoped_route_is_404(probe_app, world, make_tenant) -> None:
    # issue 4 item 4: a resource in another tenant is 404, even where the scope check comes first
    other = make_tenant("jx-else")
    with probe_app.app_context(), scoped(db.session, tenant_id=other["id"]):
        foreign = orgs.create_org(db.session, code="Z", name="别处", kind=OrgKind.COMMITTEE).id
        db.session.commit()
    client = probe_app.test_client()
    for who in ("reviewer", "admin"):
        login(client, world.users[who])
        r = client.post(f"/api/v1/tenants/jx/probe/review/{foreign}")
        assert r.status_code == 404 and r.get_json()["message"] == "找不到该组织。"


def test_secretary_trying_a_reviewers_action_is_403(probe_app, world) -> None:
    # issue 4 item 4: secretaries don't review, not even their own org
    client = probe_app.test_client()
    login(client, world.users["town_secretary"])
    r = client.post(f"/api/v1/tenants/jx/probe/review/{world.county.orgs['JX01']}")
    assert r.status_code == 403
    assert r.get_json() == {
        "code": 403,
        "status": "Forbidden",
        "message": "您没有“审阅述职报告（退回、通过、点评）”的权限。",
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/tenants/jx/orgs", {"code": "X1", "name": "新党支部", "kind": "branch"}),
        ("patch", "/api/v1/tenants/jx/orgs/{JX0101}", {"name": "改名"}),
        ("delete", "/api/v1/tenants/jx/orgs/{JX0103}", None),
        ("post", "/api/v1/tenants/jx/orgs/{JX0103}/move", {"parent_id": None}),
        ("post", "/api/v1/tenants/jx/people", {"code": "P9", "name": "某人"}),
        ("post", "/api/v1/tenants/jx/import", None),
        ("patch", "/api/v1/tenants/jx", {"name": "改名"}),
        ("get", "/api/v1/tenants/jx/audit/events", None),
        ("get", "/api/v1/tenants/jx/tokens", None),
        ("post", "/api/v1/tenants/jx/tokens", {"name": "x", "scopes": ["orgs.read"]}),
    ],
)
@pytest.mark.parametrize("who", ["town_secretary", "reviewer", "observer"])
def test_members_trying_admin_actions_get_403_and_nothing_changes(
    app, client, world, who: str, method: str, path: str, body: Any
) -> None:
    # issue 4 item 4: write/import/audit/tokens are the tenant admin's; 403 in the one error shape
    login(client, world.users[who])
    url = path.format(**world.county.orgs)
    before = _snapshot(app, world)
    r = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
    assert r.status_code == 403, (who, url, r.get_json())
    assert set(r.get_json()) == {"code", "status", "message"}
    assert r.get_json()["message"].startswith("您没有“")
    assert _snapshot(app, world) == before


@pytest.mark.parametrize(
    "path",
    ["/t/jx/import", "/t/jx/import/template", "/t/jx/audit", "/t/jx/audit/export", "/t/jx/settings/tokens"],
)
def test_portal_admin_pages_are_403_pages_for_a_secretary(client, world, path: str) -> None:
    # issue 4 item 4: the portal answers the same check with the HTML error page
    login(client, world.users["village_secretary"])
    r = client.get(path)
    assert r.status_code == 403
    html = r.get_data(as_text=True)
    assert "没有权限" in html and "您没有“" in html


def test_members_read_the_tree(client, world) -> None:
    # issue 4 item 4: read is any member's
    for who in ("town_secretary", "reviewer", "observer", "admin"):
        login(client, world.users[who])
        assert client.get("/api/v1/tenants/jx/orgs").status_code == 200
        assert client.get("/t/jx/orgs").status_code == 200


def _snapshot(app, world) -> list[tuple[Any, ...]]:
    with app.app_context(), scoped(db.session, tenant_id=world.county.tenant_id):
        rows = db.session.execute(select(Org.id, Org.name, Org.path).order_by(Org.id)).all()
        tenant = db.session.get(Tenant, world.county.tenant_id)
        return [tuple(r) for r in rows] + [(tenant.name,)]
