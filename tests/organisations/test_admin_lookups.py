"""The one rule for changelist lookups (organisations.admin_lookups), checked
over every ModelAdmin the site registers: a new admin is in these tables
without anyone adding it.

- No changelist accepts a URL lookup its filter sidebar, date hierarchy or
  search does not offer (`?phone__startswith=138` read a masked phone back one
  digit at a time).
- For a role without the personal-data permission on its whole scope, a filter
  or an ordering on a personal field (the model's own or one relation away) is
  refused, never a narrower list.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse

from organisations.admin_lookups import (
    PERSONAL,
    LookupRule,
    offered_parameters,
    touches_personal,
)
from organisations.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADMINS = sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label)
IDS = [model._meta.label for model, _admin in ADMINS]


def personal_paths(model: type[Model]) -> list[str]:
    """The model's personal fields and those one relation away."""
    paths = sorted(PERSONAL.get(model._meta.label_lower, ()))
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if field.is_relation and related is not None and not field.auto_created:
            for name in sorted(PERSONAL.get(related._meta.label_lower, ())):
                paths.append(f"{field.name}__{name}")
    return paths


def local_fields(model: type[Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


def listed(response: Any) -> dict[str, str]:
    """The lists a page drew (its rows), to compare with and without a filter."""
    context = response.context
    context = context[0] if isinstance(context, list) else context
    return {
        key: repr(value)
        for key, value in context.flatten().items()
        if isinstance(value, list | tuple)
    }


@pytest.fixture
def auditor(make_member: Any) -> Any:
    """Reads every model (system-administrator view permissions) and every
    complaint of the company, without the personal-data permission."""
    user = make_member("auditor", Membership.Role.VIEWER, "HO")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def test_every_registered_admin_is_under_the_rule() -> None:
    assert ADMINS
    for model, model_admin in ADMINS:
        assert isinstance(model_admin, LookupRule), model


def test_the_personal_fields_are_known() -> None:
    from complaints.models import Complaint, Notification

    for field in ("complainant_name", "phone", "id_number", "email", "address"):
        assert touches_personal(Complaint, field)
        assert touches_personal(Notification, f"complaint__{field}__startswith")
    assert touches_personal(Notification, "address")
    assert not touches_personal(Complaint, "status")
    assert not touches_personal(Notification, "complaint__number")


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_no_lookup_beyond_what_the_list_offers(
    model: type[Model], model_admin: Any, rf: RequestFactory
) -> None:
    """Even a superuser: a lookup the sidebar does not offer is refused."""
    request = rf.get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    for name in local_fields(model):
        for suffix in ("__startswith", "__contains", "__regex", "__gt"):
            assert not model_admin.lookup_allowed(name + suffix, "1", request), (
                name + suffix
            )
    # What the sidebar itself links to still works.
    sidebar = offered_parameters(model_admin, request)
    assert bool(sidebar) == bool(
        model_admin.get_list_filter(request) or model_admin.date_hierarchy
    )
    for name in sidebar:
        assert model_admin.lookup_allowed(name, "1", request), name


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_personal_filters_in_the_url_never_narrow_the_list(
    model: type[Model], model_admin: Any, client: Any, auditor: Any
) -> None:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.force_login(auditor)
    unfiltered = client.get(url)
    opened = unfiltered.status_code
    # A list drawn by its own view (no ChangeList) reads no lookup at all.
    own_view = opened == 200 and "cl" not in (unfiltered.context or {})
    for path in personal_paths(model):
        tries = ((path, "13800138000"), (f"{path}__startswith", "1380013"))
        for lookup, value in tries:
            response = client.get(url, {lookup: value})
            if opened != 200:
                assert response.status_code == opened, lookup
                continue
            if own_view:
                assert response.status_code == 200, lookup
                assert listed(response) == listed(unfiltered), lookup
                continue
            assert response.status_code == 400, lookup
            page = response.content.decode()
            assert "only the filters in its sidebar" in page, lookup
            assert value not in page


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_no_ordering_on_a_personal_column(
    model: type[Model], model_admin: Any, client: Any, auditor: Any
) -> None:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.force_login(auditor)
    response = client.get(url)
    if response.status_code != 200 or "cl" not in response.context:
        return  # not open to the persona, or no sortable list
    changelist = response.context["cl"]
    for index, _column in enumerate(changelist.list_display):
        for order in (str(index), f"-{index}"):
            response = client.get(url, {"o": order})
            assert response.status_code == 200, order
            applied = response.context["cl"].get_ordering(
                response.wsgi_request, response.context["cl"].root_queryset
            )
            for part in applied:
                name = part if isinstance(part, str) else getattr(part, "name", "")
                assert not touches_personal(model, str(name)), (order, name)


def test_a_complaint_list_sorts_by_name_with_the_permission(
    client: Any, ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    url = reverse("admin:complaints_complaint_changelist")
    changelist = client.get(url).context["cl"]
    index = next(
        i
        for i, column in enumerate(changelist.list_display)
        if getattr(column, "admin_order_field", None) == "complainant_name"
    )
    response = client.get(url, {"o": str(index)})
    applied = response.context["cl"].get_ordering(
        response.wsgi_request, response.context["cl"].root_queryset
    )
    assert "complainant_name" in applied


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_the_search_box_matches_personal_fields_only_whole(
    model: type[Model], model_admin: Any, rf: RequestFactory, auditor: Any
) -> None:
    """Searching is filtering: without the personal-data permission, no search
    field reaches a personal field by a part of it (the outbox's subject was
    searched with icontains)."""
    request = rf.get("/")
    request.user = auditor
    for name in model_admin.get_search_fields(request):
        if name.startswith("="):
            continue
        assert not touches_personal(model, name.lstrip("^=@")), name
