# ruff: noqa: F811 (the matrix's module fixture "world" is imported and used by name)
"""Every admin autocomplete, searched as every persona for what belongs to the
other side (issue 20 point 1: "autocomplete ... show personal data masked").

The endpoint answers for any relation towards an admin with search_fields
(tests/permission_urls.AUTOCOMPLETE_FIELDS holds one field per target), so
each target is asked with an empty term and with every text of each side
(complaint number, complainant, phone, ID number, staff and institution
names). A result must be an object the persona may see
(organisations/permissions.py), its text must not carry another side's
markers, and a complainant's name, phone or ID number must not appear in
full to a persona without the personal-data permission on that complaint.
The JSON is decoded first: Django escapes non-ASCII text, so a search of the
raw body for a Chinese name finds nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from complaints.models import Complaint
from organisations import permissions as P
from tests.permission_checks import institution_of, out_of_scope, sees_side
from tests.permission_urls import AUTOCOMPLETE_FIELDS
from tests.permission_world import PERSONAS, SIDES, World
from tests.test_permission_matrix import world  # noqa: F401 (module fixture)

pytestmark = pytest.mark.django_db

ASKED = [p for p in PERSONAS if p not in ("superuser", "anonymous")]


def _terms(world: World) -> list[str]:
    terms = [""]
    for side in SIDES:
        complaint, people = world.markers[side]
        terms += complaint[:4] + people
    terms += [world.users["th.handler"].username, world.users["xh.handler"].username]
    return terms


def _results(world: World, persona: str, variant: str, term: str) -> list[Any]:
    app_label, model_name, field_name = AUTOCOMPLETE_FIELDS[variant]
    url = reverse("admin:autocomplete")
    query = {
        "app_label": app_label,
        "model_name": model_name,
        "field_name": field_name,
        "term": term,
    }
    response = world.client(persona).get(url, query)
    if response.status_code != 200:
        return []
    return list(json.loads(response.content)["results"])


def _problems(world: World, persona: str, variant: str) -> list[str]:
    app_label, model_name, field_name = AUTOCOMPLETE_FIELDS[variant]
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    model = field.remote_field.model
    to_field = getattr(field.remote_field, "field_name", None) or "pk"
    user = world.users[persona]
    problems = []
    for term in _terms(world):
        results = _results(world, persona, variant, term)
        ids = [r["id"] for r in results]
        rows = list(model._default_manager.filter(**{f"{to_field}__in": ids}))
        pks = [r.pk for r in rows]
        problems += [
            f"{term!r} offers {s}" for s in out_of_scope(world, persona, model, pks)
        ]
        if not P.sees_every_row(user, model):
            for row in rows:
                institution = institution_of(row)
                if institution is not None and not P.has(user, P.VIEW, institution):
                    problems.append(f"{term!r} offers {model.__name__} {row.pk}")
        text = " ".join(str(r["text"]) for r in results)
        for side in SIDES:
            complaint, people = world.markers[side]
            if not sees_side(world, persona, side):
                problems += [f"{term!r} shows {m}" for m in complaint if m in text]
            c = world.obj(Complaint, side)
            if not P.has(user, P.PERSONAL_DATA, c.institution):  # type: ignore[attr-defined]
                personal = [c.complainant_name, c.phone, c.id_number]  # type: ignore[attr-defined]
                problems += [f"{term!r} unmasked {m}" for m in personal if m in text]
    return problems


@pytest.mark.parametrize("variant", sorted(AUTOCOMPLETE_FIELDS))
def test_autocomplete_stays_in_scope_and_masked(world: World, variant: str) -> None:
    problems = [
        f"{persona}: {p}"
        for persona in ASKED
        for p in _problems(world, persona, variant)
    ]
    assert problems == []
