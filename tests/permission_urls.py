"""Every URL pattern of the project, and a concrete request for each.

`url_patterns()` walks the resolver (the admin site, every ModelAdmin's
get_urls, the API, the application views) and names each pattern by its URL
name, or by its route when it has none. `probes()` turns each pattern into
one or more requests ("variants" where a URL parameter selects different
code: letter kinds, export formats, autocomplete targets...). A probe is
"sided" when its URL names an object: it is then requested for the 天河 (th)
object, the 西湖 (xh) object and a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from organisations.models import Institution
from tests.permission_world import NOW, SIDES, World, pdf_upload

MISSING_PK = 987654321
MISSING_NUMBER = "TS2099-999999"
ADMIN_MODEL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")


@dataclass(frozen=True)
class Pattern:
    key: str
    route: str
    name: str | None
    model: type[Model] | None  # the ModelAdmin's model, for admin model URLs


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    data: Any = None
    format: str | None = None


@dataclass(frozen=True)
class Probe:
    key: str  # the row of the expected table
    pattern: Pattern
    variant: str
    sided: bool


def _route(pattern: URLPattern | URLResolver) -> str:
    return str(pattern.pattern)


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str | None]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace or ""]))
            yield from _walk(p.url_patterns, prefix + _route(p), ns)
        else:
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + _route(p), name


def _admin_model(route: str) -> type[Model] | None:
    match = ADMIN_MODEL.match(route)
    if not match:
        return None
    try:
        model = apps.get_model(match["app"], match["model"])
    except LookupError:
        return None
    return model if admin.site.is_registered(model) else None


def url_patterns() -> list[Pattern]:
    found: dict[str, Pattern] = {}
    for route, name in _walk(get_resolver().url_patterns):
        key = name or f"route:{route or '/'}"
        assert key not in found, f"two URL patterns are both called {key}"
        found[key] = Pattern(key, route, name, _admin_model(route))
    return list(found.values())


# --- Variants: a URL parameter that selects different code ---------------------
def _autocomplete_fields() -> dict[str, tuple[str, str, str]]:
    """Every field a ModelAdmin offers through autocomplete, and one field
    towards each other admin with search_fields (the endpoint accepts any
    relation to such an admin, declared or not)."""
    found: dict[str, tuple[str, str, str]] = {}
    targets: set[type[Model]] = set()
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.autocomplete_fields:
            field = model._meta.get_field(name)
            opts = model._meta
            found[f"{opts.model_name}.{name}"] = (opts.app_label, opts.model_name, name)
            targets.add(field.remote_field.model)
    # A model's own field rather than its history table's copy of it.
    ordered = sorted(
        apps.get_models(), key=lambda m: m.__name__.startswith("Historical")
    )
    for model in ordered:
        for field in model._meta.get_fields():
            remote = getattr(field, "remote_field", None)
            target = getattr(remote, "model", None)
            if (
                not field.is_relation
                or field.auto_created
                or target in targets
                or not admin.site.is_registered(target)
                or not admin.site.get_model_admin(target).search_fields
            ):
                continue
            opts = model._meta
            found[f"{opts.model_name}.{field.name}"] = (
                opts.app_label,
                opts.model_name,
                field.name,
            )
            targets.add(target)
    return found


AUTOCOMPLETE_FIELDS = _autocomplete_fields()
VARIANTS: dict[str, list[str]] = {
    "admin:autocomplete": list(AUTOCOMPLETE_FIELDS),
    "admin:app_list": ["auth", "organisations", "complaints", "reporting", "intake"],
    "admin:complaints_complaint_act": [
        "correspondence",
        "record_redress",
        "record_callback",
    ],
    "admin:complaints_complaint_export": ["complaints.csv", "correspondence.xlsx"],
    "admin:complaints_complaint_import_organisation": ["institutions", "memberships"],
    "admin:complaints_complaint_data_access": ["search", "export"],
    # The list as it opens, and narrowed to the side's institution, handler or
    # complaint number: a narrowing to what is outside the scope shows nothing.
    "admin:complaints_complaint_changelist": ["", "institution", "handler", "search"],
    # The case page's casework pages (tasks, supervision 督办).
    "admin:complaints_complaint_casework": ["task", "supervise", "end_supervision"],
}
# Pages that name an object without an object_id in the route.
SIDED = {
    "admin:view_on_site",
    "admin:auth_user_password_change",
    "admin:reporting_manager",
    "admin:reporting_compliance",
    "admin:reporting_drilldown",
    "admin:reporting_workbook",
    "admin:reporting_regulator",
    "admin:reporting_feedback",
    "complaints:letter",
    "complaints:letter_pdf",
    "complaints:attachment_download",
    "intake:complaint-detail",
    "intake:complaint-correspondence",
    "intake:complaint-attachments",
    "intake:complaint-callback",
    "intake:status-lookup",
    "admin:complaints_complaint_data_access",
}
# Sided pages that search: any side answers 200 (the result list says what is
# found), so only "the same as for a missing one" and what they show is checked.
SEARCHES = {
    "admin:complaints_complaint_data_access [search]",
    "admin:complaints_complaint_data_access [export]",
    "admin:complaints_complaint_changelist [institution]",
    "admin:complaints_complaint_changelist [handler]",
    "admin:complaints_complaint_changelist [search]",
}


# What ties a row to a side: an institution, a complaint, an owner.
SIDE_FIELDS = {"institution", "owner_institution", "complaint", "user"}


def names_an_object(pattern: Pattern) -> bool:
    return "object_id" in pattern.route or pattern.key.endswith("_simple_history")


def has_sides(model: type[Model] | None) -> bool:
    """Whether rows of `model` belong to a side; code lists, the calendar,
    groups and the sign-in logs do not (one row is enough to probe them)."""
    if model is None or model in (get_user_model(), Institution):
        return True
    return bool(SIDE_FIELDS & {f.name for f in model._meta.concrete_fields})


def probes() -> list[Probe]:
    found = []
    for pattern in url_patterns():
        sided = pattern.key in SIDED or (
            names_an_object(pattern) and has_sides(pattern.model)
        )
        for variant in VARIANTS.get(pattern.key, [""]):
            key = f"{pattern.key} [{variant}]" if variant else pattern.key
            found.append(Probe(key, pattern, variant, sided or key in SEARCHES))
    return found


# --- Concrete requests ------------------------------------------------------------
def _complaint(world: World, side: str) -> Any:
    return world.sides[side].complaint if side in SIDES else None


def _pk(world: World, model: type[Model], side: str) -> Any:
    return world.obj(model, side).pk if side in SIDES else MISSING_PK


def _number(world: World, side: str) -> str:
    c = _complaint(world, side)
    return c.number if c else MISSING_NUMBER


def _institution_code(side: str) -> str:
    return SIDES.get(side, "NOPE")


def _admin_object(world: World, probe: Probe, side: str) -> Request:
    p = probe.pattern
    assert p.model is not None
    pk = _pk(world, p.model, side)
    if p.name and p.name.endswith("_simple_history"):
        obj = world.obj(p.model, side if side in SIDES else "th")
        version = obj.history.latest().history_id  # type: ignore[attr-defined]
        return Request("get", reverse(p.name, args=[pk, version]))
    if p.name in (
        "admin:complaints_complaint_act",
        "admin:complaints_complaint_casework",
    ):
        return Request("get", reverse(p.name, args=[pk, probe.variant]))
    if p.name:
        return Request("get", reverse(p.name, kwargs={"object_id": pk}))
    # The unnamed "<path:object_id>/" redirect kept for old bookmarks.
    return Request("get", "/" + p.route.replace("<path:object_id>", str(pk)))


def _reporting(name: str) -> Callable[[World, Probe, str], Request]:
    def fill(world: World, probe: Probe, side: str) -> Request:
        query = f"institution={_institution_code(side)}&period=2026Q4"
        return Request("get", f"{reverse(name)}?{query}")

    return fill


def _autocomplete(world: World, probe: Probe, side: str) -> Request:
    app_label, model_name, field_name = AUTOCOMPLETE_FIELDS[probe.variant]
    query = f"app_label={app_label}&model_name={model_name}&field_name={field_name}"
    return Request("get", f"{reverse('admin:autocomplete')}?{query}&term=")


def _view_on_site(world: World, probe: Probe, side: str) -> Request:
    from complaints.models import Complaint

    ct = ContentType.objects.get_for_model(Complaint).pk
    return Request(
        "get", reverse(probe.pattern.key, args=[ct, _pk(world, Complaint, side)])
    )


def _export(world: World, probe: Probe, side: str) -> Request:
    kind, fmt = probe.variant.split(".")
    return Request("get", reverse(probe.pattern.key, kwargs={"kind": kind, "fmt": fmt}))


def _letter(world: World, probe: Probe, side: str) -> Request:
    from complaints.models import Letter

    return Request("get", reverse(probe.pattern.key, args=[_pk(world, Letter, side)]))


def _reply_template(world: World, probe: Probe, side: str) -> Request:
    """The side's template filled for the side's complaint (both missing for
    the missing side)."""
    from complaints.models import Complaint, ReplyTemplate

    args = [_pk(world, Complaint, side), _pk(world, ReplyTemplate, side)]
    return Request("get", reverse(probe.pattern.key, args=args))


def _download(world: World, probe: Probe, side: str) -> Request:
    from complaints.models import Attachment

    return Request(
        "get", reverse(probe.pattern.key, args=[_pk(world, Attachment, side)])
    )


def _api_number(method: str, **body: Any) -> Callable[[World, Probe, str], Request]:
    def fill(world: World, probe: Probe, side: str) -> Request:
        url = reverse(probe.pattern.key, kwargs={"number": _number(world, side)})
        if method == "get":
            return Request("get", url)
        data = {k: v() if callable(v) else v for k, v in body.items()}
        fmt = "multipart" if "file" in data else "json"
        return Request(method, url, data, fmt)

    return fill


def _status_lookup(world: World, probe: Probe, side: str) -> Request:
    c = _complaint(world, side)
    data = {
        "number": c.number if c else MISSING_NUMBER,
        "phone_last4": c.phone[-4:] if c else "0000",
    }
    return Request("post", reverse(probe.pattern.key), data, "json")


def _data_access(world: World, probe: Probe, side: str) -> Request:
    """A data subject's request, by the side complainant's ID number: the
    search, or the export of the complaint the search finds."""
    c = _complaint(world, side)
    data: dict[str, Any] = {"id_number": c.id_number if c else "110101190001011236"}
    if probe.variant == "export":
        data.update(export="xlsx", complaint=str(c.pk if c else MISSING_PK))
    return Request("post", reverse(probe.pattern.key), data)


def _volume_export(world: World, probe: Probe, side: str) -> Request:
    """The business-volume export itself (the POST of its form, every column
    ticked, as CSV), so what it writes out is checked, not just the form."""
    from import_export.forms import SelectableFieldsExportForm

    from reporting.models import BusinessVolume

    model_admin: Any = admin.site.get_model_admin(BusinessVolume)
    formats = model_admin.get_export_formats()
    resources = model_admin.get_export_resource_classes(RequestFactory().get("/"))
    form = SelectableFieldsExportForm(formats, resources)
    data = {
        name: "on" for name in form.fields if "_" in name and name != "export_items"
    }
    data["resource"] = "0"
    data["format"] = str([f().get_extension() for f in formats].index("csv"))
    return Request("post", reverse(probe.pattern.key), data)


def _complaint_list(world: World, probe: Probe, side: str) -> Request:
    url = reverse(probe.pattern.key)
    if not probe.variant:
        return Request("get", url)
    c = _complaint(world, side)
    value = {
        "institution": c.institution_id if c else MISSING_PK,
        "handler": c.handler_id if c else MISSING_PK,
        "search": c.number if c else MISSING_NUMBER,
    }[probe.variant]
    name = "q" if probe.variant == "search" else probe.variant
    return Request("get", f"{url}?{name}={value}")


def _import_done(world: World, probe: Probe, side: str) -> Request:
    """The result page of an import head office's compliance officer made."""
    from complaints.models import ImportRecord

    record, _created = ImportRecord.objects.get_or_create(
        user=world.users["ho.compliance"],
        kind=ImportRecord.Kind.REGULATOR_TRANSFERS,
        file_name="监管转送.xlsx",
        committed=True,
    )
    return Request("get", reverse(probe.pattern.key, args=[record.pk]))


