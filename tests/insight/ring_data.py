"""A realistic set of complaints for the ring search, and a planted ring of 12.

The control set is drawn as a large insurer's complaints look: common surnames,
two-character given names, templates of the usual grievances with their own slot
values, one complaint in five filed through an agent (a relative, a lawyer).
"""

from __future__ import annotations

import random

from insight.rings import Row

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力林云飞海鹏斌波宁凯浩亮晨欣怡佳雪琳婷倩颖博宇轩然子涵梓睿诗思雨泽嘉"
)
CITIES = [
    "广州市天河区",
    "杭州市西湖区",
    "深圳市南山区",
    "佛山市禅城区",
    "宁波市鄞州区",
]
ROADS = ["体育西路", "天河北路", "文三路", "科技园路", "季华路", "中山东路", "解放路"]
PRODUCTS = [
    "重大疾病保险",
    "百万医疗险",
    "车险",
    "意外险",
    "年金保险",
    "寿险",
    "家财险",
]
GRIEVANCES = [
    "申请理赔后保险公司以{r}为由拒绝赔付，我认为理由不成立，要求按合同约定赔付{p}保险金",
    "销售人员在推销{p}时承诺{r}，实际合同条款与宣传不符，存在销售误导，要求全额退还已交保费",
    "我的{p}理赔材料已于上月提交齐全，至今超过三十日仍未作出核定，也无人说明原因，要求尽快处理",
    "续保{p}时保费大幅上涨，业务员未作任何说明，查询后发现是因为{r}，要求给出合理解释并调整",
    "退保{p}时被告知只能退还现金价值，与当初{r}的说法不一致，损失较大，要求按已交保费退还",
    "客服电话多次无人接听，在线提交的{p}批改申请因{r}被退回三次，服务态度差，要求改进并道歉",
]
REASONS = [
    "未如实告知既往病史",
    "等待期内出险",
    "不属于保险责任范围",
    "可以随时全额退保",
    "保证收益每年百分之五",
    "材料不全需补充",
    "医院不在合作名单内",
    "驾驶人不在约定范围",
    "车辆用途改变",
    "免赔额已提高",
    "系统升级暂停办理",
    "需本人到柜面办理",
]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
    )


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"


def address(rng: random.Random) -> str:
    return (
        f"{rng.choice(CITIES)}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        f"{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
    )


def grievance(rng: random.Random) -> str:
    text = rng.choice(GRIEVANCES).format(p=rng.choice(PRODUCTS), r=rng.choice(REASONS))
    return f"本人于{rng.randint(2019, 2025)}年{rng.randint(1, 12)}月{text}。"


def control_set(n: int = 10_000, seed: int = 7) -> list[Row]:
    rng = random.Random(seed)
    rows = []
    for pk in range(1, n + 1):
        agent = rng.random() < 0.2
        rows.append(
            Row(
                id=pk,
                agent_phone=phone(rng) if agent else "",
                agent_name=person(rng) if agent else "",
                address=address(rng),
                text=grievance(rng),
            )
        )
    return rows


AGENCY_ADDRESS = "广州市越秀区环市东路339号1808室"
AGENCY_PHONE = "139 0000 1111"
TEMPLATE = (
    "本人于{y}年在贵公司购买{p}，投保时业务员隐瞒了保险合同中的免责条款和犹豫期规定，"
    "以高额回报为诱饵诱导我将存款转为保险，严重侵害了消费者的知情权和自主选择权，"
    "现依据相关法律法规要求贵公司全额退还已交保费{a}元并赔偿利息损失，否则将向监管部门投诉。"
)


def planted_ring(start: int = 100_001) -> list[Row]:
    """Twelve complaints filed by one agency, tied in every way such agencies leave."""
    rng = random.Random(11)
    ids = list(range(start, start + 12))

    def text() -> str:
        return TEMPLATE.format(
            y=rng.randint(2018, 2024),
            p=rng.choice(PRODUCTS),
            a=rng.randint(10_000, 90_000),
        )

    rows = []
    for i, pk in enumerate(ids):
        if i < 5:  # the agency's phone, each client a different helper's name
            rows.append(
                Row(pk, AGENCY_PHONE, person(rng), address(rng), grievance(rng))
            )
        elif i < 9:  # the agency's manager by name, in characters or pinyin
            name = ["李明", "Li Ming", "LI MING", "李 明"][i - 5]
            rows.append(Row(pk, "", name, AGENCY_ADDRESS, text()))
        else:  # clients giving the agency's address, the agency's letter
            rows.append(Row(pk, "", "", AGENCY_ADDRESS, text()))
    # The agency's phone and its manager's name on one complaint join the two halves.
    first = rows[0]
    rows[0] = Row(first.id, AGENCY_PHONE, "李明", AGENCY_ADDRESS, first.text)
    return rows
