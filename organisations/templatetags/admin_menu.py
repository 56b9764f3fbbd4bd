"""The admin's navigation sidebar, written by joining strings.

Every admin page draws the sidebar: Django's admin/app_list.html, a template
loop with half a dozen look-ups and conditions per model, over the forty-odd
models a head office's user may open. Measured at a million complaints it was
10 ms of the complaint list's 60 (issue 19). This writes the same rows for
the sidebar (no change links); tests/organisations/test_admin_menu.py
compares it with Django's template for several users and pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import quote

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


def _text(value: Any) -> str:
    """What `{{ value }}` writes: escaped unless already safe HTML."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


@register.simple_tag(takes_context=True)
def sidebar_apps(context: Any) -> SafeString:
    request = context.get("request")  # as the template, none without one
    path = request.path if request is not None else ""
    return sidebar_html(context.get("available_apps") or [], path)


def sidebar_html(apps: Iterable[dict[str, Any]], path: str) -> SafeString:
    """admin/app_list.html with show_changelinks=False, for `path`."""
    apps = list(apps)
    if not apps:
        nothing = gettext("You don’t have permission to view or edit anything.")
        return mark_safe(f"<p>{escape(nothing)}</p>")  # noqa: S308 - escaped
    here = quote(path, safe="/")  # the template's request.path|urlencode
    model_name_th = escape(gettext("Model name"))
    add_link_th = escape(gettext("Add link"))
    change_th = escape(gettext("Change or view list link"))
    add = escape(gettext("Add"))
    out: list[str] = []
    for app in apps:
        label = _text(app["app_label"])
        app_url = str(app["app_url"])
        current = " current-app" if app_url in here else ""
        title = gettext("Models in the %(name)s application") % {
            "name": _text(app["name"])
        }
        out.append(
            f'<div class="app-{label} module{current}"><table><caption>'
            f'<a href="{_text(app_url)}" class="section" title="{title}">'
            f"{_text(app['name'])}</a></caption>"
            f'<thead class="visually-hidden"><tr><th scope="col">{model_name_th}</th>'
            f'<th scope="col">{add_link_th}</th><th scope="col">{change_th}</th>'
            "</tr></thead>"
        )
        for model in app["models"]:
            name = _text(str(model["object_name"]).lower())
            admin_url = model.get("admin_url")
            mark = admin_url and str(admin_url) in here
            out.append(
                f'<tr class="model-{name}{" current-model" if mark else ""}">'
                f'<th scope="row" id="{label}-{name}">'
            )
            if admin_url:
                current_page = ' aria-current="page"' if mark else ""
                out.append(
                    f'<a href="{_text(admin_url)}"{current_page}>'
                    f"{_text(model['name'])}</a>"
                )
            else:
                out.append(_text(model["name"]))
            out.append("</th>")
            add_url = model.get("add_url")
            if add_url:
                out.append(
                    f'<td><a href="{_text(add_url)}" class="addlink" '
                    f'aria-describedby="{label}-{name}">{add}</a></td>'
                )
            else:
                out.append("<td></td>")
            out.append("</tr>")
        out.append("</table></div>")
    return mark_safe("".join(out))  # noqa: S308 - every value escaped above
