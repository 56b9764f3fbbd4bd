"""The demo tree grown to a national insurer: 30 provinces, each with two
central sub-branches of four sub-branches, and staff on every level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from organisations.models import Institution, Membership
from organisations.services import institution_create, membership_grant
from sampledata.organisation import seed_organisation

L = Institution.Level
R = Membership.Role
# fmt: off
# (code, province, two cities)
PROVINCES: list[tuple[str, str, tuple[str, str]]] = [
    ("BJ", "北京", ("东城", "海淀")), ("TJ", "天津", ("和平", "滨海")),
    ("HE", "河北", ("石家庄", "唐山")), ("SX", "山西", ("太原", "大同")),
    ("NM", "内蒙古", ("呼和浩特", "包头")), ("LN", "辽宁", ("沈阳", "大连")),
    ("JL", "吉林", ("长春", "吉林")), ("HL", "黑龙江", ("哈尔滨", "大庆")),
    ("SH", "上海", ("浦东", "徐汇")), ("JS", "江苏", ("南京", "苏州")),
    ("AH", "安徽", ("合肥", "芜湖")), ("FJ", "福建", ("福州", "厦门")),
    ("JX", "江西", ("南昌", "赣州")), ("SD", "山东", ("济南", "青岛")),
    ("HA", "河南", ("郑州", "洛阳")), ("HB", "湖北", ("武汉", "宜昌")),
    ("HN", "湖南", ("长沙", "株洲")), ("GX", "广西", ("南宁", "柳州")),
    ("HI", "海南", ("海口", "三亚")), ("CQ", "重庆", ("渝中", "万州")),
    ("SC", "四川", ("成都", "绵阳")), ("GZ", "贵州", ("贵阳", "遵义")),
    ("YN", "云南", ("昆明", "曲靖")), ("SN", "陕西", ("西安", "宝鸡")),
    ("GS", "甘肃", ("兰州", "天水")), ("QH", "青海", ("西宁", "海东")),
    ("NX", "宁夏", ("银川", "石嘴山")), ("XJ", "新疆", ("乌鲁木齐", "克拉玛依")),
]
DISTRICTS = ["城东", "城西", "城南", "城北"]
# fmt: on


@dataclass
class Staff:
    """Who works where: handlers per institution, approvers above them."""

    institutions: list[Institution] = field(default_factory=list)
    handlers: dict[int, list[int]] = field(default_factory=dict)
    managers: dict[int, int] = field(default_factory=dict)
    reviewers: dict[int, int] = field(default_factory=dict)
    by_path: dict[str, Institution] = field(default_factory=dict)

    def manager_over(self, inst: Institution) -> int:
        """The nearest manager at or above `inst` (the four-eyes approver)."""
        node: Institution | None = inst
        while node is not None:
            if node.pk in self.managers:
                return self.managers[node.pk]
            node = self.by_path.get(_parent_path(node.path))
        raise LookupError(inst.code)

    def reviewer_over(self, inst: Institution) -> tuple[int, int] | None:
        """(institution, reviewer) one level up, for the review (核查)."""
        parent = self.by_path.get(_parent_path(inst.path))
        while parent is not None:
            if parent.pk in self.reviewers:
                return parent.pk, self.reviewers[parent.pk]
            parent = self.by_path.get(_parent_path(parent.path))
        return None


def _parent_path(path: str) -> str:
    return path[: path.rstrip("/").rfind("/") + 1]


@transaction.atomic
def grow_tree(provinces: int | None = None) -> Staff:
    """Add the provinces (idempotent) and one account per working role."""
    seed_organisation()
    head = Institution.objects.get(code="HO")
    existing = set(Institution.objects.values_list("code", flat=True))
    for code, province, cities in PROVINCES[:provinces]:
        if code in existing:
            continue
        branch = institution_create(
            code=code,
            name=f"{province}分公司",
            level=L.PROVINCIAL,
            parent=head,
            region=province,
        )
        for n, city in enumerate(cities, start=1):
            central = institution_create(
                code=f"{code}{n:02d}",
                name=f"{city}中心支公司",
                level=L.CENTRAL_SUB_BRANCH,
                parent=branch,
                region=city,
            )
            for m, district in enumerate(DISTRICTS, start=1):
                institution_create(
                    code=f"{code}{n:02d}{m:02d}",
                    name=f"{city}{district}支公司",
                    level=L.SUB_BRANCH,
                    parent=central,
                    region=city,
                )
    return _staff()


def _account(username: str, last: str, first: str) -> Any:
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"last_name": last, "first_name": first, "is_staff": True},
    )
    if created:
        user.set_unusable_password()  # benchmark accounts never log in
        user.save(update_fields=["password"])
    return user


def _staff() -> Staff:
    staff = Staff()
    held = set(
        Membership.objects.values_list("user__username", "institution_id", "role")
    )

    def member(
        username: str, last: str, first: str, inst: Institution, role: str
    ) -> int:
        user = _account(username, last, first)
        if (username, inst.pk, role) not in held:  # a re-run grants nothing again
            membership_grant(user=user, institution=inst, role=role)
        return int(user.pk)

    for inst in Institution.objects.order_by("path"):
        staff.institutions.append(inst)
        staff.by_path[inst.path] = inst
        code = inst.code
        if inst.level >= L.CENTRAL_SUB_BRANCH:
            staff.handlers[inst.pk] = [
                member(f"bench_h_{code}_{n}", "赵", f"{code}{n}", inst, R.HANDLER)
                for n in (1, 2)
            ]
        if inst.level <= L.CENTRAL_SUB_BRANCH:
            staff.managers[inst.pk] = member(
                f"bench_m_{code}", "钱", code, inst, R.MANAGER
            )
        if inst.level <= L.PROVINCIAL:
            staff.reviewers[inst.pk] = member(
                f"bench_r_{code}", "孙", code, inst, R.REVIEWER
            )
    return staff


def staff() -> Staff:
    """Who works where in the tree as it is (grows nothing)."""
    return _staff()
