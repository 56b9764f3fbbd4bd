"""Optional TOTP two-factor sign-in: enrolment from the admin, sign-in with and
without the code, the OTP_REQUIRED_FOR_STAFF switch and resets by system
administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.admin.models import DELETION, LogEntry
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations import services
from organisations.forms import CODE_REQUIRED
from organisations.services import TWO_FACTOR_INVALID_CODE
from organisations.two_factor import secret_for_typing
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/admin/two-factor/"
LOGIN = "/admin/login/?next=/admin/"
DEVICES = "/admin/organisations/twofactordevice/"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(code_for(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def enrolled(user: Any) -> TOTPDevice:
    pending = services.two_factor_enrol(user=user)
    return services.two_factor_confirm(user=user, code=code_for(pending))


def sign_in(client: Client, user: Any, code: str = "") -> Any:
    return client.post(
        LOGIN, {"username": user.username, "password": PASSWORD, "otp_token": code}
    )


@pytest.fixture
def sysadmin(db: Any) -> Any:
    return UserFactory(username="sysadmin", is_superuser=True)


# --- Enrolment ---------------------------------------------------------------------
def test_staff_enrol_by_scanning_and_confirming_a_code(
    client: Client, gz_manager: Any
) -> None:
    client.force_login(gz_manager)
    # Opening the page writes nothing: the secret is made when the user starts.
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'id="two-factor-begin"' in page.text
    assert not TOTPDevice.objects.filter(user=gz_manager).exists()
    assert client.post(PAGE, {"start": "1"})["Location"] == PAGE
    page = client.get(PAGE)
    assert '<svg width="' in page.text  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=gz_manager)
    assert not device.confirmed
    assert secret_for_typing(device) in page.text
    # Reloading the page keeps the same secret: the app already scanned it.
    assert secret_for_typing(device) in client.get(PAGE).text
    assert TOTPDevice.objects.filter(user=gz_manager).count() == 1

    response = client.post(PAGE, {"code": code_for(device)})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    # The session that enrolled counts as verified: it is not signed out.
    assert client.get("/admin/").status_code == 200
    on = client.get(PAGE)
    assert 'id="two-factor-on"' in on.text
    assert secret_for_typing(device) not in on.text


def test_a_wrong_code_does_not_turn_two_factor_on(
    client: Client, gz_manager: Any
) -> None:
    client.force_login(gz_manager)
    client.post(PAGE, {"start": "1"})
    device = TOTPDevice.objects.get(user=gz_manager)

    response = client.post(PAGE, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert str(TWO_FACTOR_INVALID_CODE) in response.text
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1  # kept despite the error


def test_the_page_needs_a_signed_in_staff_user(client: Client, db: Any) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not TOTPDevice.objects.exists()


def test_the_admin_links_to_the_two_factor_page(
    client: Client, gz_manager: Any
) -> None:
    client.force_login(gz_manager)
    assert f'href="{PAGE}" id="two-factor-link"' in client.get("/admin/").text


# --- Signing in ----------------------------------------------------------------------
def test_without_two_factor_the_password_is_enough(
    client: Client, gz_manager: Any
) -> None:
    response = sign_in(client, gz_manager)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_two_factor_the_code_is_asked_for(client: Client, gz_manager: Any) -> None:
    enrolled(gz_manager)
    response = sign_in(client, gz_manager)
    assert response.status_code == 200
    assert str(CODE_REQUIRED) in response.text
    assert "_auth_user_id" not in client.session


def test_with_two_factor_a_wrong_code_is_refused_and_counted(
    client: Client, gz_manager: Any
) -> None:
    device = enrolled(gz_manager)
    response = sign_in(client, gz_manager, wrong_code(device))
    assert response.status_code == 200
    assert str(TWO_FACTOR_INVALID_CODE) in response.text
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="gz_manager").failures_since_start == 1


def test_wrong_codes_lead_to_the_login_lockout(client: Client, gz_manager: Any) -> None:
    device = enrolled(gz_manager)
    start = timezone.now()
    for attempt in range(5):
        # Past django-otp's own back-off between tries (1, 2, 4, 8 s).
        with time_machine.travel(start + timedelta(seconds=20 * attempt)):
            response = sign_in(client, gz_manager, wrong_code(device))
    assert response.status_code == 429


def test_with_two_factor_the_right_code_signs_in_verified(
    client: Client, gz_manager: Any
) -> None:
    device = enrolled(gz_manager)
    # The enrolment code cannot be used twice: sign in with the next one.
    with time_machine.travel(timezone.now() + timedelta(seconds=device.step)):
        response = sign_in(client, gz_manager, code_for(device))
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.last_used_at is not None


def test_a_code_is_accepted_only_once(client: Client, gz_manager: Any) -> None:
    device = enrolled(gz_manager)
    later = timezone.now() + timedelta(seconds=device.step)
    with time_machine.travel(later, tick=False):
        code = code_for(device)
        assert sign_in(client, gz_manager, code).status_code == 302
        client.logout()
    with time_machine.travel(later + timedelta(seconds=5), tick=False):
        response = sign_in(Client(), gz_manager, code)
    assert response.status_code == 200
    assert str(TWO_FACTOR_INVALID_CODE) in response.text


def test_a_session_that_skipped_the_code_is_signed_out(
    client: Client, gz_manager: Any
) -> None:
    # E.g. a browser signed in before two-factor was turned on elsewhere.
    client.force_login(gz_manager)
    enrolled(gz_manager)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session


# --- Required for staff ------------------------------------------------------------
def test_when_required_staff_without_a_device_can_only_enrol(
    client: Client, gz_manager: Any, settings: Any
) -> None:
    settings.OTP_REQUIRED_FOR_STAFF = True
    assert sign_in(client, gz_manager).status_code == 302
    for url in (
        "/admin/",
        "/admin/organisations/institution/",
        "/complaints/letters/1/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == PAGE
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "requires two-factor authentication" in page.text

    client.post(PAGE, {"start": "1"})
    device = TOTPDevice.objects.get(user=gz_manager)
    client.post(PAGE, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_when_not_required_nobody_is_sent_to_enrol(
    client: Client, gz_manager: Any
) -> None:
    client.force_login(gz_manager)
    assert client.get("/admin/").status_code == 200
    assert not TOTPDevice.objects.exists()


# --- Reset by a system administrator ------------------------------------------------
def test_a_system_administrator_resets_a_lost_device(
    client: Client, gz_manager: Any, sysadmin: Any
) -> None:
    device = enrolled(gz_manager)
    owner = Client()
    with time_machine.travel(timezone.now() + timedelta(seconds=device.step)):
        assert sign_in(owner, gz_manager, code_for(device)).status_code == 302
    client.force_login(sysadmin)
    listing = client.get(DEVICES)
    assert listing.status_code == 200
    assert str(gz_manager) in listing.text  # the owner by name (姓名)
    assert device.key not in listing.text
    assert secret_for_typing(device) not in listing.text

    response = client.post(
        DEVICES,
        {"action": "reset_two_factor", "_selected_action": [device.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=gz_manager).exists()
    assert LogEntry.objects.filter(
        user=sysadmin, action_flag=DELETION, object_id=str(device.pk)
    ).exists()
    # The owner's session stays open, now on the password alone, and the next
    # sign-in asks for no code.
    assert owner.get("/admin/").status_code == 200
    owner.logout()
    assert sign_in(owner, gz_manager).status_code == 302


def test_others_can_neither_see_nor_reset_devices(
    client: Client, gz_manager: Any, gd_manager: Any
) -> None:
    device = enrolled(gz_manager)
    client.force_login(gd_manager)
    assert client.get(DEVICES).status_code == 403
    assert "twofactordevice" not in client.get("/admin/").text

    response = client.post(
        DEVICES, {"action": "reset_two_factor", "_selected_action": [device.pk]}
    )

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()


def test_nobody_adds_or_edits_a_device_in_the_admin(
    client: Client, sysadmin: Any, gz_manager: Any
) -> None:
    device = enrolled(gz_manager)
    client.force_login(sysadmin)
    assert client.get(f"{DEVICES}add/").status_code == 403
    change = client.get(f"{DEVICES}{device.pk}/change/")
    assert change.status_code == 200  # read-only view
    assert device.key not in change.text
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
