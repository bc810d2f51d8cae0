"""Create (or find) the five demo tenants with their trees, posts, relations and users.

Idempotent: every row is looked up by its natural key (tenant slug, org and
person code, username, the post's person/org/title/start, the reporter's
relation on its start day) and only created when missing, and the random
choices come from a generator seeded by the tenant slug, so a second run
changes nothing and adds nothing. Rows someone edited since are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzhi.audit import service as audit
from shuzhi.demo.names import NameMaker
from shuzhi.demo.trees import JURISDICTIONS, Jurisdiction, OrgSpec, Tenure, UserSpec
from shuzhi.errors import NotFound
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import Org, Person, Post, ReportingRelation
from shuzhi.plugins import hooks
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, Tenant, User
from shuzhi.tenancy.scope import scoped

PLATFORM_ADMIN = "platform-admin"


@dataclass
class Login:
    username: str
    role: str
    name: str
    label: str
    scope: str = ""  # the orgs a reviewer or secretary acts on


@dataclass
class TenantSummary:
    slug: str
    name: str
    policy: str
    policy_title: str
    year: int
    counts: dict[str, int]
    logins: list[Login] = field(default_factory=list)
    #: The demo campaign (issue 7 item 8): its title, and the day the demo shows it on.
    campaign: str = ""
    demo_day: date | None = None


@dataclass
class DemoSummary:
    tenants: list[TenantSummary]
    platform_admin: Login
    skipped: list[str] = field(default_factory=list)  # jurisdictions whose plugin is not loaded


def build_demo(
    session: Session, only: Iterable[str] | None = None, *, campaigns: bool = False
) -> DemoSummary:
    """Create whatever of the demo is missing, commit, and say what there is.

    ``campaigns``: also open each tenant's campaign at its demo stage (``shuzhi demo``
    does; tests that open their own campaigns build without them).
    """
    wanted = set(only) if only is not None else None
    previous_actor = session.info.get(audit.ACTOR_KEY)
    audit.set_actor(session, audit.Actor(None, "demo"))  # the audit trail says who wrote these rows
    try:
        with scoped(session, platform=True):
            admin_names = NameMaker("shuzhi-demo:platform")
            admin = tenancy.upsert_user(
                session, username=PLATFORM_ADMIN, display_name=admin_names.name(), is_platform_admin=True
            )
        summaries, skipped = [], []
        for j in JURISDICTIONS:
            if wanted is not None and j.slug not in wanted:
                continue
            if hooks.policy(j.slug) is None:
                skipped.append(j.slug)
                continue
            summaries.append(_build_jurisdiction(session, j, campaigns=campaigns))
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.info[audit.ACTOR_KEY] = previous_actor
    return DemoSummary(
        summaries, Login(admin.username, "platform_admin", admin.display_name, "平台管理员"), skipped
    )


def _build_jurisdiction(session: Session, j: Jurisdiction, *, campaigns: bool = False) -> TenantSummary:
    names = NameMaker(f"shuzhi-demo:{j.slug}")
    with scoped(session, platform=True):
        tenant = _tenant(session, j)
    with scoped(session, tenant_id=tenant.id):
        by_code = _orgs(session, j)
        people = _posts(session, j, by_code, names)
        _relations(session, j, by_code)
    logins = [_user(session, tenant, j.year, spec, by_code, people, names) for spec in j.users]
    with scoped(session, tenant_id=tenant.id):
        counts = {
            "orgs": _count(session, Org),
            "people": _count(session, Person),
            "posts": _count(session, Post),
            "relations": _count(session, ReportingRelation),
        }
    title, day = "", None
    if campaigns:
        from shuzhi.demo.campaigns import DEMO_DAYS, demo_campaign

        with scoped(session, tenant_id=tenant.id):
            campaign = demo_campaign(session, j.slug, j.year)
        title, day = (campaign.title, DEMO_DAYS.get(j.slug)) if campaign is not None else ("", None)
    policy = hooks.policy(j.slug)
    return TenantSummary(
        slug=tenant.slug,
        name=tenant.name,
        policy=tenant.policy_name,
        policy_title=policy.title if policy else "",
        year=j.year,
        counts=counts,
        logins=logins,
        campaign=title,
        demo_day=day,
    )


def _tenant(session: Session, j: Jurisdiction) -> Tenant:
    try:
        return tenancy.get_tenant(session, j.slug)
    except NotFound:
        return tenancy.create_tenant(
            session,
            slug=j.slug,
            name=j.tenant_name,
            level=j.level,
            region_code=j.region_code,
            policy_name=j.slug,
        )


def _orgs(session: Session, j: Jurisdiction) -> dict[str, Org]:
    by_code: dict[str, Org] = {}
    for spec in j.orgs:  # parents come before their children in every spec
        org = orgs.org_by_code(session, spec.code)
        if org is None:
            parent_id = by_code[spec.parent].id if spec.parent else None
            org = orgs.create_org(
                session, code=spec.code, name=spec.name, kind=spec.kind, parent_id=parent_id
            )
        by_code[spec.code] = org
    return by_code


def _start_dates(spec: OrgSpec, year: int, names: NameMaker) -> list[tuple[date, date | None]]:
    """(start, end) of the posts of ``spec``'s org, oldest first; the last is current."""
    rng = names.rng
    if spec.tenure is Tenure.SHORT:
        # took office after mid-year: fewer than 6 months in post in ``year``
        start = date(year, 7, 10) + timedelta(days=rng.randrange(0, 130))
        before = date(year - rng.randrange(4, 9), rng.randrange(1, 13), 1)
        return [(before, start - timedelta(days=1)), (start, None)]
    if spec.tenure is Tenure.CHANGED:
        start = date(year - rng.randrange(1, 3), rng.randrange(1, 13), rng.randrange(1, 28))
        before = date(start.year - rng.randrange(3, 7), rng.randrange(1, 13), 1)
        return [(before, start - timedelta(days=1)), (start, None)]
    return [(date(year - rng.randrange(1, 9), rng.randrange(1, 13), rng.randrange(1, 28)), None)]


