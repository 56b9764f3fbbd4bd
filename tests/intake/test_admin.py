"""Channel clients in the admin: token shown once, revoke, new token; only
for system administrators."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from complaints.models import Code
from intake.models import ChannelClient
from intake.services import token_digest
from tests.factories import UserFactory
from tests.intake.conftest import API, api_for, payload

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/intake/channelclient/"
TOKEN = re.compile(r"<code>(cdk_[A-Za-z0-9_\-]+)</code>")


@pytest.fixture
def admin_browser(admin_user: Any) -> Client:
    browser = Client()
    browser.force_login(admin_user)
    return browser


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_creating_a_client_shows_its_token_once(
    admin_browser: Client, tree: Any
) -> None:
    channel = Code.objects.get(kind="channel", code="wechat")
    response = admin_browser.post(
        f"{CHANGELIST}add/",
        {"name": "微信公众号", "channel": channel.pk, "institution": tree["GDGZ"].pk},
        follow=True,
    )
    assert response.status_code == 200
    shown = [m for m in _messages(response) if TOKEN.search(m)]
    assert len(shown) == 1
    token = TOKEN.search(shown[0]).group(1)  # type: ignore[union-attr]
    client = ChannelClient.objects.get()
    assert client.token_hash == token_digest(token)
    assert token not in str(ChannelClient.objects.values().get())
    assert token.startswith(client.token_prefix)
    assert api_for(token).get(f"{API}/complaints/").status_code == 200
    # The change page never shows it again.
    page = admin_browser.get(f"{CHANGELIST}{client.pk}/change/")
    assert token not in page.content.decode()
    assert client.history.get().history_user is not None


def test_revoke_action_stops_the_token(admin_browser: Client, website: Any) -> None:
    client = website.channel_client
    response = admin_browser.post(
        CHANGELIST,
        {"action": "revoke", "_selected_action": [client.pk]},
        follow=True,
    )
    assert "1 client revoked." in _messages(response)
    client.refresh_from_db()
    assert not client.is_active
    assert client.revoked_at is not None
    assert client.revoked_by is not None
    assert website.get(f"{API}/complaints/").status_code == 401


def test_issue_new_token_action(admin_browser: Client, website: Any) -> None:
    client = website.channel_client
    response = admin_browser.post(
        CHANGELIST,
        {"action": "issue_new_token", "_selected_action": [client.pk]},
        follow=True,
    )
    token = TOKEN.search(" ".join(_messages(response))).group(1)  # type: ignore[union-attr]
    assert website.get(f"{API}/complaints/").status_code == 401
    assert api_for(token).get(f"{API}/complaints/").status_code == 200


def test_renaming_keeps_the_binding(admin_browser: Client, website: Any) -> None:
    client = website.channel_client
    admin_browser.post(f"{CHANGELIST}{client.pk}/change/", {"name": "官方网站"})
    client.refresh_from_db()
    assert client.name == "官方网站"
    assert client.institution.code == "GDGZTH"
    assert website.get(f"{API}/complaints/").status_code == 200


def test_handlers_and_managers_do_not_see_channel_clients(
    gz_manager: Any, website: Any
) -> None:
    browser = Client()
    browser.force_login(gz_manager)
    assert browser.get(CHANGELIST).status_code == 403
    assert browser.get(f"{CHANGELIST}add/").status_code == 403


def test_a_system_administrator_with_model_permissions_manages_them(
    website: Any,
) -> None:
    sysadmin = UserFactory(username="sysadmin", is_staff=True)
    sysadmin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="intake",
            codename__in=[
                "view_channelclient",
                "add_channelclient",
                "change_channelclient",
            ],
        )
    )
    browser = Client()
    browser.force_login(sysadmin)
    page = browser.get(CHANGELIST)
    assert page.status_code == 200
    assert website.channel_client.name in page.content.decode()
    assert browser.get(f"{CHANGELIST}add/").status_code == 200
    assert (
        browser.get(f"{CHANGELIST}{website.channel_client.pk}/delete/").status_code
        == 403
    )


def test_intake_records_are_read_only(admin_browser: Client, website: Any) -> None:
    website.post(f"{API}/complaints/", payload(), format="json")
    for model in ("intakesubmission", "mailmessage"):
        assert admin_browser.get(f"/admin/intake/{model}/").status_code == 200
        assert admin_browser.get(f"/admin/intake/{model}/add/").status_code == 403
