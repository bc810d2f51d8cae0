"""The five demo jurisdictions as data: org trees, reporting relations, who signs in.

Org names are data (plain Chinese), invented to look like a real county's
roster; they are not a record of real organizations. Each tree follows its
seed plan (clause ids in the comments). ``parent`` is the org tree,
``reports_to`` the reporting relation (JX-02): they differ where the plan
says so.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from shuzhi.orgs.models import OrgKind
from shuzhi.tenancy.models import TenantLevel

K = OrgKind


class Tenure(enum.StrEnum):
    """How the secretary's post looks in the reporting year."""

    LONG = "long"  # in post since an earlier year
    SHORT = "short"  # took office after mid-year: < 6 months (SX-01, TJ-05, YZ-02)
    CHANGED = "changed"  # a predecessor's past post ended in an earlier year


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: OrgKind
    parent: str | None
    reports_to: str | None
    tenure: Tenure = Tenure.LONG
    #: The post that reports: 书记, or the party-member head of a unit without 党组 (YZ-01).
    title: str = "书记"


@dataclass(frozen=True)
class UserSpec:
    role: str  # tenancy Role value
    username: str
    label: str  # what the person does, shown in the printed summary
    org_codes: tuple[str, ...] = ()  # membership scope (reviewers, secretaries)
    #: The org whose post this user's Person holds (secretary, reviewer), and the title.
    person_org: str | None = None
    person_title: str = "书记"


@dataclass(frozen=True)
class Jurisdiction:
    slug: str  # tenant slug, also the plugin's policy name
    tenant_name: str
    level: TenantLevel
    region_code: str
    year: int  # the reporting year of the seed plan
    orgs: tuple[OrgSpec, ...]
    users: tuple[UserSpec, ...] = field(default=())

    def org(self, code: str) -> OrgSpec:
        return next(o for o in self.orgs if o.code == code)


def _users(slug: str, reviewer: UserSpec, secretary_org: str, observer_label: str) -> tuple[UserSpec, ...]:
    return (
        UserSpec("tenant_admin", f"{slug}-admin", "租户管理员（组织部/工委工作人员）"),
        reviewer,
        UserSpec(
            "secretary",
            f"{slug}-secretary",
            "述职书记",
            org_codes=(secretary_org,),
            person_org=secretary_org,
        ),
        UserSpec("observer", f"{slug}-observer", observer_label),
    )


# --- 吉县 (JX, 2018) ----------------------------------------------------------


