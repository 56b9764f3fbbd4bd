"""Read an HTML form the way a browser submits it (no JavaScript needed).

The admin renders plain forms: inputs, selects and textareas. A handler's
browser posts every field with its current value; the driver does the same,
then overrides the fields the handler fills in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

STATUS = re.compile(r'id="complaint-status" data-status="([a-z_]+)"')
NUMBER = re.compile(r"TS\d{4}-\d{6}")
CHANGE_LINK = re.compile(r"/admin/complaints/complaint/(\d+)/change/")


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    # Option values of each select, in page order (the blank "---------" too).
    options: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post" and (
                self.form_id is None or a.get("id") == self.form_id
            ):
                self.current = Form()
                self.forms.append(self.current)
            return
        form = self.current
        if form is None or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    form.fields[a["name"]] = a.get("value", "on")
                return
            form.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a["name"]
            form.options[self.select] = []
            form.fields.setdefault(self.select, "")
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            form.options[self.select].append(value)
            if "selected" in a:
                form.fields[self.select] = value
        elif tag == "textarea":
            self.textarea, self.text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.current:
            # Browsers drop the one newline that follows <textarea>.
            self.current.fields[self.textarea] = "".join(self.text).removeprefix("\n")
            self.textarea = None


def parse_form(html: str, form_id: str | None = None) -> Form | None:
    """The first POST form of the page (or the one with `form_id`)."""
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.forms[0] if parser.forms else None


def page_status(html: str) -> str | None:
    """The complaint status shown on a change or action page."""
    found = STATUS.search(html)
    return found.group(1) if found else None


def page_number(html: str) -> str | None:
    found = NUMBER.search(html)
    return found.group(0) if found else None


def change_links(html: str) -> list[int]:
    seen: dict[int, None] = {}
    for pk in CHANGE_LINK.findall(html):
        seen[int(pk)] = None
    return list(seen)
