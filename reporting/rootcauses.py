"""Initial root-cause code list (domain-notes §4.3 axis RO, R60).

code -> (Chinese label, English label, owning function). Codes are stable;
labels are editable in the admin.
"""

from __future__ import annotations

INITIAL_ROOT_CAUSES: list[tuple[str, str, str, str]] = [
    ("product_design", "产品设计缺陷", "Product design flaw", "product"),
    ("terms_unclear", "条款表述不清", "Unclear policy terms", "product"),
    ("sales_misconduct", "销售行为不规范", "Sales misconduct", "sales"),
    ("sales_training", "销售培训不足", "Insufficient sales training", "sales"),
    ("underwriting_rules", "核保规则不当", "Underwriting rules", "underwriting"),
    ("service_process", "服务流程不畅", "Service process", "operations"),
    ("staff_attitude", "人员服务态度", "Staff attitude", "operations"),
    ("claims_standard", "理赔标准不一", "Inconsistent claims standard", "claims"),
    ("claims_timeliness", "理赔时效不足", "Claims timeliness", "claims"),
    ("system_defect", "系统缺陷", "System defect", "it"),
    ("data_security", "信息安全管理", "Data security", "it"),
    ("partner_conduct", "合作机构行为", "Partner conduct", "partner"),
    ("other", "其他", "Other", "other"),
]