def _jixian() -> Jurisdiction:
    orgs: list[OrgSpec] = [OrgSpec("XW", "中共吉县县委", K.COMMITTEE, None, None)]
    towns = {
        "吉昌镇": ["东城村", "西关村", "桑峨村", "谢悉村", "南村", "太度村"],
        "屯里镇": ["屯里村", "西坡村", "张家河村", "太宁村", "沟门村"],
        "壶口镇": ["壶口村", "白村", "南楼村", "宜家坡村", "永宁村"],
        "车城乡": ["车城村", "柳沟村", "上岭村", "窑科村"],
        "中垛乡": ["中垛村", "南沟村", "田家垣村", "小河村"],
    }
    short = {"XZ02-C03", "XZ04-C02"}  # villages with a new secretary since autumn 2018
    changed = {"XZ01-C05", "XZ03-C01"}
    for t, (town, villages) in enumerate(towns.items(), start=1):
        tcode = f"XZ{t:02d}"
        # clause JX-02: 乡镇党委 -> 县委; 农村党组织 -> 乡镇党委 (tree and relations agree)
        orgs.append(OrgSpec(tcode, f"{town}党委", K.COMMITTEE, "XW", "XW"))
        for v, village in enumerate(villages, start=1):
            vcode = f"{tcode}-C{v:02d}"
            kind = K.GENERAL_BRANCH if v == 1 else K.BRANCH  # the seat village is larger
            suffix = "党总支" if kind is K.GENERAL_BRANCH else "党支部"
            tenure = Tenure.SHORT if vcode in short else Tenure.CHANGED if vcode in changed else Tenure.LONG
            orgs.append(OrgSpec(vcode, f"{village}{suffix}", kind, tcode, tcode, tenure))

    # clause JX-02: 县直工委 -> 县委; 县直系统党委(总支) -> 县直工委;
    # 县直机关单位党组织 -> 所属系统党委(总支)
    orgs.append(OrgSpec("GW", "中共吉县县直机关工作委员会", K.WORKING_COMMITTEE, "XW", "XW"))
    systems = {
        "XT01": (
            "吉县教育系统党委",
            K.COMMITTEE,
            ["吉县中学党支部", "吉县职业中学党支部", "吉县城关小学党支部"],
        ),
        "XT02": (
            "吉县卫生健康系统党委",
            K.COMMITTEE,
            ["吉县人民医院党支部", "吉县中医医院党支部", "吉县疾病预防控制中心党支部"],
        ),
        "XT03": (
            "吉县农业农村系统党总支",
            K.GENERAL_BRANCH,
            ["吉县农业技术推广中心党支部", "吉县畜牧兽医中心党支部"],
        ),
        "XT04": (
            "吉县交通运输系统党总支",
            K.GENERAL_BRANCH,
            ["吉县公路段党支部", "吉县道路运输管理所党支部"],
        ),
    }
    for scode, (sname, skind, units) in systems.items():
        tenure = Tenure.CHANGED if scode == "XT03" else Tenure.LONG
        orgs.append(OrgSpec(scode, sname, skind, "GW", "GW", tenure))
        for u, unit in enumerate(units, start=1):
            orgs.append(OrgSpec(f"{scode}-D{u:02d}", unit, K.BRANCH, scode, scode))

    # clause JX-02: 县直单位党委(党组) -> 县委. Each bureau's own 机关党支部 hangs
    # under the bureau's 党组 in the tree (the bureau leads it day to day) but
    # reports to its 系统党委 (JX-02): here tree and relations part ways.
    bureaus = [
        ("DZ01", "吉县教育科技局党组", K.PARTY_GROUP, "XT01"),
        ("DZ02", "吉县卫生健康和体育局党组", K.PARTY_GROUP, "XT02"),
        ("DZ03", "吉县农业农村局党组", K.PARTY_GROUP, "XT03"),
        ("DZ04", "吉县交通运输局党组", K.PARTY_GROUP, "XT04"),
        ("DZ05", "吉县公安局党委", K.COMMITTEE, None),
        ("DZ06", "吉县财政局党组", K.PARTY_GROUP, None),
    ]
    for bcode, bname, bkind, system in bureaus:
        tenure = Tenure.CHANGED if bcode == "DZ05" else Tenure.LONG
        orgs.append(OrgSpec(bcode, bname, bkind, "XW", "XW", tenure))
        if system:
            branch = bname.removesuffix("党组") + "机关党支部"
            orgs.append(OrgSpec(f"{bcode}-J", branch, K.BRANCH, bcode, system))

    # clause JX-02: 社区工委 -> 县委; 社区党组织 -> 社区工委
    orgs.append(OrgSpec("SQ", "中共吉县社区工作委员会", K.WORKING_COMMITTEE, "XW", "XW"))
    communities = [
        ("东城社区党总支", K.GENERAL_BRANCH),
        ("西城社区党支部", K.BRANCH),
        ("南城社区党支部", K.BRANCH),
        ("北城社区党支部", K.BRANCH),
    ]
    for c, (cname, ckind) in enumerate(communities, start=1):
        tenure = Tenure.SHORT if c == 3 else Tenure.LONG
        orgs.append(OrgSpec(f"SQ-S{c:02d}", cname, ckind, "SQ", "SQ", tenure))

    # clause JX-02: 非公和社会组织工委 -> 县委; 非公和社会组织党组织 -> 非公和社会组织工委
    orgs.append(
        OrgSpec("FG", "中共吉县非公有制经济组织和社会组织工作委员会", K.WORKING_COMMITTEE, "XW", "XW")
    )
    for f, fname in enumerate(
        [
            "吉县苹果专业合作社联合社党支部",
            "吉县壶口旅游开发有限公司党支部",
            "吉县恒源建材有限公司党支部",
            "吉县个体劳动者协会党支部",
            "吉县律师协会党支部",
        ],
        start=1,
    ):
        orgs.append(OrgSpec(f"FG-F{f:02d}", fname, K.BRANCH, "FG", "FG"))

    return Jurisdiction(
        slug="jixian",
        tenant_name="吉县县委组织部",
        level=TenantLevel.COUNTY,
        region_code="141028",
        year=2018,
        orgs=tuple(orgs),
        users=_users(
            "jixian",
            UserSpec(
                "reviewer",
                "jixian-reviewer",
                "审核人：吉昌镇党委书记，审核本镇村党组织书记述职报告（JX-05）",
                org_codes=("XZ01",),
                person_org="XZ01",
            ),
            secretary_org="XZ01-C02",
            observer_label="县委组织部指导组成员（JX-09）",
        ),
    )


