"""The cross-tenant route matrix (issue 4): every route that takes ``<tenant>``,
API and portal, every method, called by tenant A with tenant B's slug and with
tenant B's object ids in A's URLs and bodies. The answer is 403 or 404, never a
2xx carrying B's data, never a 500, and B's data is unchanged afterwards.

The routes come from the app's url_map, so a new route joins the matrix by
existing; a route with a path argument the matrix does not know fails
:func:`test_every_tenant_route_is_in_the_matrix` until an id maker is added.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from shuzhi.audit.models import AuditEvent
from shuzhi.auth import tokens as token_service
from shuzhi.auth.permissions import TOKEN_GRANTABLE
from shuzhi.auth.token_models import ApiToken
from shuzhi.db import db
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org, OrgKind, Person, Post, ReportingRelation
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, User
from shuzhi.tenancy.scope import scoped
from tests.conftest import login

#: Text only tenant B's data contains: no response to A may carry it.
SECRET = "乙县机密"
SKIP_METHODS = {"HEAD", "OPTIONS"}


@dataclass
class Side:
    slug: str
    tenant_id: int
    admin_id: int
    ids: dict[str, int] = field(default_factory=dict)
    token: str = ""


@dataclass
class Matrix:
    a: Side
    b: Side


def _seed_side(app: Any, make_tenant: Any, slug: str, marker: str) -> Side:
    info = make_tenant(slug)
    side = Side(slug, info["id"], info["user_id"])
    with app.test_request_context("/"):  # an invitation builds its link with url_for
        with scoped(db.session, tenant_id=side.tenant_id, user_id=side.admin_id):
            s = db.session
            root = orgs.create_org(s, code="R", name=f"{marker}县委", kind=OrgKind.COMMITTEE)
            town = orgs.create_org(
                s, code="T", name=f"{marker}镇党委", kind=OrgKind.COMMITTEE, parent_id=root.id
            )
            person = orgs.upsert_person(s, code="P1", name=f"{marker}书记")
            post = orgs.create_post(s, person_id=person.id, org_id=town.id, start_date=date(2023, 1, 1))
            rel = orgs.add_relation(s, reporter_id=town.id, receiver_id=root.id, valid_from=date(2023, 1, 1))
            creator = s.get(User, side.admin_id)
            tenant = tenancy.get_tenant(s, slug)
            new = token_service.create_token(
                s,
                tenant=tenant,
                creator=creator,
                name=f"{marker}令牌",
                scopes=[p.value for p in TOKEN_GRANTABLE],
            )
            s.commit()
            event = s.scalar(select(AuditEvent.id).order_by(AuditEvent.seq.desc()))
            side.ids = {
                "org": town.id,
                "root": root.id,
                "person": person.id,
                "post": post.id,
                "relation": rel.id,
                "audit_event": event,
                "token": new.token.id,
                "user": side.admin_id,
            }
            side.token = new.secret
            for kind, maker in OPTIONAL_MAKERS.items():
                made = maker(side, tenant, creator)
                if made is not None:
                    side.ids[kind] = made
            s.commit()
        db.session.remove()
    return side


def _invitation(side: Side, tenant: Any, creator: User) -> int | None:
    try:
        from shuzhi.accounts import service as accounts
    except ImportError:  # the accounts room is not installed
        return None
    invitation, _link = accounts.create_invitation(
        tenant, creator, f"new@{side.slug}.example.cn", Role.OBSERVER, []
    )
    return invitation.id


def _campaign(side: Side, tenant: Any, creator: User) -> int | None:
    """A campaign of the tenant (the cycle engine's), with its reviews and reporters."""
    try:
        from shuzhi.cycles import access
        from shuzhi.cycles import service as cycles
    except ImportError:  # the cycles room is not installed
        return None
    s = db.session
    tenancy.update_tenant(s, tenant, policy_name="jixian")
    campaign = cycles.open_campaign(s, access.operator("matrix"), year=2023, today=date(2023, 12, 1))
    review = cycles.root_review(s, campaign)
    side.ids["review"] = review.id
    side.ids["reporter"] = cycles.review_reporters(s, review)[0].id
    return campaign.id


def _draw(side: Side, tenant: Any, creator: User) -> int | None:
    """An on-site selection of the tenant's campaign (the meetings room's), prepared."""
    try:
        from shuzhi.cycles import access
        from shuzhi.cycles import service as cycles
        from shuzhi.meetings import service as meetings
    except ImportError:  # the meetings room is not installed
        return None
    campaign = cycles.campaign_for_year(db.session, 2023)
    if campaign is None:
        return None
    return meetings.prepare(db.session, access.operator("matrix"), campaign).id


def _report(side: Side, tenant: Any, creator: User) -> int | None:
    """The reporter's report (the reports room's): a draft, a scan attached, a member invited."""
    try:
        from shuzhi.reports import service as reports
        from shuzhi.reports.access import Actor
    except ImportError:  # the reports room is not installed
        return None
    if "reporter" not in side.ids:
        return None
    s = db.session
    from shuzhi.cycles import service as cycles

    who = Actor("matrix", operator=True)
    report = reports.get_or_create_report(s, cycles.get_reporter(s, side.ids["reporter"]))
    reports.save_draft(s, report, "一、主要做法\n矩阵的草稿。", user=who)
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    side.ids["attachment"] = reports.add_attachment(
        s, report, user=who, kind="scan", filename="a.pdf", data=pdf
    ).id
    side.ids["report_member"] = reports.add_member(
        s, report, user=who, member_user_id=side.admin_id, role="reviewer"
    ).id
    return report.id


def _prework(side: Side, tenant: Any, creator: User) -> int | None:
    """The campaign's pre-meeting work: a verification group charged with an on-site reporter,
    a filed plan (GH-04, YZ-06); returns the group's id."""
    try:
        from shuzhi.cycles import access, prework
        from shuzhi.cycles import service as cycles
        from shuzhi.cycles.models import GroupKind, Mode
    except ImportError:  # the cycles room (or its pre-meeting work) is not installed
        return None
    if "reporter" not in side.ids:
        return None
    s, op = db.session, access.operator("matrix")
    campaign = cycles.campaign_for_year(s, 2023)
    reporter = cycles.get_reporter(s, side.ids["reporter"])
    cycles.set_mode(s, op, reporter, Mode.ONSITE, reason="矩阵")
    group = prework.create_group(s, op, campaign, kind=GroupKind.VERIFICATION, name="矩阵核查组")
    side.ids["group_assignment"] = prework.assign_reporter(s, op, group, reporter).id
    side.ids["plan_filing"] = prework.file_plan(
        s, op, campaign, filed_with="矩阵", filed_on=date(2023, 12, 1), document=b"x", document_name="a.txt"
    ).id
    return group.id


def _rectification(side: Side, tenant: Any, creator: User) -> int | None:
    """A rectification item of the org's last year (the rectification room's, CO-05)."""
    try:
        from shuzhi.cycles import access
        from shuzhi.rectification import service as rectification
    except ImportError:  # the rectification room is not installed
        return None
    return rectification.add_item(
        db.session, access.operator("matrix"), org_id=side.ids["org"], year=2022, problem="矩阵的问题"
    ).id


#: Objects of rooms that may or may not be installed: made when they are (in this order).
OPTIONAL_MAKERS: dict[str, Callable[[Side, Any, User], int | None]] = {
    "invitation": _invitation,
    "campaign": _campaign,
    "work_group": _prework,
    "report": _report,
    "draw": _draw,
    "rectification_item": _rectification,
}


@pytest.fixture
def matrix(app, make_tenant) -> Matrix:
    a = _seed_side(app, make_tenant, "mat-a", "甲县")
    b = _seed_side(app, make_tenant, "mat-b", SECRET)
    # B also has a member who belongs to B only (for routes naming users).
    with app.app_context(), scoped(db.session, platform=True):
        user = tenancy.upsert_user(db.session, username="mat-b-secretary", display_name=f"{SECRET}书记")
        tenancy.grant(db.session, tenancy.get_tenant(db.session, "mat-b"), user, Role.SECRETARY)
        db.session.commit()
        b.ids["member"] = user.id
    return Matrix(a, b)


#: Path argument name -> which of B's objects fills it. ``None``: not a
#: tenant object (any value will do for the B-slug pass; no B-id pass).
ARG_KINDS: dict[str, str | None] = {
    "org_id": "org",
    "person_id": "person",
    "post_id": "post",
    "relation_id": "relation",
    "event_id": "audit_event",
    "token_id": "token",
    "user_id": "member",
    "invitation_id": "invitation",
    "campaign_id": "campaign",
    "review_id": "review",
    "reporter_id": "reporter",
    "report_id": "report",
    "attachment_id": "attachment",
    "member_id": "report_member",
    "number": None,  # a version's number within a report (the report is the tenant's object)
    "draw_id": "draw",
    "group_id": "work_group",
    "assignment_id": "group_assignment",
    "filing_id": "plan_filing",
    "item_id": "rectification_item",
    "name": None,  # a policy's name: global, not the tenant's
    "key": None,  # a deadline's key within a campaign (the campaign is the tenant's object)
}
NEUTRAL = {"name": "common", "key": "report", "number": 1}

#: Query strings a route needs so that validation passes and the lookup decides.
QUERIES: dict[str, str] = {
    "orgs.PostTenure": "start=2024-01-01&end=2024-12-31",
    "reports.ReportDiff": "from=1&to=1",
    "report_review.diff": "from=1&to=1",
}


def _bodies(m: Matrix) -> dict[tuple[str, str], Any]:
    """A plausible body per (endpoint, method), so the request reaches the tenant checks."""
    a = m.a.ids
    return {
        ("orgs.Orgs", "POST"): {"code": "NEW", "name": "新组织", "kind": "branch", "parent_id": a["root"]},
        ("orgs.OrgItem", "PATCH"): {"name": "改名"},
        ("orgs.OrgMove", "POST"): {"parent_id": a["root"]},
        ("orgs.People", "POST"): {"code": "NEWP", "name": "新人"},
        ("orgs.Posts", "POST"): {"person_id": a["person"], "org_id": a["root"], "start_date": "2024-01-01"},
        ("orgs.Relations", "POST"): {
            "reporter_id": a["root"],
            "receiver_id": a["org"],
            "valid_from": "2024-01-01",
        },
        ("tenants.TenantItem", "PATCH"): {"name": "改名"},
        ("tokens.Tokens", "POST"): {"name": "新令牌", "scopes": ["orgs.read"]},
        ("tokens_portal.create", "POST"): {"name": "新令牌", "scopes": "orgs.read"},
        ("cycles.CampaignDeadline", "PATCH"): {"deadline": None, "reason": "矩阵"},
        ("cycles.ReviewItem", "PATCH"): {"meeting_date": None},
        ("cycles.ReviewTransition", "POST"): {"to": "research", "reason": "矩阵"},
        ("cycles.ReporterTransition", "POST"): {"to": "research", "reason": "矩阵"},
        ("cycles.ReporterMode", "PUT"): {"mode": "written", "reason": "矩阵"},
        ("cycles.ReporterExtensions", "POST"): {"step": "drafting", "until": "2024-01-31", "reason": "矩阵"},
        ("reports.ReportDraft", "PUT"): {"text": "矩阵"},
        ("reports.ReportTopics", "PUT"): {"topics": ["矩阵"]},
        ("reports.ReportAttestation", "PUT"): {"name": "矩阵"},
        ("reports.ReportReturn", "POST"): {"note": "矩阵"},
        ("reports.ReportComments", "POST"): {"body": "矩阵", "paragraph": 0},
        ("reports.ReportMembers", "POST"): {"user_id": a["user"], "role": "reviewer"},
        ("report_review.comment", "POST"): {"body": "矩阵", "paragraph": "0"},
        ("report_review.return_", "POST"): {"note": "矩阵"},
        ("cycles.Visits", "POST"): {
            "reporter_id": a["reporter"],
            "visited_on": "2023-12-01",
            "visitors": "矩阵",
            "findings": "矩阵",
        },
        ("cycles.Groups", "POST"): {"kind": "guidance", "name": "矩阵"},
        ("cycles.GroupAssignments", "POST"): {"reporter_id": a["reporter"]},
        ("cycles.AssignmentComment", "PUT"): {"comment": "矩阵"},
        ("cycles_prework.add_visit", "POST"): {
            "reporter_id": str(a["reporter"]),
            "visited_on": "2023-12-01",
            "visitors": "矩阵",
            "findings": "矩阵",
        },
        ("cycles_prework.add_group", "POST"): {"kind": "guidance", "name": "矩阵"},
        ("cycles_prework.assign", "POST"): {"reporter_id": str(a["reporter"])},
        ("cycles_prework.comment", "POST"): {"comment": "矩阵"},
        ("cycles_prework.add_filing", "POST"): {"filed_with": "矩阵", "filed_on": "2023-12-01"},
        ("meetings.DrawRun", "POST"): {"public_input": "7"},
        ("meetings.DrawWitnesses", "POST"): {"name": "矩阵", "role": "党代表"},
        ("meetings.DrawNamed", "PUT"): {"keys": ["R"], "decision": "矩阵"},
        ("meetings.DrawRedecide", "POST"): {"reason": "矩阵"},
        ("meetings.OnsiteHistory", "POST"): {"org_id": a["org"], "year": 2020},
        ("meetings_portal.witness", "POST"): {"name": "矩阵", "role": "党代表"},
        ("meetings_portal.run", "POST"): {"public_input": "7"},
        ("meetings_portal.named", "POST"): {"keys": "R", "decision": "矩阵"},
        ("meetings_portal.redecide", "POST"): {"reason": "矩阵"},
        ("rectification.OrgItems", "POST"): {"problem": "矩阵"},
        ("rectification.Item", "PATCH"): {"status": "done"},
        ("rectification_portal.add", "POST"): {"problem": "矩阵"},
        ("rectification_portal.status", "POST"): {"status": "done"},
    }


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    rule: str
    args: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")


def tenant_routes(app: Any) -> list[Case]:
    cases = []
    for rule in app.url_map.iter_rules():
        if "tenant" not in rule.arguments:
            continue
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            cases.append(Case(rule.endpoint, method, rule.rule, tuple(sorted(rule.arguments - {"tenant"}))))
    return sorted(cases, key=lambda c: (c.rule, c.method))


def _url(app: Any, case: Case, slug: str, values: dict[str, Any]) -> str:
    with app.test_request_context():
        from flask import url_for

        url = url_for(case.endpoint, tenant=slug, **values)
    query = QUERIES.get(case.endpoint)
    return f"{url}?{query}" if query else url


def _call(client: Any, case: Case, url: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if case.method not in {"GET", "DELETE"}:
        if case.is_api:
            kwargs["json"] = body if body is not None else {}
        else:
            kwargs["data"] = body if body is not None else {}
    return client.open(url, method=case.method, **kwargs)


def _problem(r: Any, case: Case, url: str, allowed: tuple[int, ...] = (403, 404)) -> str | None:
    """What is wrong with the answer to a cross-tenant request (None: properly refused)."""
    text = r.get_data(as_text=True)
    where = f"{case.method} {url} ({case.endpoint})"
    if r.status_code not in allowed:
        return f"{where}: {r.status_code} {' '.join(text[:160].split())}"
    if SECRET in text:
        return f"{where}: B's data in the response"
    if case.is_api and r.is_json and not set(r.get_json()) <= {"code", "status", "message", "errors"}:
        return f"{where}: not the one error shape"
    return None


def _check_all(results: Iterator[str | None]) -> int:
    """Run the whole matrix, then fail once with every problem found (not just the first)."""
    problems, seen = [], 0
    for problem in results:
        seen += 1
        if problem:
            problems.append(problem)
    assert not problems, f"{len(problems)} of {seen} requests not refused:\n" + "\n".join(problems)
    return seen


def _rectification_rows(s: Any) -> list[tuple[Any, ...]]:
    try:
        from shuzhi.rectification.models import RectificationItem
    except ImportError:  # the rectification room is not installed
        return []
    cols = (RectificationItem.id, RectificationItem.status, RectificationItem.problem)
    return [tuple(r) for r in s.execute(select(*cols).order_by(RectificationItem.id))]


def _snapshot(app: Any, side: Side) -> dict[str, Any]:
    """Everything of a tenant the matrix could touch."""
    with app.app_context(), scoped(db.session, tenant_id=side.tenant_id):
        s = db.session
        out = {
            "orgs": [tuple(r) for r in s.execute(select(Org.id, Org.name, Org.path).order_by(Org.id))],
            "people": [tuple(r) for r in s.execute(select(Person.id, Person.name).order_by(Person.id))],
            "posts": s.scalar(select(func.count()).select_from(Post)),
            "relations": s.scalar(select(func.count()).select_from(ReportingRelation)),
            "tokens": [
                tuple(r) for r in s.execute(select(ApiToken.id, ApiToken.revoked_at).order_by(ApiToken.id))
            ],
            "events": s.scalar(select(func.count()).select_from(AuditEvent)),
            "rectification": _rectification_rows(s),
            "tenant": tenancy.get_tenant(s, side.slug).name,
        }
        s.rollback()
        return out


# --- coverage -----------------------------------------------------------------------


def test_every_tenant_route_is_in_the_matrix(app) -> None:
    # issue 4: the matrix is the url_map; unknown path arguments must be taught to it
    cases = tenant_routes(app)
    assert len(cases) >= 40
    unknown = sorted({(c.rule, a) for c in cases for a in c.args if a not in ARG_KINDS})
    assert not unknown, f"add an id maker to ARG_KINDS for: {unknown}"
    endpoints = {c.endpoint for c in cases}
    # the rooms this issue touches are all there, API and portal
    assert {"orgs.OrgItem", "tokens.TokenItem", "audit.EventItem", "audit_portal.export"} <= endpoints


# --- the matrix ---------------------------------------------------------------------


def _b_slug_cases(app: Any, m: Matrix) -> Iterator[tuple[Case, str, Any]]:
    bodies = _bodies(m)
    for case in tenant_routes(app):
        values = {a: _value(app, m.b, case, a) for a in case.args}
        yield case, _url(app, case, m.b.slug, values), bodies.get((case.endpoint, case.method))


def _value(app: Any, side: Side, case: Case, arg: str) -> Any:
    """B's object for a known id argument; else a value of the argument's type (the slug decides)."""
    kind = ARG_KINDS.get(arg)
    if kind and kind in side.ids:
        return side.ids[kind]
    if arg in NEUTRAL:
        return NEUTRAL[arg]
    rule = next(r for r in app.url_map.iter_rules(case.endpoint) if r.rule == case.rule)
    return 1 if type(rule._converters[arg]).__name__ == "IntegerConverter" else "x"


def test_a_admin_on_b_slug_is_404_everywhere(app, client, matrix) -> None:
    # issue 4: A's admin with B's slug (and B's ids): 404 on every route and method
    login(client, matrix.a.admin_id)
    before = _snapshot(app, matrix.b)
    seen = _check_all(
        _problem(_call(client, case, url, body), case, url, allowed=(404,))
        for case, url, body in _b_slug_cases(app, matrix)
    )
    assert seen >= 40
    assert _snapshot(app, matrix.b) == before


def test_a_token_on_b_slug_is_404_everywhere(app, matrix) -> None:
    # issue 4: A's token (every grantable scope) on B's URLs: 404 on every API route
    client = app.test_client()
    before = _snapshot(app, matrix.b)
    headers = {"Authorization": f"Bearer {matrix.a.token}"}
    api_cases = [(c, u, b) for c, u, b in _b_slug_cases(app, matrix) if c.is_api]
    assert len(api_cases) >= 20
    _check_all(
        _problem(_call(client, case, url, body, headers), case, url, allowed=(404,))
        for case, url, body in api_cases
    )
    assert _snapshot(app, matrix.b) == before


def _b_ids_in_a_urls(app: Any, m: Matrix) -> Iterator[tuple[Case, str, Any]]:
    bodies = _bodies(m)
    for case in tenant_routes(app):
        kinds = {a: ARG_KINDS.get(a) for a in case.args}
        if not any(kinds.values()):
            continue  # no tenant object in the path: nothing of B's to name
        if any(k and k not in m.b.ids for k in kinds.values()) or any(a not in ARG_KINDS for a in case.args):
            continue  # an object the matrix cannot make yet (the coverage test names it)
        values = {a: (m.b.ids[k] if k else NEUTRAL.get(a, "x")) for a, k in kinds.items()}
        yield case, _url(app, case, m.a.slug, values), bodies.get((case.endpoint, case.method))


def test_b_ids_in_a_urls_are_refused(app, client, matrix) -> None:
    # issue 4: A's admin names B's org, person, post, event, token, member ids in A's URLs
    login(client, matrix.a.admin_id)
    before_a, before_b = _snapshot(app, matrix.a), _snapshot(app, matrix.b)
    cases = list(_b_ids_in_a_urls(app, matrix))
    assert {c.endpoint for c, _u, _b in cases} >= {
        "orgs.OrgItem",
        "orgs.PersonItem",
        "orgs.PostTenure",
        "audit.EventItem",
        "tokens.TokenItem",
        "tokens_portal.revoke",
        "orgs_portal.org",
    }
    _check_all(_problem(_call(client, case, url, body), case, url) for case, url, body in cases)
    assert _snapshot(app, matrix.b) == before_b
    after_a = _snapshot(app, matrix.a)
    after_a.pop("events"), before_a.pop("events")  # A's own audit trail may note the attempts
    assert after_a == before_a


def test_b_ids_in_a_urls_with_a_token_are_refused(app, matrix) -> None:
    # issue 4: the same through A's token
    client = app.test_client()
    headers = {"Authorization": f"Bearer {matrix.a.token}"}
    before = _snapshot(app, matrix.b)
    _check_all(
        _problem(_call(client, case, url, body, headers), case, url)
        for case, url, body in _b_ids_in_a_urls(app, matrix)
        if case.is_api
    )
    assert _snapshot(app, matrix.b) == before


def _b_ids_in_bodies(m: Matrix) -> list[tuple[str, str, dict[str, Any]]]:
    a, b = m.a.ids, m.b.ids
    base = f"/api/v1/tenants/{m.a.slug}"
    return [
        ("POST", f"{base}/orgs", {"code": "N1", "name": "n", "kind": "branch", "parent_id": b["org"]}),
        ("POST", f"{base}/orgs/{a['org']}/move", {"parent_id": b["root"]}),
        ("POST", f"{base}/posts", {"person_id": b["person"], "org_id": a["org"], "start_date": "2024-01-01"}),
        ("POST", f"{base}/posts", {"person_id": a["person"], "org_id": b["org"], "start_date": "2024-01-01"}),
        (
            "POST",
            f"{base}/relations",
            {"reporter_id": b["org"], "receiver_id": a["root"], "valid_from": "2024-01-01"},
        ),
        (
            "POST",
            f"{base}/relations",
            {"reporter_id": a["org"], "receiver_id": b["root"], "valid_from": "2024-01-01"},
        ),
        ("POST", f"{base}/onsite-history", {"org_id": b["org"], "year": 2019}),
    ]


@pytest.mark.parametrize("auth", ["session", "token"])
def test_b_ids_in_a_bodies_are_404_and_write_nothing(app, client, matrix, auth: str) -> None:
    # issue 4: B's ids inside A's request bodies
    headers: dict[str, str] = {}
    if auth == "session":
        login(client, matrix.a.admin_id)
    else:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {matrix.a.token}"}
    before_a, before_b = _snapshot(app, matrix.a), _snapshot(app, matrix.b)
    for method, url, body in _b_ids_in_bodies(matrix):
        r = client.open(url, method=method, json=body, headers=headers)
        assert r.status_code == 404, (url, body, r.get_json())
        assert SECRET not in r.get_data(as_text=True)
    assert _snapshot(app, matrix.a) == before_a
    assert _snapshot(app, matrix.b) == before_b


def test_b_ids_in_a_queries_find_nothing(app, client, matrix) -> None:
    # issue 4: filters naming B's ids return nothing of B's (200 with no rows, or 404)
    login(client, matrix.a.admin_id)
    a, b = matrix.a, matrix.b.ids
    checks: list[tuple[str, Callable[[Any], bool]]] = [
        (f"/api/v1/tenants/{a.slug}/posts?org_id={b['org']}", lambda r: r.get_json() == []),
        (f"/api/v1/tenants/{a.slug}/posts?person_id={b['person']}", lambda r: r.get_json() == []),
        (f"/api/v1/tenants/{a.slug}/audit/events?target_id={b['org']}&target_type=orgs", lambda r: True),
        (f"/t/{a.slug}/relations?receiver={b['root']}", lambda r: r.status_code == 404),
        (f"/t/{a.slug}/audit?target_id={b['org']}", lambda r: True),
    ]
    for url, ok in checks:
        r = client.get(url)
        assert r.status_code in (200, 404) and ok(r), url
        assert SECRET not in r.get_data(as_text=True), url
        if r.is_json and r.status_code == 200 and isinstance(r.get_json(), dict):
            assert all(e["actor"] != f"token:{SECRET}令牌" for e in r.get_json().get("events", []))
    # and A's audit API lists none of B's events
    events = client.get(f"/api/v1/tenants/{a.slug}/audit/events?per_page=500").get_json()["events"]
    assert events and SECRET not in json.dumps(events, ensure_ascii=False)
