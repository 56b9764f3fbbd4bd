from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_logs_into_the_chinese_admin(
    live_server: Any, page: Any, login: Any, gz_manager: Any, output_path: Any
) -> None:
    login(gz_manager)

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").first.inner_text() == "我的待办"
    page.screenshot(path=f"{output_path}/admin-index-manager.png", full_page=True)

    page.goto(f"{live_server.url}/admin/organisations/institution/")
    rows = page.locator("#result_list tbody tr")
    # A manager of 广州中心支公司 sees exactly that subtree: 4 institutions.
    assert rows.count() == 4
    assert "浙江分公司" not in page.content()
    page.screenshot(path=f"{output_path}/institutions-manager.png", full_page=True)
