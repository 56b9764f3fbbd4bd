"""Fixtures of the intake API: channel clients with their tokens, API calls."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from complaints.models import Code
from intake.models import ChannelClient
from intake.services import client_create
from organisations.models import Institution
from tests.complaints.conftest import register as register  # noqa: F401

API = "/api/v1"


def complaint_url(number: str, tail: str = "") -> str:
    return f"{API}/complaints/{number}/{tail}"


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid registration as a website would send it."""
    data: dict[str, Any] = {
        "complainant_name": "林小雨",
        "id_type": "resident_id",
        "id_number": "440106199001011235",
        "phone": "138-0013-8000",
        "email": "lin@example.com",
        "product_line": "motor",
        "category": "claims",
        "request": "要求按合同足额赔付车损",
        "facts": "车辆被追尾，理赔金额低于定损金额。",
        "policy_number": "PDAA202644010000001234",
    }
    data.update(overrides)
    return data


def codes(response: Any) -> list[tuple[str | None, str]]:
    """(field, code) of each error of a JSON error response."""
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_client(
    tree: dict[str, Institution],
) -> Callable[..., tuple[ChannelClient, str]]:
    def make(
        name: str = "官网", channel: str = "website", institution: str = "GDGZTH"
    ) -> tuple[ChannelClient, str]:
        return client_create(
            name=name,
            channel=Code.objects.get(kind="channel", code=channel),
            institution=tree[institution],
        )

    return make


class KeyedClient(APIClient):
    """A channel client that sends a fresh Idempotency-Key with each POST that
    does not set one (the API refuses a POST without)."""

    def post(self, path: str, data: Any = None, *args: Any, **extra: Any) -> Any:
        extra.setdefault("HTTP_IDEMPOTENCY_KEY", str(uuid.uuid4()))
        return super().post(path, data, *args, **extra)


def api_for(token: str | None) -> APIClient:
    api = KeyedClient()
    if token:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.fixture
def website(make_client: Callable[..., tuple[ChannelClient, str]]) -> Any:
    """The website of 天河支公司 and an API client carrying its token."""
    client, token = make_client()
    api = api_for(token)
    api.channel_client = client  # type: ignore[attr-defined]
    api.token = token  # type: ignore[attr-defined]
    return api


@pytest.fixture
def wechat(make_client: Callable[..., tuple[ChannelClient, str]]) -> Any:
    """A second client: the WeChat account of the same branch."""
    client, token = make_client(name="微信公众号", channel="wechat")
    api = api_for(token)
    api.channel_client = client  # type: ignore[attr-defined]
    return api


@pytest.fixture
def registered(website: Any) -> dict[str, Any]:
    """A complaint the website registered: the response body."""
    response = website.post(f"{API}/complaints/", payload(), format="json")
    assert response.status_code == 201, response.content
    return response.json()