def _import_job(world: World, probe: Probe, side: str) -> Request:
    """The page of a background import head office's compliance officer
    started (only its importer sees it)."""
    from complaints.models import ImportJob

    job, _created = ImportJob.objects.get_or_create(
        user=world.users["ho.compliance"],
        kind=ImportJob.Kind.REGULATOR_TRANSFERS,
        file_name="监管转送.xlsx",
        stage=ImportJob.Stage.CHECKED,
        new=3,
    )
    return Request("get", reverse(probe.pattern.key, args=[job.pk]))


def _password(world: World, probe: Probe, side: str) -> Request:
    pk = _pk(world, get_user_model(), side)
    return Request("get", reverse(probe.pattern.key, args=[pk]))


FILLERS: dict[str, Callable[[World, Probe, str], Request]] = {
    "admin:autocomplete": _autocomplete,
    "admin:app_list": lambda w, p, s: Request(
        "get", reverse(p.pattern.key, kwargs={"app_label": p.variant})
    ),
    "admin:view_on_site": _view_on_site,
    "admin:auth_user_password_change": _password,
    "admin:complaints_complaint_export": _export,
    "admin:complaints_complaint_data_access": _data_access,
    "admin:reporting_businessvolume_export": _volume_export,
    "admin:complaints_complaint_changelist": _complaint_list,
    "admin:complaints_complaint_import_organisation": lambda w, p, s: Request(
        "get", reverse(p.pattern.key, kwargs={"kind": p.variant})
    ),
    "admin:reporting_manager": _reporting("admin:reporting_manager"),
    "admin:reporting_compliance": _reporting("admin:reporting_compliance"),
    "admin:reporting_drilldown": _reporting("admin:reporting_drilldown"),
    "admin:reporting_workbook": _reporting("admin:reporting_workbook"),
    "admin:reporting_regulator": _reporting("admin:reporting_regulator"),
    "admin:reporting_feedback": _reporting("admin:reporting_feedback"),
    "complaints:letter": _letter,
    "complaints:letter_pdf": _letter,
    "admin:complaints_complaint_reply_template": _reply_template,
    "complaints:attachment_download": _download,
    "intake:complaint-detail": _api_number("get"),
    "intake:complaint-correspondence": _api_number("post", summary="来电补充"),
    "intake:complaint-attachments": _api_number(
        "post", file=pdf_upload, kind="evidence", description="补充材料"
    ),
    "intake:complaint-callback": _api_number(
        "post",
        occurred_at=lambda: NOW.isoformat(),
        satisfaction=4,
        called_by="回访坐席",
        words="处理还算及时",
    ),
    "admin:complaints_complaint_import_regulator_done": _import_done,
    # Someone's notice: it opens for its recipient only (tests/complaints/
    # test_notices.py); for everyone else it answers as missing.
    "admin:complaints_staffnotice_open": lambda w, p, s: Request(
        "get", reverse(p.pattern.key, args=[MISSING_PK])
    ),
    "admin:complaints_complaint_import_job": _import_job,
    "intake:status-lookup": _status_lookup,
    "intake:status-lookup-code": lambda w, p, s: Request(
        "post", reverse(p.pattern.key), {"number": MISSING_NUMBER}, "json"
    ),
    "intake:unknown": lambda w, p, s: Request("get", "/api/v1/no-such-endpoint/"),
    "route:admin/(?P<url>.*)$": lambda w, p, s: Request("get", "/admin/no-such-page/"),
    "route:/": lambda w, p, s: Request("get", "/"),
}


def request_for(world: World, probe: Probe, side: str = "") -> Request:
    """The request of `probe` (for `side`: th, xh or missing, when sided)."""
    filler = FILLERS.get(probe.pattern.key)
    if filler is not None:
        return filler(world, probe, side)
    if names_an_object(probe.pattern) and probe.pattern.model is not None:
        return _admin_object(world, probe, side or "th")
    if probe.pattern.name and not re.search(r"[<(]", probe.pattern.route):
        return Request("get", reverse(probe.pattern.name))
    raise LookupError(
        f"No request is known for {probe.key} ({probe.pattern.route}): add a "
        "filler to tests/permission_urls.py FILLERS."
    )
