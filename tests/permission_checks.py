"""The checks behind the permission matrix (tests/test_permission_matrix.py):
who may see which object, what a page may show, and the answer a persona
gets, with every broken rule collected as a readable problem.
"""

from __future__ import annotations

import io
import json
import uuid
import warnings
from typing import Any
from urllib.parse import urlparse
from zipfile import BadZipFile

from django.apps import apps
from django.contrib import admin
from django.contrib.admin import RelatedFieldListFilter
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.core.paginator import UnorderedObjectListWarning
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from complaints.admin.filters import HandlerFilter, InstitutionSubtreeFilter
from complaints.models import Complaint
from intake.models import ChannelClient
from organisations import permissions as P
from organisations.models import Institution
from tests.permission_urls import AUTOCOMPLETE_FIELDS, SEARCHES, Probe, request_for
from tests.permission_world import MEMBERS, PERSONAS, SIDES, World

User = get_user_model()


# --- Who may see what -----------------------------------------------------------
PEOPLE = {User, Group}


def institution_of(obj: Model) -> Institution | None:
    """The institution whose scope decides who may see `obj`, if any."""
    if isinstance(obj, Institution):
        return obj
    for path in ("institution", "owner_institution", "complaint"):
        value = getattr(obj, path, None)
        if isinstance(value, Complaint):
            value = value.institution
        if isinstance(value, Institution):
            return value
    return None


def sees_side(world: World, persona: str, side: str) -> bool:
    """May `persona` read the complaints of `side`'s institution?"""
    user = world.users[persona]
    return user is not None and P.has(user, P.VIEW, world.tree[SIDES[side]])


def sees_people_of(world: World, persona: str, side: str) -> bool:
    user = world.users[persona]
    return sees_side(world, persona, side) or (
        user is not None and P.is_system_admin(user, Institution)
    )


def may_see(world: World, persona: str, probe: Probe, side: str) -> bool | None:
    """Whether `persona` may be shown the `side` object of `probe`; None when
    the object is reference data or public."""
    user = world.users[persona]
    key, model = probe.pattern.key, probe.pattern.model
    if key == "intake:status-lookup":
        return None  # public: the number and the phone factor are the key
    if key.startswith("intake:"):
        return persona == f"api.{side}"
    if user is None:
        return False
    if key == "admin:auth_user_password_change":
        model = User
    elif "object_id" not in probe.pattern.route and not key.endswith("_history"):
        model = None  # letters, downloads, dashboards: the side's complaint
    if model is None:
        return sees_side(world, persona, side)
    if P.sees_every_row(user, model):
        return True
    obj = world.obj(model, side)
    institution = institution_of(obj)
    if institution is not None:
        return P.has(user, P.VIEW, institution)
    if model in PEOPLE:
        return False
    if any(f.name == "user" for f in model._meta.concrete_fields):
        return bool(obj.user_id == user.pk)
    return None  # code lists, the calendar, root causes, security logs


# --- Requests and answers ------------------------------------------------------------
def answer(response: Any) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlparse(response["Location"]).path
        return "login" if target == reverse("admin:login") else "302"
    return str(response.status_code)


def body_text(response: Any) -> str:
    """The response as text, spreadsheets included; "" for other binaries."""
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        try:
            book = load_workbook(io.BytesIO(content), read_only=True)
        except BadZipFile:
            return ""
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if kind.startswith("application/json"):
        # Django's JsonResponse (the admin autocomplete, a reply template's
        # text) escapes non-ASCII: decoded, a Chinese name can be found.
        try:
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            return content.decode("utf-8", "replace")
    if kind.startswith(("text/", "application/vnd.oai")):
        return content.decode("utf-8", "replace")
    return ""


def send(world: World, persona: str, probe: Probe, side: str = "") -> Any:
    req = request_for(world, probe, side)
    call = getattr(world.client(persona), req.method)
    with warnings.catch_warnings():
        # django-axes' admin lists attempts unordered; paging them warns.
        warnings.simplefilter("ignore", UnorderedObjectListWarning)
        if req.format:  # the API: every POST carries an Idempotency-Key
            key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
            return call(req.url, req.data, format=req.format, **key)
        return call(req.url, req.data)


def leaks(world: World, persona: str, text: str, asked: str = "") -> list[str]:
    """What `text` shows that `persona` must not see (what the request itself
    carried, e.g. a searched ID number shown back in its form, excepted)."""
    shown = []
    for side in SIDES:
        complaint, people = world.markers[side]
        if not sees_side(world, persona, side):
            shown += [m for m in complaint if m in text and m not in asked]
        if not sees_people_of(world, persona, side):
            shown += [m for m in people if m in text]
    return shown


# --- Choices offered: filters and autocomplete ---------------------------------------
def _visible(user: Any) -> set[int]:
    return set(P.institutions_for(user, P.VIEW).values_list("pk", flat=True))


def _person_in_scope(world: World, persona: str, person: Any) -> bool:
    """A person belongs to the scope when they hold a role on some institution
    the persona may see (a head-office manager works on a branch's cases)."""
    return bool(_visible(world.users[persona]) & _visible(person))


