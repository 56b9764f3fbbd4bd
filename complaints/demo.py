"""A few hundred realistic demo complaints, walked through the services into every
state of the lifecycle, at the demo insurer of organisations.demo.

Demo only: every name, phone, ID and policy number is made up. Deterministic for a
given day (random.Random(seed)) and idempotent: nothing is created when complaints
registered by the demo accounts already exist.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints import services as svc
from complaints.models import Code, Complaint
from organisations.demo import ACCOUNTS
from organisations.models import Institution

S = Complaint.Status
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Template:
    product_line: str
    category: str
    cause: str
    amount: tuple[int, int]  # yuan in dispute, or (0, 0)
    leaning: str  # whom the finding favours: for / mixed / against
    request: str
    facts: str
    finding: str  # what the investigation found, for the decision text
    organisation: bool = False  # the complainant is a company


T = Template
# fmt: off
TEMPLATES: list[Template] = [
    T("motor", "claims", "claim_amount", (3000, 48000), "for",
      "要求按4S店维修报价{amount}元足额赔付车损。",
      "{date}投诉人驾驶{plate}在{road}被追尾，我司定损金额明显低于4S店维修报价，"
      "投诉人认为定损员未考虑钣金和喷漆工时，多次沟通未果。",
      "定损时遗漏了后保险杠骨架及喷漆工时"),
    T("motor", "claims", "claim_refused", (15000, 90000), "mixed",
      "要求撤销拒赔决定，赔付车辆损失{amount}元。",
      "{date}车辆在{road}涉水熄火，投诉人二次启动后发动机损坏。"
      "我司以二次启动属免责情形拒赔，投诉人称投保时业务员未提示该免责条款。",
      "投保单上有投诉人对免责条款的签字确认，但未见口头提示记录"),
    T("motor", "claims", "claim_delay", (2000, 30000), "for",
      "要求尽快支付已核定的赔款{amount}元并说明延误原因。",
      "{plate}于{date}出险，{months}个月前已完成定损并提交全部单证，"
      "至今未收到赔款，拨打客服电话多次仅被告知“在流程中”。",
      "理赔案件因单证扫描缺失在复核环节停滞"),
    T("motor", "renewal", "unauthorised_deduction", (300, 2500), "for",
      "要求退还多收的续保保费{amount}元。",
      "投诉人{plate}续保时，系统未按无赔款优待系数计算商业险保费，投诉人去年全年未出险，"
      "业务员称系统无法修改。",
      "续保报价时未调取上年度出险记录，优待系数计算错误"),
    T("motor", "service_quality", "service_attitude", (0, 0), "for",
      "要求查勘员道歉并规范服务。",
      "{date}投诉人在{road}发生单车事故，报案后查勘员迟到近两小时，"
      "到场后态度恶劣，当众指责投诉人“骗保”。",
      "查勘员到场时间及言语确有不当"),
    T("st_health", "claims", "claim_refused", (8000, 60000), "for",
      "要求赔付住院医疗费用{amount}元。",
      "投诉人投保百万医疗险，{date}因急性阑尾炎在{hospital}住院手术。"
      "我司以投保前患有慢性胃炎未如实告知为由拒赔，投诉人认为与本次疾病无关。",
      "既往慢性胃炎与本次急性阑尾炎无因果关系"),
    T("st_health", "claims", "claim_amount", (3000, 25000), "mixed",
      "要求按合同约定全额报销医疗费用{amount}元。",
      "投诉人{date}在{hospital}住院，理赔时我司扣除了部分自费药品费用，"
      "投诉人称销售时业务员承诺“自费药也能报”。",
      "自费药品扣除符合条款约定，但销售话术存在夸大"),
    T("health", "claims", "claim_refused", (50000, 300000), "against",
      "要求按重大疾病保险金额{amount}元给付。",
      "投诉人于{date}在{hospital}确诊甲状腺乳头状癌，我司认定属轻症仅按30%给付，"
      "投诉人认为应按重疾全额给付。",
      "病理报告显示已有淋巴结转移，不属于条款约定的轻症"),
    T("participating", "sales", "misleading_sales", (20000, 200000), "for",
      "要求全额退还已交保费{premium}元。",
      "{year}年投诉人在{bank}网点办理存款时，被推荐购买分红型两全保险，"
      "销售人员承诺“年收益不低于6%，随时可取”。实际分红远低于承诺，退保损失较大。",
      "销售过程录音录像中有“保证收益”的表述"),
    T("universal", "sales", "misleading_sales", (30000, 150000), "for",
      "要求解除合同并退还全部保费{premium}元。",
      "投诉人年逾七十，在{bank}柜台被告知购买的是“理财产品”，后发现是万能型终身寿险，"
      "初始费用和保单管理费扣除较多。",
      "投保时未按规定对高龄投保人进行双录"),
    T("participating", "surrender", "surrender_amount", (5000, 80000), "against",
      "要求按已交保费{premium}元退保，不接受现金价值退保。",
      "投诉人因家庭急需用钱申请退保，已交保费{premium}元，仅能退回现金价值{amount}元，"
      "投诉人称投保时未被告知退保损失。",
      "退保金额按现金价值计算，符合合同约定"),
    T("annuity", "sales", "forged_signature", (10000, 100000), "for",
      "要求确认合同无效并退还全部保费{premium}元。",
      "投诉人查询个人征信及保单时发现一份年金保险，投保单上的签名并非本人所签，"
      "投诉人从未见过该保险合同。",
      "投保单签名笔迹与投诉人样本明显不一致，系业务员代签"),
    T("ordinary_life", "renewal", "unauthorised_deduction", (1000, 12000), "for",
      "要求退还被扣划的续期保费{amount}元。",
      "投诉人已于上月书面申请停止自动转账，但银行卡仍被扣划续期保费{amount}元，"
      "投诉人认为属于违规扣费。",
      "停止转账申请已受理但未同步至扣费系统"),
    T("other", "service_quality", "harassment", (0, 0), "for",
      "要求停止营销电话和短信骚扰并删除本人信息。",
      "近{months}个月投诉人每周接到数次以我司名义推销保险的电话和短信，"
      "明确拒绝后仍持续来电，严重影响生活。",
      "来电号码中有我司电销中心外呼号码，未将投诉人列入免打扰名单"),
    T("accident", "service_quality", "personal_information", (0, 0), "mixed",
      "要求查明个人信息泄露原因并追究责任。",
      "投诉人投保意外险后不久，多家机构来电准确说出其保单号和家庭住址，投诉人怀疑我司泄露个人信息。",
      "未发现系统层面的数据泄露，已对相关代理人渠道开展排查"),
    T("st_accident", "sales", "bundled_sales", (300, 3000), "for",
      "要求退还捆绑销售的意外险保费{amount}元。",
      "投诉人在办理个人消费贷款时，被告知必须购买借款人意外险才能放款，投诉人不知情已被扣除保费{amount}元。",
      "贷款合作机构在放款流程中默认勾选了保险"),
    T("household_property", "claims", "claim_amount", (5000, 50000), "mixed",
      "要求赔偿家中水浸损失{amount}元。",
      "{date}楼上水管爆裂导致投诉人家中地板、家具浸泡损坏，我司定损仅认可部分地板，"
      "未赔偿家具及电器损失。",
      "家具损失在保险责任范围内，电器损失因未保电器附加险不予赔付"),
    T("agriculture", "claims", "claim_delay", (8000, 80000), "for",
      "要求尽快支付冰雹灾害赔款{amount}元。",
      "投诉人种植的{acres}亩荔枝于{date}遭受冰雹灾害，已报案并完成查勘，"
      "但赔款至今未到账。",
      "赔款公示期结束后未及时发起支付"),
    T("ordinary_life", "policy_service", "service_efficiency", (0, 0), "for",
      "要求尽快办理受益人变更并答复。",
      "投诉人于{date}在柜面提交变更身故受益人申请，材料齐全，但超过一个月仍未办理完成，"
      "多次询问无人答复。",
      "保全申请在影像件审核环节积压"),
    T("st_accident", "service_quality", "service_efficiency", (0, 0), "for",
      "要求改进客服热线服务并尽快答复理赔进度。",
      "投诉人连续三天拨打客服热线查询意外医疗理赔进度，均排队超过二十分钟后断线。",
      "当日热线话务量激增，排队溢出未转接回拨"),
    T("commercial_property", "claims", "claim_amount", (200000, 2000000), "against",
      "要求按保险金额赔付厂房火灾损失{amount}元。",
      "投保企业厂房于{date}发生火灾，公估机构核定损失后我司按比例赔付原则扣减赔款，"
      "企业认为投保时未被告知不足额投保的后果。",
      "保险金额低于出险时保险价值，比例赔付符合合同约定",
      organisation=True),
    T("cargo", "claims", "claim_refused", (30000, 400000), "for",
      "要求赔付运输途中货物损失{amount}元。",
      "投保企业一批电子元件于{date}在运输途中受潮损坏，我司以包装不当为由拒赔，"
      "企业认为包装符合行业标准。",
      "货损检验报告显示外包装破损系装卸所致，不属包装不当",
      organisation=True),
]
# fmt: on

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许邓冯韩曹曾彭萧蔡潘田董"
# fmt: off
GIVEN = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军",
    "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华",
    "志强", "海燕", "晓东", "丽华", "国平", "雪梅", "嘉怡", "子轩", "梓涵",
    "浩然", "雨桐", "俊杰", "美玲",
]
COMPANIES = [
    "广州市穗丰物流有限公司", "佛山市南海区宏达五金制品厂",
    "广东粤海电子科技有限公司", "杭州西溪纺织品有限公司",
    "广州天河恒信贸易有限公司", "佛山市禅城区美嘉陶瓷有限公司",
]
# (region of the branch, ID area code, plate prefix, hospitals, roads, address prefix)
REGIONS: dict[str, tuple[str, str, list[str], list[str], str]] = {
    "广州": ("440106", "粤A", ["中山大学附属第一医院", "广东省人民医院"],
           ["天河路", "中山大道", "广州大道北", "环市东路"], "广州市天河区"),
    "佛山": ("440604", "粤E", ["佛山市第一人民医院", "南海区人民医院"],
           ["佛山大道", "季华路", "桂澜路"], "佛山市禅城区"),
    "杭州": ("330106", "浙A", ["浙江大学医学院附属第一医院", "杭州市第一人民医院"],
           ["文三路", "天目山路", "文一西路"], "杭州市西湖区"),
}
# fmt: on
BANKS = ["工商银行", "建设银行", "农业银行", "邮储银行", "招商银行"]
MEDIATORS = {
    "广州": "广东保险纠纷调解中心",
    "佛山": "佛山市金融纠纷调解中心",
    "杭州": "浙江省保险纠纷人民调解委员会",
}
EXTENSION_REASONS = [
    "需委托第三方公估机构重新核定损失",
    "需调取交警部门事故认定书及相关视频",
    "需向医院调取既往病历进行核实",
    "需调取销售过程双录资料并约谈销售人员",
    "涉及多家合作机构，需协调核实",
]
# Outcome weights (supported, partly, not supported) by what the finding suggests.
LEANING = {"for": [6, 3, 1], "mixed": [1, 6, 3], "against": [1, 2, 7]}
LATE_REASON = "投诉人提供住院证明，因病未能按期申请"

# Branch codes and how often complaints land there.
# fmt: off
BRANCHES = {
    "GDGZTH": 30, "GDGZTH01": 8, "GDGZ": 14, "GDGZYX": 12, "GD": 3, "GD01": 4,
    "GDFS": 5, "GDFSCC": 8, "GDFSNH": 7, "ZJHZXH": 10, "ZJHZXH01": 5,
}
CHANNELS = {
    "hotline": 34, "website": 6, "wechat": 12, "app": 8, "email": 4, "letter": 4,
    "visit": 10, "regulator": 12, "media": 3, "other": 2,
}
# fmt: on
# The review (核查) is done by reviewer_guangdong at GD: the upper level must be in GD.
REVIEWABLE = ["GDGZTH", "GDGZTH01", "GDGZ", "GDGZYX", "GD01", "GDFSCC", "GDFSNH"]

# Target status -> (weight, days since receipt: min, max)
PLAN: dict[str, tuple[int, int, int]] = {
    S.REGISTERED: (12, 0, 2),
    S.ACCEPTED: (10, 0, 6),
    S.INVESTIGATING: (34, 2, 60),
    S.AWAITING_APPROVAL: (12, 6, 25),
    S.DECIDED: (8, 8, 20),
    S.NOTIFIED: (20, 12, 35),
    S.UNDER_REVIEW: (10, 22, 70),
    S.REVIEWED: (6, 35, 90),
    S.IN_MEDIATION: (8, 30, 150),
    S.CLOSED: (100, 25, 240),
    S.DECLINED: (6, 2, 240),
    S.ROUTED: (18, 2, 240),
    S.WITHDRAWN: (14, 4, 240),
    S.ARCHIVED: (36, 70, 240),
}
DEMO_SEED = 20260301


@dataclass
class Cast:
    handler: Any
    approver: Any
    manager: Any  # approves the first extension and routing by an earlier decision
    reviewer: Any
    senior: Any
    compliance: Any


def seed_complaints(count: int = 300, *, seed: int = DEMO_SEED) -> dict[str, Any]:
    """Create `count` demo complaints in every state; nothing if they exist."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[a.username for a in ACCOUNTS]
        )
    }
    if Complaint.objects.filter(registered_by__in=users.values()).exists():
        return {"created": 0, "by_status": {}, "skipped": True}
    with transaction.atomic():
        seeder = _Seeder(random.Random(seed), users)
        for i in range(count):
            seeder.make(i)
    by_status = Counter(seeder.statuses)
    return {"created": count, "by_status": dict(by_status), "skipped": False}