# --- 童家镇 (TJ, 2023) --------------------------------------------------------


def _tongjia() -> Jurisdiction:
    orgs: list[OrgSpec] = [OrgSpec("ZW", "中共乐至县童家镇委员会", K.COMMITTEE, None, None)]
    communities = ["童家社区", "新街社区", "文昌社区"]
    villages = [
        "石佛村", "龙门村", "高寺村", "红花村", "双河村", "青龙村", "新华村", "白鹤村", "玉泉村",
        "金龙村", "回龙村", "天池村", "大佛村", "长河村", "松林村", "狮子村", "明星村", "三元村",
    ]  # fmt: skip
    short = {"C05", "C12", "C17"}  # TJ-05: secretaries short in post report for the organization
    changed = {"C08", "C20"}
    # clause TJ-01: all 21 村（社区）党组织 report to the 镇党委
    for i, place in enumerate(communities + villages, start=1):
        code = f"C{i:02d}"
        kind = K.GENERAL_BRANCH if place == "童家社区" else K.BRANCH
        suffix = "党总支" if kind is K.GENERAL_BRANCH else "党支部"
        tenure = Tenure.SHORT if code in short else Tenure.CHANGED if code in changed else Tenure.LONG
        orgs.append(OrgSpec(code, f"{place}{suffix}", kind, "ZW", "ZW", tenure))
    return Jurisdiction(
        slug="tongjia",
        tenant_name="童家镇党委",
        level=TenantLevel.TOWNSHIP,
        region_code="512022",
        year=2023,
        orgs=tuple(orgs),
        users=_users(
            "tongjia",
            # clause TJ-02: 包片领导 review their area's reports before they go to 党建办
            UserSpec(
                "reviewer",
                "tongjia-reviewer",
                "包片领导（镇党委副书记），审核东片 7 个村（社区）的述职报告（TJ-02）",
                org_codes=tuple(f"C{i:02d}" for i in range(1, 8)),
                person_org="ZW",
                person_title="副书记",
            ),
            secretary_org="C04",
            observer_label="党建办工作人员",
        ),
    )


# --- 根河 (GH, 2023) ----------------------------------------------------------


def _genhe() -> Jurisdiction:
    # clause GH-02: two reporters, the first and second branch secretaries, to the 党总支
    orgs = (
        OrgSpec("ZZ", "根河市市场监督管理局党总支", K.GENERAL_BRANCH, None, None),
        OrgSpec("ZB1", "根河市市场监督管理局第一党支部", K.BRANCH, "ZZ", "ZZ"),
        OrgSpec("ZB2", "根河市市场监督管理局第二党支部", K.BRANCH, "ZZ", "ZZ", Tenure.CHANGED),
    )
    return Jurisdiction(
        slug="genhe",
        tenant_name="根河市市场监督管理局党总支",
        level=TenantLevel.ORGAN,
        region_code="150785",
        year=2023,
        orgs=orgs,
        users=_users(
            "genhe",
            # clause GH-01: reports go to the 党总支 for review before the meeting
            UserSpec(
                "reviewer",
                "genhe-reviewer",
                "党总支书记，会前审核述职报告并主持点评（GH-01、GH-06）",
                org_codes=("ZZ",),
                person_org="ZZ",
            ),
            secretary_org="ZB1",
            observer_label="市委直属机关工委备案联络人（GH-04、GH-11）",
        ),
    )


