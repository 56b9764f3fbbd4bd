"""A realistic demo insurer: the tree and one account per role.

Demo only: every account shares DEMO_PASSWORD, printed by seed_demo and listed
in README. Never run this against a production database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from organisations.models import Institution, Membership
from organisations.permissions import sync_role_groups
from organisations.services import institution_create, membership_grant

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (demo accounts only)

L = Institution.Level
# (code, name, level, parent code, region)
TREE: list[tuple[str, str, int, str | None, str]] = [
    ("HO", "华安永信财产保险股份有限公司总公司", L.HEAD_OFFICE, None, "北京"),
    ("GD", "广东分公司", L.PROVINCIAL, "HO", "广东"),
    ("ZJ", "浙江分公司", L.PROVINCIAL, "HO", "浙江"),
    ("GDGZ", "广州中心支公司", L.CENTRAL_SUB_BRANCH, "GD", "广州"),
    ("GDFS", "佛山中心支公司", L.CENTRAL_SUB_BRANCH, "GD", "佛山"),
    ("ZJHZ", "杭州中心支公司", L.CENTRAL_SUB_BRANCH, "ZJ", "杭州"),
    ("ZJNB", "宁波中心支公司", L.CENTRAL_SUB_BRANCH, "ZJ", "宁波"),
    ("GDGZTH", "天河支公司", L.SUB_BRANCH, "GDGZ", "广州"),
    ("GDGZYX", "越秀支公司", L.SUB_BRANCH, "GDGZ", "广州"),
    ("GDFSCC", "禅城支公司", L.SUB_BRANCH, "GDFS", "佛山"),
    ("GDFSNH", "南海支公司", L.SUB_BRANCH, "GDFS", "佛山"),
    ("ZJHZXH", "西湖支公司", L.SUB_BRANCH, "ZJHZ", "杭州"),
    ("ZJHZYH", "余杭支公司", L.SUB_BRANCH, "ZJHZ", "杭州"),
    ("ZJNBYZ", "鄞州支公司", L.SUB_BRANCH, "ZJNB", "宁波"),
    ("ZJNBHS", "海曙支公司", L.SUB_BRANCH, "ZJNB", "宁波"),
    ("GD01", "广东分公司营业部", L.OFFICE, "GD", "广州"),
    ("GDGZTH01", "天河营业部", L.OFFICE, "GDGZTH", "广州"),
    ("ZJHZXH01", "西湖营业部", L.OFFICE, "ZJHZXH", "杭州"),
]

R = Membership.Role


@dataclass(frozen=True)
class DemoAccount:
    username: str
    last_name: str
    first_name: str
    role: str
    institution: str


ACCOUNTS: list[DemoAccount] = [
    DemoAccount("handler_tianhe", "陈", "晓敏", R.HANDLER, "GDGZTH"),
    DemoAccount("handler_guangzhou", "李", "嘉欣", R.HANDLER, "GDGZ"),
    DemoAccount("handler_xihu", "王", "立峰", R.HANDLER, "ZJHZXH"),
    DemoAccount("manager_guangzhou", "张", "伟", R.MANAGER, "GDGZ"),
    DemoAccount("manager_guangdong", "刘", "建国", R.MANAGER, "GD"),
    DemoAccount("reviewer_guangdong", "黄", "雅琴", R.REVIEWER, "GD"),
    DemoAccount("senior_manager", "周", "志远", R.SENIOR_MANAGER, "HO"),
    DemoAccount("compliance_ho", "吴", "静", R.COMPLIANCE, "HO"),
    DemoAccount("compliance_guangdong", "郑", "丽华", R.COMPLIANCE, "GD"),
    DemoAccount("viewer_zhejiang", "孙", "浩", R.VIEWER, "ZJ"),
]


@transaction.atomic
def seed_organisation() -> dict[str, Any]:
    """Create what is missing of the demo tree and accounts; change nothing else."""
    created_institutions = 0
    by_code = {
        i.code: i for i in Institution.objects.filter(code__in=[t[0] for t in TREE])
    }
    for code, name, level, parent_code, region in TREE:
        if code in by_code:
            continue
        parent = by_code[parent_code] if parent_code else None
        by_code[code] = institution_create(
            code=code, name=name, level=level, parent=parent, region=region
        )
        created_institutions += 1

    user_model = get_user_model()
    created_users = 0
    if not user_model.objects.filter(username="admin").exists():
        user_model.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD)
        created_users += 1
    for account in ACCOUNTS:
        user, created = user_model.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@example.com",
                "is_staff": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created_users += 1
        membership_grant(
            user=user, institution=by_code[account.institution], role=account.role
        )
    # A demo database made before a role gained a permission catches up here.
    sync_role_groups()
    return {"institutions": created_institutions, "users": created_users}