class _Seeder:
    def __init__(self, rng: random.Random, users: dict[str, Any]) -> None:
        self.rng = rng
        self.u = users
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.codes = {(c.kind, c.code): c for c in Code.objects.all()}
        self.institutions = {i.code: i for i in Institution.objects.all()}
        self.statuses: list[str] = []
        self.open_cases: dict[str, list[Complaint]] = {}
        self.regulator_seq = 0
        self.template_of: dict[int, Template] = {}

    def code(self, kind: str, value: str) -> Code:
        return self.codes[(kind, value)]

    # --- who acts -------------------------------------------------------------
    def cast(self, branch: str) -> Cast:
        u, rng = self.u, self.rng
        if branch.startswith("GDGZ"):
            handler = u["handler_guangzhou"]
            if branch.startswith("GDGZTH") and rng.random() < 0.75:
                handler = u["handler_tianhe"]
            approver = manager = u["manager_guangzhou"]
        elif branch.startswith("GD"):
            # No handler account below GD outside Guangzhou: the provincial manager
            # handles, so the senior manager approves (four-eyes).
            handler, manager = u["manager_guangdong"], u["manager_guangdong"]
            approver = u["senior_manager"]
        else:
            handler = u["handler_xihu"]
            approver = manager = u["senior_manager"]
        return Cast(
            handler=handler,
            approver=approver,
            manager=manager,
            reviewer=u["reviewer_guangdong"],
            senior=u["senior_manager"],
            compliance=u["compliance_ho"],
        )

    # --- what is complained about ----------------------------------------------
    def make(self, i: int) -> None:
        rng = self.rng
        statuses = list(PLAN)
        # The first complaints take every status once, so any count >= 14 shows all.
        if i < len(statuses):
            target = statuses[i]
        else:
            target = rng.choices(statuses, weights=[p[0] for p in PLAN.values()])[0]
        review_path = target in (S.UNDER_REVIEW, S.REVIEWED) or (
            target in (S.CLOSED, S.IN_MEDIATION, S.ARCHIVED) and rng.random() < 0.15
        )
        if review_path:
            branch = rng.choice(REVIEWABLE)
        else:
            branch = rng.choices(list(BRANCHES), weights=list(BRANCHES.values()))[0]
        _, low, high = PLAN[target]
        cast = self.cast(branch)
        c = self.register(branch, rng.randint(low, high), target, cast)
        c = self.walk(c, target, cast, review_path)
        self.statuses.append(c.status)
        if c.status in (S.ACCEPTED, S.INVESTIGATING):
            self.open_cases.setdefault(branch, []).append(c)

    def register(self, branch: str, age: int, target: str, cast: Cast) -> Complaint:
        rng = self.rng
        institution = self.institutions[branch]
        region = institution.region if institution.region in REGIONS else "广州"
        area, plate, hospitals, roads, address = REGIONS[region]
        t = rng.choice(TEMPLATES)
        received_on = self.today - age * DAY
        received_at = timezone.make_aware(
            datetime.combine(
                received_on, time(rng.randint(8, 19), rng.choice((0, 15, 30, 45)))
            )
        )
        if received_at > self.now:
            received_at = self.now - timedelta(minutes=rng.randint(5, 90))
        low, high = t.amount
        amount = Decimal(rng.randint(low, high) // 10 * 10) if high else None
        premium = rng.randint(2, 40) * 5000
        incident = received_on - rng.randint(10, 120) * DAY
        ctx = {
            "amount": f"{amount or 0:,.0f}",
            "premium": f"{premium:,}",
            "date": f"{incident.year}年{incident.month}月{incident.day}日",
            "plate": f"{plate}{rng.choice('ABCDEFGHJK')}{rng.randint(10000, 99999)}",
            "road": rng.choice(roads),
            "hospital": rng.choice(hospitals),
            "bank": rng.choice(BANKS),
            "months": rng.randint(2, 6),
            "year": rng.randint(2016, 2023),
            "acres": rng.randint(5, 60),
        }
        person = self.person(area)
        fields: dict[str, Any] = {
            "complainant_name": person["name"],
            "id_type": Complaint.IdType.RESIDENT_ID,
            "id_number": person["id"],
            "phone": person["phone"],
            "email": person["email"],
            "address": f"{address}{rng.choice(roads)}{rng.randint(1, 300)}号",
            "policy_number": self.policy_number(t, area, incident),
            "amount_in_dispute": amount,
            "is_vulnerable": person["age"] >= 65,
            "is_repeat": rng.random() < 0.06,
            "media_risk": rng.random() < 0.03,
        }
        if t.category == "claims":
            fields["claim_number"] = f"RC{incident:%Y%m}{rng.randint(0, 10**8):08d}"
        if t.organisation:
            fields.update(
                complainant_type=Complaint.ComplainantType.ORGANISATION,
                complainant_name=rng.choice(COMPANIES),
                credit_code=self.credit_code(area),
                legal_representative=person["name"],
                representation=Complaint.Representation.AGENT,
                agent_name=self.person(area)["name"],
                agent_phone=self.phone(),
                authority_verified=True,
                id_type="",
                id_number="",
            )
        elif rng.random() < 0.06:  # an adult child complains for an elderly parent
            fields.update(
                representation=Complaint.Representation.AGENT,
                agent_name=self.person(area)["name"],
                agent_phone=self.phone(),
                authority_verified=target != S.DECLINED,
            )
        channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        if channel == "regulator":
            self.regulator_seq += 1
            office = (
                "浙江监管局"
                if region == "杭州"
                else rng.choice(["广东监管局", "国家金融监督管理总局12378热线"])
            )
            fields.update(
                regulator_reference=f"JG{received_on:%Y%m}-{self.regulator_seq:05d}",
                regulator_office=office,
                regulator_due=received_on + rng.randint(7, 12) * DAY,
            )
        if channel == "visit" and rng.random() < 0.3:
            count = rng.choice([5, 6, 8, 12, 22])
            names = [self.person(area)["name"] for _ in range(min(count, 5))]
            fields.update(complainant_count=count, representatives="\n".join(names))
        c = svc.complaint_register(
            actor=cast.handler,
            institution=self.institutions[branch],
            channel=self.code("channel", channel),
            product_line=self.code("product_line", t.product_line),
            category=self.code("category", t.category),
            request=t.request.format(**ctx),
            facts=t.facts.format(**ctx),
            received_at=received_at,
            **fields,
        )
        self.template_of[c.pk] = t
        return c

    def person(self, area: str) -> dict[str, Any]:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        birth = date(rng.randint(1948, 2002), rng.randint(1, 12), rng.randint(1, 28))
        body = f"{area}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        # GB 11643-1999 check character (ISO 7064 MOD 11-2).
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[
            sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        ]
        has_email = rng.random() < 0.4
        mail = rng.choice(["163.com", "qq.com", "126.com", "sina.com"])
        return {
            "name": name,
            "id": body + check,
            "age": self.today.year - birth.year,
            "phone": self.phone() if rng.random() < 0.95 else "",
            "email": f"u{rng.randint(10**5, 10**9)}@{mail}" if has_email else "",
        }

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 10**9 - 1):09d}"

    def credit_code(self, area: str) -> str:
        chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        return "91" + area + "".join(self.rng.choice(chars) for _ in range(10))

    def policy_number(self, t: Template, area: str, incident: date) -> str:
        rng = self.rng
        if self.code("product_line", t.product_line).group == "life":
            return f"P{rng.randint(2015, 2024)}{area}{rng.randint(0, 10**8):08d}"
        return f"PDAA{incident:%Y}{area[:4]}{rng.randint(0, 10**10):010d}"

    # --- the walk through the lifecycle -------------------------------------
    def walk(self, c: Complaint, target: str, cast: Cast, review: bool) -> Complaint:
        rng = self.rng
        h = cast.handler
        if target == S.REGISTERED:
            return c
        if target == S.DECLINED:
            note = "来电人自称系投诉人同事，未能提供授权委托书，亦非法定代理人或继承人"
            return svc.complaint_decline(complaint=c, actor=h, note=note)
        if target == S.ARCHIVED:
            ended = rng.choices(
                [S.CLOSED, S.ROUTED, S.WITHDRAWN, S.DECLINED], weights=[8, 2, 2, 1]
            )[0]
            c = self.walk(c, ended, cast, review)
            return svc.complaint_archive(complaint=c, actor=h)
        if target == S.ROUTED and rng.random() < 0.5:
            return self.route(c, cast)
        if target == S.WITHDRAWN:
            before = rng.choice(
                [S.REGISTERED, S.ACCEPTED, S.INVESTIGATING, S.NOTIFIED, S.UNDER_REVIEW]
                if review
                else [S.REGISTERED, S.ACCEPTED, S.INVESTIGATING, S.NOTIFIED]
            )
            c = self.walk(c, before, cast, review)
            on = c.received_on + rng.randint(2, 20) * DAY
            if c.notified_at:
                on = max(on, timezone.localdate(c.notified_at) + DAY)
            on = min(max(on, c.review_applied_on or on), self.today)
            return svc.complaint_withdraw(
                complaint=c,
                actor=h,
                received_on=on,
                note="投诉人来电表示问题已协商解决，申请撤回投诉",
            )
        c = svc.complaint_accept(complaint=c, actor=h)
        if target == S.ACCEPTED:
            return c
        c = (
            svc.complaint_assign(complaint=c, actor=cast.manager, handler=h)
            if (h != cast.manager and rng.random() < 0.3)
            else svc.complaint_assign(complaint=c, actor=h, handler=h)
        )
        if target == S.ROUTED:
            return self.route(c, cast)
        age = (self.today - c.received_on).days
        level = 0
        if age > 12 and rng.random() < 0.45:
            level = 2 if age > 35 and rng.random() < 0.3 else 1
        self.extend(c, cast, level)
        if age > 20 and rng.random() < 0.1:
            self.pause(c, h)
        if target == S.INVESTIGATING:
            return c
        t = self.template_of[c.pk]
        outcome = rng.choices(
            ["supported", "partly", "not_supported"], weights=LEANING[t.leaning]
        )[0]
        c = svc.complaint_propose_decision(
            complaint=c,
            actor=h,
            outcome=outcome,
            decision_text=self.decision_text(t, outcome),
            cause=self.code("cause", t.cause),
            redress_amount=self.redress(c, outcome),
        )
        if target == S.AWAITING_APPROVAL:
            return c
        if rng.random() < 0.12:  # sent back once before approval
            c = svc.complaint_return_for_rework(
                complaint=c, actor=cast.approver, note="请补充核查依据及条款引用"
            )
            c = svc.complaint_propose_decision(
                complaint=c,
                actor=h,
                outcome=outcome,
                decision_text=self.decision_text(t, outcome) + "（已补充条款依据）",
                cause=c.cause,
                redress_amount=c.redress_amount,
            )
        c = svc.complaint_approve(complaint=c, actor=cast.approver)
        if target == S.DECIDED:
            return c
        notified = self.decision_day(c, level, age)
        c = svc.complaint_notify_decision(
            complaint=c,
            actor=h,
            method=rng.choice(["phone", "sms", "email", "letter", "in_person"]),
            occurred_at=timezone.make_aware(datetime.combine(notified, time(15, 30))),
            summary="告知处理决定、理由及核查、调解、仲裁、诉讼等救济途径",
        )
        if target == S.NOTIFIED:
            return c
        if review:
            c = self.review(c, cast, notified)
            if target == S.UNDER_REVIEW:
                return c
            c = svc.complaint_complete_review(
                complaint=c,
                actor=cast.reviewer,
                result=rng.choice(["upheld", "upheld", "varied", "overturned"]),
                text="经核查，原处理程序及时限符合规定，处理结果"
                + rng.choice(["并无不当，予以维持。", "部分调整，补足差额。"]),
            )
            if target == S.REVIEWED:
                return c
            if target == S.CLOSED and rng.random() < 0.7:
                sent = (c.review_applied_on or notified) + rng.randint(10, 28) * DAY
                return svc.complaint_notify_review(
                    complaint=c,
                    actor=cast.reviewer,
                    method="letter",
                    occurred_at=min(
                        self.now,
                        timezone.make_aware(datetime.combine(sent, time(10, 0))),
                    ),
                    summary="邮寄核查决定书",
                )
        elif target == S.CLOSED and rng.random() < 0.8:
            lapsed = (self.today - notified).days > 30
            note = "核查申请期限届满，结案" if lapsed else "投诉人来电表示接受处理结果"
            return svc.complaint_close(complaint=c, actor=h, note=note)
        referred = min(self.today, notified + rng.randint(3, 20) * DAY)
        c = svc.complaint_refer_to_mediation(
            complaint=c,
            actor=h,
            body=MEDIATORS.get(c.institution.region, MEDIATORS["广州"]),
            referred_on=referred,
            note="投诉人申请调解，我司同意参加",
        )
        if target == S.IN_MEDIATION:
            return c
        mediation = rng.choices(["agreed", "failed", "declined"], weights=[6, 3, 1])[0]
        return svc.complaint_record_mediation_outcome(
            complaint=c,
            actor=h,
            outcome=mediation,
            note={
                "agreed": "双方在调解员主持下达成调解协议",
                "failed": "调解不成，告知投诉人可申请仲裁或提起诉讼",
                "declined": "该纠纷已由法院立案受理，经合规审批不参加调解",
            }[mediation],
            approver=cast.compliance if mediation == "declined" else None,
            redress_amount=self.redress(c, "partly") if mediation == "agreed" else None,
        )

    def route(self, c: Complaint, cast: Cast) -> Complaint:
        rng = self.rng
        kind = rng.choices(
            ["reclassified", "forwarded", "proceeding", "merged", "already_decided"],
            weights=[4, 3, 2, 2, 1],
        )[0]
        extra: dict[str, Any] = {}
        branch = c.institution.code
        target = next(
            (o for o in reversed(self.open_cases.get(branch, [])) if o.pk != c.pk),
            None,
        )
        if kind == "merged":
            if target is None:
                kind = "forwarded"
            else:
                target.refresh_from_db()
                extra["merged_into"] = target
        notes = {
            "reclassified": "经沟通，来电人仅咨询保单现金价值及领取方式，不属于投诉",
            "forwarded": "所涉保单由他司承保，已转交该公司处理并告知投诉人",
            "proceeding": "投诉人已就同一事项向人民法院起诉，关联诉讼案件",
            "merged": "与正在处理的投诉为同一事项，无新的事实和理由",
            "already_decided": "同一事项已作出处理决定并告知，未提出新的事实和理由",
        }
        if kind == "reclassified":
            extra["item_type"] = rng.choice(["enquiry", "enquiry", "suggestion"])
        if kind == "already_decided":
            extra["approver"] = (
                cast.manager if cast.manager != cast.handler else cast.senior
            )
        reason = {"reclassified": "not_a_complaint"}.get(kind, kind)
        return svc.complaint_route(
            complaint=c,
            actor=cast.handler,
            kind=kind,
            reason=self.code("route_reason", reason),
            note=notes[kind],
            **extra,
        )

    def extend(self, c: Complaint, cast: Cast, level: int) -> None:
        reason = self.rng.choice(EXTENSION_REASONS)
        for step in range(1, level + 1):
            svc.complaint_extend(
                complaint=c,
                actor=cast.handler,
                level=step,
                reason=reason if step == 1 else "案情特别复杂，需进一步调查取证",
                approver=cast.manager if step == 1 else cast.senior,
            )

    def pause(self, c: Complaint, h: Any) -> None:
        start = c.received_on + self.rng.randint(3, 8) * DAY
        svc.complaint_pause(
            complaint=c,
            actor=h,
            started_on=start,
            body="第三方司法鉴定机构",
            reason="需对损失金额进行鉴定",
        )
        end = min(self.today, start + self.rng.randint(5, 15) * DAY)
        svc.complaint_resume(complaint=c, actor=h, ended_on=end)

    def review(self, c: Complaint, cast: Cast, notified: date) -> Complaint:
        rng = self.rng
        late = rng.random() < 0.1
        applied = notified + (rng.randint(32, 40) if late else rng.randint(3, 25)) * DAY
        applied = min(self.today, applied)
        return svc.complaint_request_review(
            complaint=c,
            actor=cast.handler,
            applied_on=applied,
            note="投诉人对处理结果不服，书面申请上级机构核查",
            late_reason=LATE_REASON if late else "",
        )

    def decision_day(self, c: Complaint, level: int, age: int) -> date:
        limit = {0: (5, 14), 1: (15, 28), 2: (31, 55)}[level]
        day = c.received_on + self.rng.randint(*limit) * DAY
        return min(day, self.today, c.received_on + max(age - 1, 0) * DAY)

    def decision_text(self, t: Template, outcome: str) -> str:
        result = {
            "supported": "您的请求予以支持，我司将于10个工作日内办理",
            "partly": "您的请求部分予以支持，其余请求因不符合合同约定不予支持",
            "not_supported": "您的请求因不符合合同约定及相关规定，不予支持",
        }[outcome]
        return (
            f"经调查核实，{t.finding}。{result}。"
            "如您对处理结果有异议，可自收到本决定之日起30日内向上级机构申请核查，"
            "也可申请保险纠纷调解组织调解、依合同约定申请仲裁或向人民法院提起诉讼。"
        )

    def redress(self, c: Complaint, outcome: str) -> Decimal | None:
        if outcome == "not_supported" or not c.amount_in_dispute:
            return None
        share = 1 if outcome == "supported" else self.rng.choice([0.3, 0.5, 0.7])
        return (c.amount_in_dispute * Decimal(str(share))).quantize(Decimal("1.00"))
