"""A tenant with an admin and a small org tree, built through the services like real onboarding.

The tree is the usual county shape: 县委 → 乡镇党委 → 村党支部, a 书记 in
post for every org, and reporting relations that follow the tree (villages
report to their 乡镇党委, 乡镇党委 to the 县委; JX-02 relations, not parents,
decide who reports to whom). Everything is returned as plain ids and names,
so tests never hold ORM objects across sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask

TOWNS = ("东山镇", "西河镇", "南湖镇", "北岭镇", "中和镇", "青石镇")
VILLAGES = ("桃园村", "柳溪村", "石桥村", "杏林村", "竹山村", "梨花村", "松岗村", "荷塘村")
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ("建国", "海燕", "志强", "秀英", "文军", "丽华", "明亮", "春梅", "国庆", "晓东", "红霞", "永刚")


@dataclass(frozen=True)
class OrgRef:
    """An org of the test tree and its 书记."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    receiver_id: int | None  # the org it reports to (述职对象)
    secretary_id: int  # Person id of the 书记
    secretary: str  # the 书记's name
    post_id: int


@dataclass(frozen=True)
class TenantTree:
    id: int
    slug: str
    name: str
    policy: str
    admin_user_id: int
    admin_username: str
    county: OrgRef
    townships: tuple[OrgRef, ...]
    villages: tuple[OrgRef, ...]
    since: date  # posts and relations are valid from this day

    @property
    def orgs(self) -> tuple[OrgRef, ...]:
        return (self.county, *self.townships, *self.villages)

    def org(self, code: str) -> OrgRef:
        return next(o for o in self.orgs if o.code == code)

    def reporters_to(self, receiver: OrgRef) -> tuple[OrgRef, ...]:
        return tuple(o for o in self.orgs if o.receiver_id == receiver.id)


def _person_name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]


def build_tenant(
    app: Flask,
    slug: str = "plugin-test",
    *,
    policy: str = "",
    townships: int = 2,
    villages: int = 2,
    since: date = date(2020, 1, 1),
) -> TenantTree:
    """Create the tenant, its admin (``<slug>-admin``, tenant admin) and the tree, and commit.

    ``policy`` is the policy the tenant runs (must be loaded); ``townships``
    乡镇党委 under the 县委, each with ``villages`` 村党支部.
    """
    from shuzhi.db import db
    from shuzhi.orgs import service as orgs
    from shuzhi.orgs.models import OrgKind
    from shuzhi.tenancy import service as tenancy
    from shuzhi.tenancy.models import Role, TenantLevel
    from shuzhi.tenancy.scope import scoped
    from shuzhi.testing.policies import ensure_plugins

    if not 1 <= townships <= len(TOWNS) or not 0 <= villages <= len(VILLAGES):
        raise ValueError(f"乡镇数应为 1–{len(TOWNS)}，每乡镇村数应为 0–{len(VILLAGES)}")
    ensure_plugins()
    session = db.session
    with app.app_context():
        try:
            with scoped(session, platform=True):
                tenant = tenancy.create_tenant(
                    session,
                    slug=slug,
                    name=f"{slug} 县委组织部",
                    level=TenantLevel.COUNTY,
                    policy_name=policy,
                )
                admin = tenancy.upsert_user(session, username=f"{slug}-admin", display_name=f"{slug} 管理员")
                tenancy.grant(session, tenant, admin, Role.TENANT_ADMIN)
            counter = iter(range(10_000))
            with scoped(session, tenant_id=tenant.id, user_id=admin.id):

                def add(code: str, name: str, kind: OrgKind, parent: OrgRef | None) -> OrgRef:
                    org = orgs.create_org(
                        session, code=code, name=name, kind=kind, parent_id=parent.id if parent else None
                    )
                    person = orgs.upsert_person(session, code=f"P-{code}", name=_person_name(next(counter)))
                    post = orgs.create_post(session, person_id=person.id, org_id=org.id, start_date=since)
                    if parent is not None:
                        orgs.add_relation(
                            session, reporter_id=org.id, receiver_id=parent.id, valid_from=since
                        )
                    return OrgRef(
                        org.id,
                        code,
                        name,
                        kind.value,
                        parent.id if parent else None,
                        parent.id if parent else None,
                        person.id,
                        person.name,
                        post.id,
                    )

                county = add("C", "示例县委", OrgKind.COMMITTEE, None)
                towns, vills = [], []
                for t in range(townships):
                    town = add(f"T{t + 1}", f"{TOWNS[t]}党委", OrgKind.COMMITTEE, county)
                    towns.append(town)
                    for v in range(villages):
                        vills.append(
                            add(
                                f"T{t + 1}V{v + 1}",
                                f"{TOWNS[t]}{VILLAGES[v]}党支部",
                                OrgKind.BRANCH,
                                town,
                            )
                        )
            session.commit()
            return TenantTree(
                tenant.id,
                tenant.slug,
                tenant.name,
                policy,
                admin.id,
                admin.username,
                county,
                tuple(towns),
                tuple(vills),
                since,
            )
        except Exception:
            session.rollback()
            raise
        finally:
            session.remove()
