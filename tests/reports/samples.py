"""Report-shaped texts for the tests: a title, the author under it, an addressee, an
opening, numbered parts with sub-headings, a closing line, a signature and a date, in
the words secretaries use. Section lengths are set by 字数 targets, so a test can put a
share or a length just inside or just outside a plan's limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shuzhi.reports.counting import count_words
from tests.reports.docx_builder import DocxBuilder

# --- a village (社区) party branch secretary: tongjia, genhe -------------------------------

VILLAGE_PRACTICES = [
    "一年来，我始终把学习贯彻党的二十大精神作为首要政治任务，全年主持召开支部委员会12次、党员大会4次，讲授专题党课3次，带领全村46名党员学习习近平新时代中国特色社会主义思想。",
    "扎实开展主题教育，围绕群众急难愁盼问题开展调研走访，共走访农户213户，收集意见建议37条，已办结34条，办结率91.9%。",
    "例如，针对三组村民反映的灌溉渠道淤塞问题，我带领党员突击队清淤2.3公里，解决了120余亩农田的灌溉难题。",
    "坚持把拼经济搞建设作为服务中心大局的主战场，依托土地流转发展柠檬种植基地一处，面积达到380亩，带动62户群众就近务工。",
    "村集体经济收入由上年的8.6万元增加到15.2万元，增长76.7%，彻底摘掉了集体经济“空壳村”的帽子。",
    "以村股份经济合作社为例，我们探索“党支部＋合作社＋农户”模式，由支部委员分片领办，年底为入社农户分红4.5万元。",
    "始终绷紧防风险保安全这根弦，每月组织开展安全生产和森林防火隐患排查，全年排查整改隐患19处，调处矛盾纠纷27起。",
    "深入推进抓党建促乡村振兴，对照标准化规范化建设要求，新建村级党群服务中心一处，面积达到260平方米，配齐了便民服务设施。",
    "健全“村党支部—网格党小组—党员中心户”组织体系，划分网格8个，设立党员中心户15户，推动基层治理力量下沉到组到户。",
    "严格落实“三会一课”和主题党日制度，全年开展主题党日活动12次，组织党员参加集中轮训2期，党员参学率达到95%以上。",
    "注重在致富能手和返乡青年中发展党员，全年确定入党积极分子3名、发展对象2名，发展预备党员1名，党员队伍结构进一步优化。",
    "认真履行抓基层党建第一责任人职责，与支部委员逐一签订党建责任书，每季度专题研究党建工作1次，重要工作亲自部署、重大问题亲自过问。",
    "对照上年度述职评议反馈的“党员教育管理不够严格”等3个问题，逐项制定整改措施，目前已全部整改完成。",
    "对县委巡察反馈涉及我村的2个问题，坚持立行立改，完善了村级财务公开制度，每季度张榜公示收支情况。",
    "比如，我们组建了由18名党员组成的志愿服务队，常态化开展独居老人探访、代办代缴等服务，累计服务群众600余人次。",
    "大力推进移风易俗，修订完善村规民约，评选“好婆婆”“好媳妇”等先进典型16名，文明乡风持续向好。",
]
VILLAGE_PROBLEMS = [
    "一是理论学习还不够深入。自己满足于读原文、记笔记，联系村里实际思考不够，用党的创新理论指导推动工作的能力还有差距，全年带头讲党课只有3次。",
    "二是党员队伍老化问题突出。全村46名党员中60岁以上的有27名，占58.7%，35岁以下的仅有4名，后备力量不足，部分党员作用发挥不明显。",
    "三是集体经济发展后劲不足。目前收入主要依靠土地流转和基地租金，产业链条短、抗风险能力弱，缺少带动力强的特色产业项目。",
    "四是组织生活质量不高。有的主题党日活动形式单一，重形式轻实效，对流动党员的教育管理还存在“盲区”，外出务工的9名党员参学率偏低。",
    "五是抓基层治理的办法不多。面对群众诉求日益多元的新情况，运用网格化手段化解矛盾的能力还不强，有的矛盾纠纷调处不够及时。",
    "究其原因，一是思想认识上有偏差，存在重经济发展、轻党建工作的倾向，抓党建的责任意识还需进一步增强。",
    "二是履职尽责上有差距，自己在谋划党建工作时创新意识不强，习惯于按部就班，主动研究新情况新问题不够。",
    "三是能力素质上有短板，对乡村振兴、基层治理等方面的政策学习不够系统，抓发展、抓治理的本领与新形势新任务的要求还不相适应。",
    "四是制度执行上不够严格，对党员的日常监督管理存在失之于宽、失之于软的问题，党员干事创业的积极性没有充分调动起来。",
]
VILLAGE_PLANS = [
    "一是持续加强理论武装。坚持每月集中学习不少于1次，全年讲授党课不少于4次，引导党员把学习成果转化为推动乡村振兴的实际行动。",
    "二是着力优化党员队伍。计划培养入党积极分子4名，重点从返乡创业青年、致富带头人中发展党员，着力解决党员队伍老化问题。",
    "三是做大做强集体经济。依托柠檬种植基地延伸产业链条，力争2024年村集体经济收入突破20万元。",
    "四是提升基层治理水平。完善网格化管理机制，常态化开展矛盾纠纷排查化解，确保小事不出组、大事不出村。",
    "五是严格落实党建责任。带头履行第一责任人职责，建立问题清单、任务清单、责任清单，确保各项整改措施落到实处。",
]

# --- a secretary of a county or city organ (机关党组织书记): yongzhou, suixi, jixian --------

ORGAN_PRACTICES = [
    "一年来，我认真履行党组书记抓党建第一责任人职责，全年主持召开党组会议研究党建工作9次，专题听取机关党委工作汇报4次。",
    "坚持把党的政治建设摆在首位，严格落实“第一议题”制度，组织理论学习中心组集中学习14次，撰写调研报告3篇。",
    "扎实开展主题教育，班子成员深入基层一线调研28人次，梳理形成问题清单21项，已整改到位19项。",
    "例如，针对群众反映办事来回跑的问题，我们推行“一窗受理、集成服务”，将23个事项的平均办理时限由7个工作日压缩到3个工作日。",
    "持续深化理论武装，用好“学习强国”等平台，机关党员人均学习积分较上年增长31%，意识形态工作责任制落实到每个支部。",
    "狠抓基层党组织标准化规范化建设，所属6个党支部全部完成按期换届，新建党员活动室2个，评选“五星支部”2个。",
    "以机关第二党支部为例，支部创建“党员先锋岗”12个，带头承担重点项目攻坚任务，获评全市“先进基层党组织”。",
    "严格党员发展和教育管理，全年发展党员3名，组织党员参加集中培训4期，开展谈心谈话56人次。",
    "认真落实全面从严治党主体责任，与班子成员签订“一岗双责”责任书8份，开展廉政谈话42人次，全年无违纪违法案件发生。",
    "推动党建与业务深度融合，围绕中心工作设立党员攻坚小组5个，全年完成重点项目投资4.6亿元，超额完成年度目标任务。",
    "对照上年度述职评议指出的“党建与业务融合不够”等4个问题，制定整改措施11条，已全部完成整改。",
    "坚持党建带群建，指导工会、团支部开展志愿服务活动18次，参与群众1200余人次，机关凝聚力不断增强。",
]
ORGAN_PROBLEMS = [
    "一是理论学习的深度不够。自己在学习上存在“以干代学”的现象，满足于参加集中学习，自学的时间少，运用理论解决实际问题的能力还有差距。",
    "二是抓党建的精力投入不够。自己习惯于把主要精力放在业务工作上，对党建工作研究部署多、跟踪问效少，有时存在“重布置、轻落实”的情况。",
    "三是党建与业务融合不够紧密。一些支部的活动与中心工作结合不紧，存在“两张皮”现象，党建工作服务中心大局的作用发挥还不够充分。",
    "四是党员教育管理不够精细。对年轻党员的思想状况掌握不够及时，教育方式方法比较单一，个别党员的先锋模范作用发挥不明显。",
    "五是基层党组织建设不够均衡。所属6个党支部中有2个支部的工作标准不高，组织生活质量有待提升，支部书记的履职能力参差不齐。",
    "究其原因，一是思想上重视不够。自己对“抓好党建是最大政绩”的认识还不够深刻，主观上存在重业务轻党建的思想倾向。",
    "二是责任传导不够有力。对班子成员落实“一岗双责”的督促检查不够经常，压力层层递减的问题没有得到根本解决。",
    "三是制度执行不够严格。有的制度停留在纸面上，考核评价的激励约束作用发挥不充分，对问题的追责问责力度不够。",
    "四是创新意识不够强。面对新形势新任务，自己在推动党建工作创新上办法不多，习惯用老办法解决新问题。",
]
ORGAN_MEASURES = [
    "一是强化理论武装。坚持把学习贯彻党的二十大精神作为首要政治任务，全年带头讲党课不少于2次，每季度开展1次专题研讨。",
    "二是压实党建责任。健全党组统一领导、书记带头抓、班子成员分工负责的工作机制，每半年专题研究党建工作不少于2次。",
    "三是推动融合发展。围绕中心工作打造党建品牌，开展“支部联建”活动，推动党建工作与业务工作同谋划、同部署、同考核。",
    "四是加强队伍建设。严格落实“三会一课”等组织生活制度，分层分类开展党员培训，充分发挥党员先锋模范作用。",
    "五是从严正风肃纪。持续深化作风建设，加强对关键岗位和重点环节的监督，营造风清气正的机关政治生态。",
]


def fill(pool: Sequence[str], target: int, *, per_paragraph: int = 2, offset: int = 0) -> list[str]:
    """Paragraphs of sentences from ``pool`` (in turn, repeating if needed) until ``target`` 字."""
    paras: list[str] = []
    current: list[str] = []
    words = 0
    i = offset
    while words < target:
        sentence = pool[i % len(pool)]
        current.append(sentence)
        words += count_words(sentence)
        i += 1
        if len(current) == per_paragraph:
            paras.append("".join(current))
            current = []
    if current:
        paras.append("".join(current))
    return paras


@dataclass
class Section:
    heading: str
    paragraphs: list[str]  # sub-headings included, as they stand in the text
    subheadings: list[str] = field(default_factory=list)  # those of the paragraphs that are headings

    def words(self) -> int:
        return count_words(self.heading) + sum(count_words(p) for p in self.paragraphs)


@dataclass
class Sample:
    title: str
    byline: str | None
    addressee: str | None
    intro: list[str]
    sections: list[Section]
    closing: list[str]
    signature: list[str]  # e.g. ["石龙村党支部书记：张三", "2024年1月5日"]
    table: list[list[str]] | None = None  # put in the first section of the .docx only

    def lines(self) -> list[str]:
        out = [self.title]
        out += [self.byline] if self.byline else []
        out += [self.addressee] if self.addressee else []
        out += self.intro
        for s in self.sections:
            out.append(s.heading)
            out += s.paragraphs
        return out + self.closing + self.signature

    def text(self) -> str:
        return "\n".join(self.lines())

    def body_words(self, *, with_table: bool = False) -> int:
        words = sum(count_words(p) for p in self.intro + self.closing) + sum(s.words() for s in self.sections)
        if with_table and self.table:
            words += sum(count_words("\t".join(r)) for r in self.table)
        return words

    def docx(self) -> bytes:
        """As a secretary formats it: centered bold title, bold numbered headings, sub-headings
        as bold lead sentences, a table of figures, the signature right-aligned."""
        b = DocxBuilder()
        b.title(self.title)
        if self.byline:
            b.para(self.byline, align="center")
        if self.addressee:
            b.para(self.addressee)
        for p in self.intro:
            b.para(p)
        for k, s in enumerate(self.sections):
            b.para(s.heading, bold=True)
            for p in s.paragraphs:
                if p in s.subheadings:
                    lead, sep, rest = p.partition("。")
                    b.bold_lead(lead + sep, rest)
                else:
                    b.para(p)
            if k == 0 and self.table:
                b.table(self.table)
        for p in self.closing:
            b.para(p)
        for p in self.signature:
            b.para(p, align="right")
        return b.bytes()


def _with_subheadings(subs: Sequence[str], paragraphs: list[str]) -> Section:
    """Spread sub-headings (（一）… or bold leads) over the paragraphs: one before every few."""
    out: list[str] = []
    step = max(1, len(paragraphs) // max(1, len(subs)))
    subs = list(subs)
    for i, p in enumerate(paragraphs):
        if subs and i % step == 0:
            out.append(subs.pop(0))
        out.append(p)
    return Section("", out, [])


def village_report(
    *,
    practices: int,
    problems: int,
    plans: int,
    practices_heading: str = "一、主要做法及成效",
    problems_heading: str = "二、存在的问题及原因分析",
    plans_heading: str = "三、下步工作打算",
    village: str = "童家镇石龙村",
    extra_practices: Sequence[str] = (),
) -> Sample:
    """A 村党支部书记's report (童家镇's 附件1 outline) with sections of about the given 字数."""
    subs = [
        "（一）加强政治建设方面",
        "（二）服务保障中心大局方面",
        "（三）推进基层党建重点任务方面",
        "（四）落实责任方面",
    ]
    sec1 = _with_subheadings(subs, list(extra_practices) + fill(VILLAGE_PRACTICES, practices))
    sec1.heading, sec1.subheadings = practices_heading, []
    return Sample(
        title="2023年度抓基层党建工作述职报告",
        byline=f"{village}党支部书记 张三",
        addressee="各位领导、同志们：",
        intro=["根据会议安排，现将本人2023年度抓基层党建工作情况述职如下。"],
        sections=[
            sec1,
            Section(problems_heading, fill(VILLAGE_PROBLEMS, problems, per_paragraph=1)),
            Section(plans_heading, fill(VILLAGE_PLANS, plans, per_paragraph=1)),
        ],
        closing=["谢谢大家！"],
        signature=[f"{village}党支部书记：张三", "2024年1月5日"],
        table=[
            ["指标", "2022年", "2023年"],
            ["集体经济收入（万元）", "8.6", "15.2"],
            ["党员人数", "45", "46"],
        ],
    )


def organ_report(
    *,
    practices: int,
    problems: int,
    measures: int,
    headings: Sequence[str] = ("一、做法和成效", "二、存在的问题及原因", "三、改进的措施和打算"),
    intro: Sequence[str] = (
        "根据市直工委的统一安排，现将本人履行抓基层党建工作第一责任人职责情况报告如下。",
    ),
    title: str = "2023年度履行抓基层党建工作责任述职报告",
    byline: str | None = "市农业农村局党组书记、局长 李四",
    addressee: str | None = "尊敬的各位领导、同志们：",
    bold_subheadings: bool = True,
    extra_practices: Sequence[str] = (),
) -> Sample:
    """A 机关党组（党委）书记's report: three parts, bold lead sentences as sub-headings."""
    paras = list(extra_practices) + fill(ORGAN_PRACTICES, practices)
    subs: list[str] = []
    if bold_subheadings:
        leads = [
            "突出政治引领，压实管党治党责任。",
            "夯实基层基础，提升组织建设质量。",
            "坚持融合发展，服务中心工作大局。",
        ]
        step = max(1, len(paras) // len(leads))
        for k, lead in enumerate(leads):
            i = k * step
            if i < len(paras):
                paras[i] = lead + paras[i]
                subs.append(paras[i])
    return Sample(
        title=title,
        byline=byline,
        addressee=addressee,
        intro=list(intro),
        sections=[
            Section(headings[0], paras, subs),
            Section(headings[1], fill(ORGAN_PROBLEMS, problems, per_paragraph=1)),
            Section(headings[2], fill(ORGAN_MEASURES, measures, per_paragraph=1)),
        ],
        closing=["以上报告，请予审议。"],
        signature=["2024年1月10日"],
        table=[["项目", "目标", "完成"], ["重点项目投资（亿元）", "4.0", "4.6"]],
    )