def _posts(session: Session, j: Jurisdiction, by_code: dict[str, Org], names: NameMaker) -> dict[str, Person]:
    """Secretaries (and predecessors); returns the current holder's Person per org code."""
    current: dict[str, Person] = {}
    for spec in j.orgs:
        terms = _start_dates(spec, j.year, names)
        for n, (start, end) in enumerate(terms):
            is_current = n == len(terms) - 1
            code = f"{spec.code}.{'sec' if is_current else 'prev'}"
            person = _person(session, code, names.name())
            _post(session, person, by_code[spec.code], spec.title, start, end)
            if is_current:
                current[spec.code] = person
    return current


def _person(session: Session, code: str, name: str) -> Person:
    existing = orgs.person_by_code(session, code)
    return existing if existing is not None else orgs.upsert_person(session, code=code, name=name)


def _post(session: Session, person: Person, org: Org, title: str, start: date, end: date | None) -> None:
    held = orgs.posts_of(session, org_id=org.id, person_id=person.id)
    if not any(p.title == title and p.start_date == start for p in held):
        orgs.create_post(
            session, person_id=person.id, org_id=org.id, title=title, start_date=start, end_date=end
        )


def _relations(session: Session, j: Jurisdiction, by_code: dict[str, Org]) -> None:
    # Open-ended from two years before the reporting year, so earlier cycles see them too.
    valid_from = date(j.year - 2, 1, 1)
    for spec in j.orgs:
        if spec.reports_to is None:
            continue
        reporter = by_code[spec.code]
        if orgs.receiver_of(session, reporter, valid_from) is None:
            orgs.add_relation(
                session,
                reporter_id=reporter.id,
                receiver_id=by_code[spec.reports_to].id,
                valid_from=valid_from,
            )


def _user(
    session: Session,
    tenant: Tenant,
    year: int,
    spec: UserSpec,
    by_code: dict[str, Org],
    people: dict[str, Person],
    names: NameMaker,
) -> Login:
    role = Role(spec.role)
    with scoped(session, tenant_id=tenant.id):
        person = _user_person(session, year, spec, by_code, people, names)
        display = person.name if person is not None else names.name()
    with scoped(session, platform=True):
        user = session.scalar(select(User).where(User.username == spec.username))
        if user is None:
            user = tenancy.upsert_user(session, username=spec.username, display_name=display)
        tenancy.grant(session, tenant, user, role, [by_code[c].id for c in spec.org_codes])
    if person is not None and person.user_id is None:
        with scoped(session, tenant_id=tenant.id):
            # No orgs.service call links a person to a user yet; this is the one write
            # the demo makes to an orgs table outside the orgs service.
            person.user_id = user.id
            session.flush()
    scope = "、".join(by_code[c].name for c in spec.org_codes)
    return Login(user.username, role.value, user.display_name, spec.label, scope)


def _user_person(
    session: Session,
    year: int,
    spec: UserSpec,
    by_code: dict[str, Org],
    people: dict[str, Person],
    names: NameMaker,
) -> Person | None:
    """The Person behind a secretary or reviewer login, holding the post it acts from."""
    if spec.person_org is None:
        return None
    if spec.person_title == "书记":
        return people[spec.person_org]
    # A deputy (e.g. the 包片领导, 镇党委副书记): a post of their own on the org.
    person = _person(session, f"{spec.person_org}.{spec.role}", names.name())
    _post(session, person, by_code[spec.person_org], spec.person_title, date(year - 3, 3, 1), None)
    return person


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0
