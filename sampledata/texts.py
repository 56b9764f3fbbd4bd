"""Data tables of the demo complaints: realistic requests and facts per business
category, names, regions and how many complaints end in each state."""

from __future__ import annotations

from dataclasses import dataclass

from complaints.models import Complaint

S = Complaint.Status


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