# --- 永州 (YZ, 2020) ----------------------------------------------------------


def _yongzhou() -> Jurisdiction:
    orgs: list[OrgSpec] = [OrgSpec("GW", "中共永州市直属机关工作委员会", K.WORKING_COMMITTEE, None, None)]
    P, C, U = K.PARTY_GROUP, K.COMMITTEE, K.UNIT
    units: list[tuple[str, OrgKind]] = [
        # 市直单位党组（党委）
        ("永州市发展和改革委员会党组", P),
        ("永州市教育局党组", P),
        ("永州市科学技术局党组", P),
        ("永州市工业和信息化局党组", P),
        ("永州市公安局党委", C),
        ("永州市民政局党组", P),
        ("永州市司法局党组", P),
        ("永州市财政局党组", P),
        ("永州市人力资源和社会保障局党组", P),
        ("永州市自然资源和规划局党组", P),
        ("永州市生态环境局党组", P),
        ("永州市住房和城乡建设局党组", P),
        ("永州市交通运输局党组", P),
        ("永州市水利局党组", P),
        ("永州市农业农村局党组", P),
        ("永州市商务局党组", P),
        ("永州市文化旅游广电体育局党组", P),
        ("永州市卫生健康委员会党组", P),
        ("永州市退役军人事务局党组", P),
        ("永州市应急管理局党组", P),
        ("永州市审计局党组", P),
        ("永州市市场监督管理局党组", P),
        ("永州市统计局党组", P),
        ("永州市医疗保障局党组", P),
        ("永州市林业局党组", P),
        # 事业单位党委
        ("永州职业技术学院党委", C),
        ("永州市中心医院党委", C),
        # 中央、省驻永单位
        ("国家税务总局永州市税务局党委", C),
        ("中国人民银行永州市中心支行党委", C),
        ("永州市气象局党组", P),
        ("国网湖南省电力有限公司永州供电分公司党委", C),
        # 未设置党组（党委）的市直正处级单位: the party-member head reports (YZ-01)
        ("永州市档案馆", U),
        ("永州市机关事务管理局", U),
        ("永州市地方志编纂室", U),
        ("永州市供销合作社", U),
    ]
    short = {"U06", "U17", "U24", "U30"}  # YZ-02: in post < half a year, excluded from the draw
    changed = {"U03", "U11", "U33"}
    # clause YZ-01: every unit reports to the 工委 (in writing; 8 are drawn for the meeting)
    for i, (name, kind) in enumerate(units, start=1):
        code = f"U{i:02d}"
        tenure = Tenure.SHORT if code in short else Tenure.CHANGED if code in changed else Tenure.LONG
        title = "主要负责人" if kind is U else "书记"
        orgs.append(OrgSpec(code, name, kind, "GW", "GW", tenure, title))
    return Jurisdiction(
        slug="yongzhou",
        tenant_name="永州市直工委",
        level=TenantLevel.ORGAN,
        region_code="431100",
        year=2020,
        orgs=tuple(orgs),
        users=_users(
            "yongzhou",
            # clause YZ-06: the verification group checks the drawn reporters
            UserSpec(
                "reviewer",
                "yongzhou-reviewer",
                "核查组组长（工委副书记），核查现场述职对象（YZ-06）",
                org_codes=tuple(f"U{i:02d}" for i in range(1, 9)),
                person_org="GW",
                person_title="副书记",
            ),
            secretary_org="U08",
            observer_label="市委党建工作领导小组成员（YZ-08 测评 A 组）",
        ),
    )


