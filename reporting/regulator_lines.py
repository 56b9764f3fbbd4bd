"""The regulator's product lines and their initial mapping (pure data).

The lines of the NFRA quarterly notices (domain-notes §3.3: 机动车辆保险,
保证保险, 财产险其他保险, 普通人寿保险 and 疾病保险 seen in the notices; the
others the usual statistical lines). The insurer's own lines (DOMAIN.md §8)
are mapped onto them once by the migration; compliance keeps the mapping from
then on (reporting.models.ProductLineMapping).
"""

from __future__ import annotations

# (code, Chinese label, English label, sector)
REGULATOR_LINES: list[tuple[str, str, str, str]] = [
    ("motor", "机动车辆保险", "Motor", "property"),
    ("commercial_property", "企业财产保险", "Commercial property", "property"),
    ("household_property", "家庭财产保险", "Household property", "property"),
    ("liability", "责任保险", "Liability", "property"),
    ("surety", "保证保险", "Surety", "property"),
    ("credit", "信用保险", "Credit", "property"),
    ("agriculture", "农业保险", "Agriculture", "property"),
    ("engineering", "工程保险", "Engineering", "property"),
    ("cargo", "货物运输保险", "Cargo", "property"),
    ("p_health", "短期健康保险", "Short-term health", "property"),
    ("p_accident", "意外伤害保险", "Accident (property insurers)", "property"),
    ("p_other", "财产险其他保险", "Other property lines", "property"),
    ("ordinary_life", "普通人寿保险", "Ordinary life", "life"),
    ("participating", "分红型人寿保险", "Participating life", "life"),
    ("universal", "万能型人寿保险", "Universal life", "life"),
    ("unit_linked", "投资连结型人寿保险", "Unit-linked life", "life"),
    ("annuity", "年金保险", "Annuity", "life"),
    ("critical_illness", "疾病保险", "Critical illness", "life"),
    ("medical", "医疗保险", "Medical", "life"),
    ("nursing", "护理保险", "Long-term care", "life"),
    ("l_accident", "意外伤害保险", "Accident (life insurers)", "life"),
    ("l_other", "人身险其他保险", "Other life lines", "life"),
]

# Insurer's lines the notices split that the initial code list had as one, or
# lacked: (code, Chinese label, English label, group, synonyms moved to it).
NEW_PRODUCT_LINES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    ("surety", "保证保险", "Surety", "property", ("保证险",)),
    ("credit", "信用保险", "Credit", "property", ("信用险",)),
    (
        "critical_illness",
        "疾病保险",
        "Critical illness",
        "life",
        ("重疾险", "重大疾病保险"),
    ),
]
# Names that belonged to the combined lines and now name the new ones.
MOVED_SYNONYMS = {
    "credit_surety": ("信用保险", "保证保险", "信用险", "保证险"),
    "health": ("疾病保险", "重疾险", "重大疾病保险"),
}

# insurer's line -> (regulator's line, note)
INITIAL_MAPPING: dict[str, tuple[str, str]] = {
    "motor": ("motor", ""),
    "commercial_property": ("commercial_property", ""),
    "household_property": ("household_property", ""),
    "liability": ("liability", ""),
    "credit_surety": (
        "surety",
        "合并险种：旧投诉计入保证保险；新投诉请选择保证保险或信用保险",
    ),
    "surety": ("surety", ""),
    "credit": ("credit", ""),
    "agriculture": ("agriculture", ""),
    "engineering": ("engineering", ""),
    "cargo": ("cargo", ""),
    "st_health": ("p_health", ""),
    "st_accident": ("p_accident", ""),
    "ordinary_life": ("ordinary_life", ""),
    "participating": ("participating", ""),
    "universal": ("universal", ""),
    "unit_linked": ("unit_linked", ""),
    "annuity": ("annuity", ""),
    "critical_illness": ("critical_illness", ""),
    "health": ("medical", "健康保险中的疾病保险请登记为疾病保险"),
    "accident": ("l_accident", ""),
    "other": ("p_other", "人身险公司请改为人身险其他保险"),
}
