"""A small county for portal tests: a tenant, its people with roles, an org tree,
posts and reporting relations, written through the services (no SQL)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook

from shuzhi.db import db
from shuzhi.orgs import service as orgs
from shuzhi.orgs.models import OrgKind
from shuzhi.tenancy import service as tenancy
from shuzhi.tenancy.models import Role, TenantLevel
from shuzhi.tenancy.scope import scoped

START = date(2023, 1, 1)


@dataclass
class County:
    slug: str
    tenant_id: int
    users: dict[str, int] = field(default_factory=dict)  # admin, secretary, outsider
    orgs: dict[str, int] = field(default_factory=dict)  # by code
    names: dict[str, str] = field(default_factory=dict)  # display names of users


def seed_county(app: Any, slug: str, *, name: str = "吉县县委组织部") -> County:
    """吉县县委 with two townships (three villages each) and the 县直机关工委 (two branches).

    Relations follow the tree (JX-02 allows otherwise; the tests only need a
    chain): villages → their township → 县委; branches → 工委 → 县委.
    One village (村3) has no secretary.
    """
    with app.app_context():
        with scoped(db.session, platform=True):
            tenant = tenancy.create_tenant(db.session, slug=slug, name=name, level=TenantLevel.COUNTY)
            county = County(slug, tenant.id)
            other = tenancy.create_tenant(
                db.session, slug=f"{slug}-other", name="别县县委组织部", level=TenantLevel.COUNTY
            )
            people = {
                "admin": ("组织部王干事", Role.TENANT_ADMIN, tenant),
                "secretary": ("城关镇李书记", Role.SECRETARY, tenant),
                "outsider": ("别县赵干事", Role.TENANT_ADMIN, other),
            }
            for key, (display, role, where) in people.items():
                user = tenancy.upsert_user(db.session, username=f"{slug}-{key}", display_name=display)
                tenancy.grant(db.session, where, user, role)
                county.users[key] = user.id
                county.names[key] = display
            db.session.commit()
        with scoped(db.session, tenant_id=tenant.id):
            s = db.session

            def org(code: str, name: str, kind: OrgKind, parent: str | None = None) -> int:
                o = orgs.create_org(
                    s, code=code, name=name, kind=kind, parent_id=county.orgs[parent] if parent else None
                )
                county.orgs[code] = o.id
                return o.id

            org("JX", "吉县县委", OrgKind.COMMITTEE)
            org("JX01", "城关镇党委", OrgKind.COMMITTEE, "JX")
            org("JX02", "屯里镇党委", OrgKind.COMMITTEE, "JX")
            org("JX90", "县直机关工委", OrgKind.WORKING_COMMITTEE, "JX")
            for town in ("JX01", "JX02"):
                for i in (1, 2, 3):
                    prefix = "城关镇" if town == "JX01" else "屯里镇"
                    org(f"{town}0{i}", f"{prefix}{i}村党支部", OrgKind.BRANCH, town)
            org("JX9001", "县教育局党总支", OrgKind.GENERAL_BRANCH, "JX90")
            org("JX9002", "县财政局党支部", OrgKind.BRANCH, "JX90")

            secretaries = {
                "JX": ("P001", "张县委"),
                "JX01": ("P002", "李城关"),
                "JX02": ("P003", "王屯里"),
                "JX90": ("P004", "赵工委"),
                "JX0101": ("P011", "刘一村"),
                "JX0102": ("P012", "陈二村"),
                "JX0201": ("P021", "杨屯一"),
                "JX0202": ("P022", "黄屯二"),
                "JX0203": ("P023", "周屯三"),
                "JX9001": ("P901", "吴教育"),
                "JX9002": ("P902", "郑财政"),
            }
            for code, (pcode, pname) in secretaries.items():
                person = orgs.upsert_person(s, code=pcode, name=pname)
                orgs.create_post(s, person_id=person.id, org_id=county.orgs[code], start_date=START)
            # A past secretary of 城关镇, so the detail shows history.
            former = orgs.upsert_person(s, code="P000", name="孙前任")
            orgs.create_post(
                s,
                person_id=former.id,
                org_id=county.orgs["JX01"],
                start_date=date(2019, 1, 1),
                end_date=date(2022, 12, 31),
            )
            for code, parent in [
                ("JX01", "JX"),
                ("JX02", "JX"),
                ("JX90", "JX"),
                ("JX0101", "JX01"),
                ("JX0102", "JX01"),
                ("JX0103", "JX01"),
                ("JX0201", "JX02"),
                ("JX0202", "JX02"),
                ("JX0203", "JX02"),
                ("JX9001", "JX90"),
                ("JX9002", "JX90"),
            ]:
                orgs.add_relation(
                    s, reporter_id=county.orgs[code], receiver_id=county.orgs[parent], valid_from=START
                )
            s.commit()
        db.session.remove()
    return county


# --- import files -----------------------------------------------------------------


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = {
    "组织": [
        ["编码", "名称", "类型", "上级编码"],
        ["JX03", "壶口镇党委", "党委", "JX"],
        ["JX0301", "壶口镇1村党支部", "党支部", "JX03"],
    ],
    "任职": [
        ["人员编号", "姓名", "组织编码", "职务", "开始日期", "结束日期"],
        ["P031", "冯壶口", "JX03", "书记", "2024-01-01", None],
    ],
    "述职关系": [
        ["述职组织编码", "接受述职组织编码", "开始日期", "结束日期", "备注"],
        ["JX03", "JX", "2024-01-01", None, None],
        ["JX0301", "JX03", "2024-01-01", None, None],
    ],
}


BAD = {
    "组织": [
        ["编码", "名称", "类型", "上级编码"],
        ["JX04", "好的镇党委", "党委", "JX"],
        ["JX05", "", "党委", "JX"],
        ["JX06", "错类型党委", "宇宙飞船", "NOPE"],
    ]
}