# --- 遂溪 (SX, 2023) ----------------------------------------------------------


def _suixi() -> Jurisdiction:
    orgs: list[OrgSpec] = [OrgSpec("GW", "中共遂溪县直属机关工作委员会", K.WORKING_COMMITTEE, None, None)]
    # clause SX-13: 机关党委 and 党总支 run their own subordinates' cycles
    subs = {
        "JG1": (
            "中共遂溪县委机关党委",
            K.COMMITTEE,
            ["县委办公室党支部", "县委组织部党支部", "县委宣传部党支部", "县委统战部党支部"],
        ),
        "JG2": (
            "遂溪县人民政府机关党委",
            K.COMMITTEE,
            ["县政府办公室党支部", "县发展和改革局党支部", "县财政局党支部", "县统计局党支部"],
        ),
        "ZZ1": (
            "遂溪县卫生健康局党总支",
            K.GENERAL_BRANCH,
            ["县卫生健康局机关党支部", "县疾病预防控制中心党支部", "县妇幼保健院党支部"],
        ),
        "ZZ2": (
            "遂溪县自然资源局党总支",
            K.GENERAL_BRANCH,
            ["县自然资源局机关党支部", "县不动产登记中心党支部"],
        ),
        "ZZ3": (
            "遂溪县农业农村局党总支",
            K.GENERAL_BRANCH,
            ["县农业农村局机关党支部", "县农业技术推广中心党支部"],
        ),
    }
    short_sub = {"JG2-B03"}
    changed = {"ZZ2", "JG1-B02"}
    for scode, (sname, skind, branches) in subs.items():
        tenure = Tenure.CHANGED if scode in changed else Tenure.LONG
        orgs.append(OrgSpec(scode, sname, skind, "GW", "GW", tenure))
        for b, branch in enumerate(branches, start=1):
            bcode = f"{scode}-B{b:02d}"
            tenure = (
                Tenure.SHORT if bcode in short_sub else Tenure.CHANGED if bcode in changed else Tenure.LONG
            )
            orgs.append(OrgSpec(bcode, "遂溪" + branch, K.BRANCH, scode, scode, tenure))
    direct = [
        "县档案馆党支部", "县供销合作联社党支部", "县总工会机关党支部", "县妇女联合会党支部",
        "县科学技术协会党支部", "县住房和城乡建设局党支部", "县交通运输局党支部", "县水务局党支部",
        "县人力资源和社会保障局党支部", "县司法局党支部", "县市场监督管理局党支部",
        "县退役军人事务局党支部", "县应急管理局党支部",
    ]  # fmt: skip
    short = {"ZB04", "ZB09"}  # SX-01: < 6 months in post in 2023, report in the organization's name
    # clause SX-02: first-level-managed organizations (12 of them report on site)
    for d, name in enumerate(direct, start=1):
        code = f"ZB{d:02d}"
        tenure = Tenure.SHORT if code in short else Tenure.LONG
        orgs.append(OrgSpec(code, "遂溪" + name, K.BRANCH, "GW", "GW", tenure))
    return Jurisdiction(
        slug="suixi",
        tenant_name="遂溪县直工委",
        level=TenantLevel.ORGAN,
        region_code="440823",
        year=2023,
        orgs=tuple(orgs),
        users=_users(
            "suixi",
            UserSpec(
                "reviewer",
                "suixi-reviewer",
                "县委机关党委书记，组织本机关党支部书记述职（SX-13）",
                org_codes=("JG1",),
                person_org="JG1",
            ),
            secretary_org="ZB01",
            observer_label="县委有关部门领导（评议人，SX-10）",
        ),
    )


JURISDICTIONS: tuple[Jurisdiction, ...] = (_jixian(), _tongjia(), _genhe(), _yongzhou(), _suixi())


def jurisdiction(slug: str) -> Jurisdiction:
    return next(j for j in JURISDICTIONS if j.slug == slug)
