"""The machinery of tests/test_every_page.py: the project's URL patterns, the forms of a page
(read with the standard library's html.parser), the data a person could put in them, and how
the walk tells one form from another.

Who may see what is the test file's table; tests/walk_world.py builds what the walk walks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

# -- the URL patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str  # the whole route, e.g. "w/<str:slug>/op/"
    name: str  # "namespace:name" or "name"
    converters: dict[str, str]  # argument → converter class name ("StringConverter")


def patterns(skip: dict[str, str]) -> Iterator[Pattern]:
    """Every URL pattern of the project, includes walked; `skip` maps a route prefix to why."""
    yield from _walk(get_resolver().url_patterns, "", {}, "", skip)


def _walk(
    entries: list[Any], prefix: str, converters: dict[str, str], namespace: str, skip: dict[str, str]
) -> Iterator[Pattern]:
    for entry in entries:
        route = prefix + str(entry.pattern)
        if any(route.startswith(skipped) for skipped in skip):
            continue
        found = {**converters, **{k: type(v).__name__ for k, v in entry.pattern.converters.items()}}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, found, inner, skip)
        elif isinstance(entry, URLPattern):
            yield Pattern(route=route, name=f"{namespace}{entry.name or ''}", converters=found)


def fill(route: str, values: dict[str, Any]) -> str:
    """The route with its arguments put in as a person would type them, fitting its converters
    or not (reverse() refuses what a converter would not match, a person's address bar does
    not)."""

    def put(match: re.Match[str]) -> str:
        return quote(str(values[match.group(1)]), safe="")

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", put, route)


def url_name(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).url_name
    except Resolver404:
        return None


# -- the forms of a page ---------------------------------------------------------------------


@dataclass
class Control:
    tag: str  # input, textarea, select, button
    attrs: dict[str, str]
    text: str = ""  # a textarea's content
    options: list[tuple[str, bool]] = field(default_factory=list)  # a select's (value, selected)

    @property
    def name(self) -> str:
        return self.attrs.get("name", "")

    @property
    def type(self) -> str:
        default = "submit" if self.tag == "button" else "text"
        return self.attrs.get("type", default).lower() if self.tag in ("input", "button") else self.tag


@dataclass
class Form:
    attrs: dict[str, str]
    controls: list[Control] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.attrs.get("method", "get").lower()

    def hidden(self, name: str) -> str | None:
        return next((c.attrs.get("value", "") for c in self.controls if c.name == name), None)


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._control: Control | None = None  # the open textarea, select or option's select
        self._option: list[Any] | None = None  # [value or None, selected, text]

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v if v is not None else "" for k, v in attrs_list}
        if tag == "form":
            self._form = Form(attrs)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button"):
            self._form.controls.append(Control(tag, attrs))
        elif tag in ("textarea", "select"):
            self._control = Control(tag, attrs)
            self._form.controls.append(self._control)
        elif tag == "option" and self._control is not None:
            self._close_option()
            self._option = [attrs.get("value"), "selected" in attrs, ""]

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[2] += data
        elif self._control is not None and self._control.tag == "textarea":
            self._control.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag in ("textarea", "select"):
            self._close_option()
            self._control = None
        elif tag == "option":
            self._close_option()

    def _close_option(self) -> None:
        if self._option is not None and self._control is not None:
            value, selected, text = self._option
            self._control.options.append((text.strip() if value is None else value, selected))
        self._option = None


def parse_forms(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


# -- what a person puts in a form --------------------------------------------------------------

NOT_DATA = {"csrfmiddlewaretoken"}  # the test client does not check it; never junk it
PLAUSIBLE = {
    "email": "walker@example.com",
    "password": "a-long-password-9",
    "url": "https://example.com/",
    "date": (timezone.localdate() + timedelta(days=1)).isoformat(),  # an expiry must be later
}


def plausible(control: Control) -> str:
    """A value a person would type into an empty field of this type."""
    kind = control.type
    if kind in PLAUSIBLE:
        return PLAUSIBLE[kind]
    if kind == "number":
        low = float(control.attrs.get("min") or 1)
        high = float(control.attrs.get("max") or max(low, 1))
        return str(int(min(max(1, low), high)))
    if kind == "select":
        real = [value for value, _selected in control.options if value]
        return real[0] if real else ""
    text = "A walk through every page"
    limit = int(control.attrs.get("maxlength") or len(text))
    return text[:limit]


def valid_data(form: Form, known: dict[str, str], files: dict[str, Any]) -> dict[str, list[Any]]:
    """The data the form carries, as a browser would send it, every empty field filled in.

    `known` holds values no type could guess (a login's password); `files` makes a file per
    file input. The first named submit button is the one pressed.
    """
    data: dict[str, list[Any]] = {}
    pressed = False
    for control in form.controls:
        name, kind = control.name, control.type
        if not name:
            continue
        if kind in ("submit", "image"):
            if not pressed:
                data.setdefault(name, []).append(control.attrs.get("value", ""))
                pressed = True
            continue
        if kind in ("button", "reset"):
            continue
        value = _value(control, known, files)
        if value is not None:
            data.setdefault(name, []).append(value)
    return data


def _value(control: Control, known: dict[str, str], files: dict[str, Any]) -> Any:
    name, kind = control.name, control.type
    if name in known:
        return known[name]
    if kind == "file":
        return files[name]() if name in files else None
    if kind in ("checkbox", "radio"):
        return control.attrs.get("value", "on") if "checked" in control.attrs else None
    if kind == "select":
        chosen = [value for value, selected in control.options if selected]
        value = chosen[0] if chosen else (control.options[0][0] if control.options else "")
    elif kind == "textarea":
        value = control.text.removeprefix("\n")  # the parser keeps the newline a browser drops
    else:
        value = control.attrs.get("value", "")
    # A person fills the form in: every empty field gets a value, so a save changes something.
    if not value and kind != "hidden":
        return plausible(control)
    return value


# What a person (or a script) could type instead: empty, too long, a digit that is not ASCII,
# a NUL, garbage in many scripts (no lone surrogates: no browser can send those), a path,
# numbers out of every range, and one that is not a number.
JUNK = ["", "x" * 10_000, "²", "\x00", "garbage ☃ \u202e<b>&amp; 露营", "a/../b?c#d", "-1", "9" * 40, "NaN"]
JUNK_FILES = [
    ("not-json.json", b"this is not JSON at all"),
    ("wrong-shape.json", b'{"format": "journeymap", "version": 1, "stages": "none"}'),  # no title
    ("a-list.json", b"[1, 2, 3]"),
    ("nested.json", b"[" * 100_000 + b"]" * 100_000),
    ("binary.json", bytes(range(256)) * 4),
    ("empty.json", b""),
]


def junk_file(index: int) -> tuple[str, bytes]:
    return JUNK_FILES[index % len(JUNK_FILES)]


def junk_variants(
    valid: dict[str, list[Any]], keep: set[str], foreign: dict[str, str]
) -> Iterator[dict[str, list[Any]]]:
    """The valid data with every field but `keep` replaced by one kind of junk at a time, then
    with another workshop's ids (`foreign`, by field name) in every field that holds an id."""
    fields = [name for name in valid if name not in keep | NOT_DATA]
    if not fields:
        return
    for index, junk in enumerate(JUNK):
        data = dict(valid)
        for name in fields:
            if any(isinstance(value, SimpleUploadedFile) for value in valid[name]):
                file_name, content = junk_file(index)
                data[name] = [SimpleUploadedFile(file_name, content, content_type="application/json")]
            else:
                data[name] = [junk]
        yield data
    ids = {name: [foreign[name]] for name in fields if name in foreign and valid[name] != [foreign[name]]}
    if ids:
        yield {**valid, **ids}


# -- which form is which -------------------------------------------------------------------

# Forms only a script sends (no action, no method, no data-op): the op each stands for, and
# the id it takes from the dialog it opens in. The fallback runs the same ops.
SCRIPT_FORMS = {"data-stage-rename": ("stage.rename", "stage"), "data-metric-add": ("metric.add", "stage")}
# Forms with no way to send them without JavaScript (no action): noted, and posted to the
# fallback all the same. A new one fails the walk until it is added here, or given an action.
# These are the stage dialog's: script opens it for the stage clicked, so without JavaScript
# there is nothing to fill them in (the room's other controls are real forms).
WEBSOCKET_ONLY = {
    "metric.add",
    "stage.rename",
}
# Hidden fields that name a row: the same form for another row is the same form. Other hidden
# values tell forms apart ("Archive" sends archived=1, "Restore" archived=0).
ROW_FIELDS = {"step", "participant", "stage", "lane", "sticky", "metric", "insight", "removal"}


@dataclass(frozen=True)
class Found:
    identity: tuple[str, ...]  # page, where it goes, op, the hidden values that tell forms apart
    form: Form
    url: str  # where it is sent
    method: str
    extra: dict[str, list[str]]  # what a script adds: the op, the dialog's id


def find_forms(page: str, page_url: str, html: str, op_url: str) -> list[Found]:
    """The forms of a page, one of each kind (the first), as the walk sends them."""
    found: dict[tuple[str, ...], Found] = {}
    stage = re.search(r'data-stage="(\d+)"', html)
    for form in parse_forms(html):
        if form.method == "dialog":  # closes a <dialog> in the browser; sends nothing
            continue
        action = form.attrs.get("action")
        if action is None and "method" not in form.attrs:
            marker = next((m for m in SCRIPT_FORMS if m in form.attrs), None)
            op = form.attrs.get("data-op") or (SCRIPT_FORMS[marker][0] if marker else "")
            assert op in WEBSOCKET_ONLY, f"{page_url}: a form nothing sends without JavaScript: {form.attrs}"
            extra = {"op": [op]}
            if marker:
                extra[SCRIPT_FORMS[marker][1]] = [stage.group(1) if stage else ""]
            url, method = op_url, "post"
        else:
            url = page_url if not action or action.startswith("#") else action
            op, extra, method = form.hidden("op") or "", {}, form.method
        hidden = sorted(f"{c.name}={c.attrs.get('value', '')}" for c in form.controls if _tells_apart(c))
        identity = (page, url_name(url) or url, op, *hidden)
        found.setdefault(identity, Found(identity, form, url, method, extra))
    return list(found.values())


def _tells_apart(control: Control) -> bool:
    name, value = control.name, control.attrs.get("value", "")
    if control.type != "hidden" or name in ("op", "next", *NOT_DATA, *ROW_FIELDS):
        return False
    return not (name == "to" and value.isdigit())  # a step's id; "next" and "previous" are not