def out_of_scope(
    world: World, persona: str, model: type[Model], pks: list[Any]
) -> list[str]:
    """The offered `model` rows (by pk) that `persona` must not be offered."""
    user = world.users[persona]
    if user is None or P.sees_every_row(user, model):
        return []
    rows = model._default_manager.filter(pk__in=pks)
    if model is Institution:
        return [str(i) for i in rows if not P.has(user, P.VIEW, i)]
    if model is Complaint or model is ChannelClient:
        return [str(r) for r in rows if not P.has(user, P.VIEW, r.institution)]
    if model is User:
        return [str(u) for u in rows if not _person_in_scope(world, persona, u)]
    if any(f.name == "user" for f in model._meta.concrete_fields):
        return [str(r) for r in rows if r.user_id != user.pk]  # logs: one's own
    return []  # code lists and root causes: the same for everyone


def filter_problems(world: World, persona: str, changelist: Any) -> list[str]:
    """Choices of the changelist's filters outside the persona's scope."""
    problems = []
    for spec in changelist.filter_specs:
        if isinstance(spec, InstitutionSubtreeFilter):
            model, pks = Institution, [v for v, _label in spec.lookup_choices]
        elif isinstance(spec, HandlerFilter):
            model = User
            pks = [v for v, _label in spec.lookup_choices if v != "none"]
        elif isinstance(spec, RelatedFieldListFilter):
            model = spec.field.remote_field.model
            pks = [v for v, _label in spec.lookup_choices]
            limit = spec.field.get_limit_choices_to()
            if limit:
                allowed = model._default_manager.complex_filter(limit)
                stray = set(pks) - set(allowed.values_list("pk", flat=True))
                problems += [
                    f"filter {spec.title}: {pk} is not a choice" for pk in stray
                ]
        else:
            continue
        shown = out_of_scope(world, persona, model, pks)
        problems += [f"filter {spec.title} offers {s}" for s in shown]
    return problems


def autocomplete_problems(
    world: World, persona: str, probe: Probe, response: Any
) -> list[str]:
    """Every page of the autocomplete's results must stay in scope."""
    app_label, model_name, field_name = AUTOCOMPLETE_FIELDS[probe.variant]
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    model = field.remote_field.model
    problems, page, url = [], 1, request_for(world, probe).url
    while True:
        data = json.loads(response.content)
        pks = [r["id"] for r in data["results"]]
        problems += [
            f"autocomplete offers {s}" for s in out_of_scope(world, persona, model, pks)
        ]
        if not data["pagination"]["more"]:
            return problems
        page += 1
        response = world.client(persona).get(f"{url}&page={page}")


def ask(
    world: World, persona: str, probe: Probe, side: str, problems: list[str]
) -> str:
    """The class of answer `persona` gets; what a 2xx shows is checked too:
    no text of an object outside the scope, and no filter or autocomplete
    choice outside it."""
    response = send(world, persona, probe, side)
    result = answer(response)
    if not result.startswith("2"):
        return result
    where = f"{persona} ({side or 'page'})"
    req = request_for(world, probe, side)
    asked = f"{req.url} {req.data or ''}"
    shown = leaks(world, persona, body_text(response), asked)
    if shown:
        problems.append(f"{where} shows {shown}")
    context = response.context
    if context is not None and "cl" in context:
        problems += [
            f"{where} {p}" for p in filter_problems(world, persona, context["cl"])
        ]
    if probe.pattern.key == "admin:autocomplete":
        problems += [
            f"{where} {p}"
            for p in autocomplete_problems(world, persona, probe, response)
        ]
    return result


def missing_proxy(persona: str) -> str:
    """Who is asked for a missing object on `persona`'s behalf: a missing
    object answers by the role, not by the level (one request per role)."""
    role = persona.partition(".")[2]
    return next((p for p in MEMBERS if p.endswith(f".{role}")), persona)


def stock_history(
    world: World, persona: str, probe: Probe, hidden: str, missing: str
) -> bool:
    """Django's own history view redirects for a missing id before it checks
    the model permission (its change and delete views check first). For a
    user no page of that admin opens for, it tells only that an id exists; no
    scope is involved, so the difference is accepted there, and only there."""
    model = probe.pattern.model
    if not (probe.key.endswith("_history") and (hidden, missing) == ("403", "302")):
        return False
    request = RequestFactory().get("/")
    request.user = world.users[persona] or AnonymousUser()
    model_admin = admin.site.get_model_admin(model)  # type: ignore[arg-type]
    return not model_admin.has_view_or_change_permission(request)


def observe(world: World, probe: Probe) -> tuple[dict[str, str], list[str]]:
    """The row of answers, and every broken invariant."""
    row: dict[str, str] = {}
    problems: list[str] = []
    missing: dict[str, str] = {}
    for persona in PERSONAS:
        if not probe.sided:
            row[persona] = ask(world, persona, probe, "", problems)
            continue
        answers = {side: ask(world, persona, probe, side, problems) for side in SIDES}
        row[persona] = "|".join(answers.values())
        for side in SIDES:
            if may_see(world, persona, probe, side) is not False:
                continue
            if answers[side].startswith("2") and probe.key not in SEARCHES:
                problems.append(f"{persona}: the {side} object is outside scope: 2xx")
                continue
            proxy = missing_proxy(persona)
            if proxy not in missing:
                missing[proxy] = ask(world, proxy, probe, "missing", problems)
            if answers[side] != missing[proxy] and not stock_history(
                world, persona, probe, answers[side], missing[proxy]
            ):
                problems.append(
                    f"{persona}: the {side} object, outside scope, answers "
                    f"{answers[side]} but a missing one {missing[proxy]}"
                )
    return row, problems
