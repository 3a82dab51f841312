"""The map after the workshop: downloads, import, copies, comparing two maps, review, archive, delete.

Downloads are for everyone in the workshop; everything else is the owner's, and writes are POSTs
through the services. Anyone else gets a 404, as everywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import slug_re
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from maps import exports
from maps import services as maps_services
from maps.compare import compare
from maps.models import JourneyMap, MapKind
from workshops import services
from workshops.forms import MapDuplicateForm, MapImportForm, WorkshopCreateForm
from workshops.models import Workshop
from workshops.selectors import participant_for, workshop_list_context

# What a download's file name ends with, after the map's name.
EXTENSIONS = {
    "json": "json",
    "md": "md",
    "csv": "csv",
    "svg": "svg",
    "plan-md": "action-plan.md",
    **{f"plan-{tracker}": f"action-plan-{tracker}.csv" for tracker in exports.IMPORTERS},
}


def _owned(request: HttpRequest, slug: str) -> Workshop:
    """The workshop, if the user owns it (and so its map); a 404 for anyone else."""
    if not request.user.is_authenticated:
        raise Http404
    workshop = Workshop.objects.select_related("journey_map").filter(slug=slug, owner=request.user).first()
    if workshop is None or workshop.journey_map.owner_id != request.user.pk:
        raise Http404
    return workshop


def map_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    participant = participant_for(user=request.user, slug=slug)
    if fmt not in exports.EXPORTERS:
        raise Http404
    return export_response(participant.workshop.journey_map, fmt)


def export_response(journey_map: JourneyMap, fmt: str) -> HttpResponse:
    """A download of the map in one of exports.EXPORTERS's formats."""
    render_map, content_type = exports.EXPORTERS[fmt]
    response = HttpResponse(render_map(journey_map).encode("utf-8"), content_type=content_type)
    name = slugify(journey_map.title, allow_unicode=True) or "journey-map"
    # An attachment, never shown in place: an SVG or a Markdown file opened on our origin must
    # not become a page.
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{EXTENSIONS[fmt]}")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def map_import(request: HttpRequest) -> HttpResponse:
    form = MapImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # One byte past the limit is enough to know the file is too large.
            data = exports.load(upload.read(settings.JOURNEYMAP_IMPORT_MAX_BYTES + 1))
            workshop = services.workshop_import(
                owner=request.user, data=data, display_name=request.user.get_full_name()
            )
        except exports.InvalidExport as invalid:
            message = _("“%(name)s” cannot be imported. %(problem)s")
            form.add_error("file", message % {"name": upload.name, "problem": invalid.message})
        else:
            messages.success(request, _("Imported “%(title)s” as a new map.") % {"title": workshop.title})
            return redirect("room", slug=workshop.slug)
    context = workshop_list_context(user=request.user, now=timezone.now())
    context.update(form=WorkshopCreateForm(), import_form=form)
    return render(request, "workshops/list.html", context, status=400)


@login_required
@require_POST
def map_duplicate(request: HttpRequest, slug: str) -> HttpResponse:
    workshop = _owned(request, slug)
    form = MapDuplicateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of the new map."))
        return redirect("workshop_list")
    kind = form.cleaned_data["kind"]
    title = form.cleaned_data["title"] or _("%(title)s (%(kind)s)") % {
        "title": workshop.journey_map.title,
        "kind": MapKind(kind).label,
    }
    copy = services.workshop_duplicate(
        workshop=workshop,
        by=request.user,
        kind=kind,
        title=title[:200],
        display_name=request.user.get_full_name(),
    )
    messages.success(
        request, _("A copy of “%(title)s” is ready in a new workshop.") % {"title": workshop.title}
    )
    return redirect("room", slug=copy.slug)


@login_required
@require_POST
def map_review(request: HttpRequest, slug: str) -> HttpResponse:
    workshop = _owned(request, slug)
    maps_services.map_mark_reviewed(journey_map=workshop.journey_map)
    messages.success(request, _("“%(title)s” is marked as reviewed today.") % {"title": workshop.title})
    return redirect("workshop_list")


@login_required
@require_POST
def map_follow_up(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a follow-up session on the map (its owner only), and go to its room."""
    workshop = _owned(request, slug)
    follow_up = services.follow_up_create(workshop=workshop, by=request.user)
    messages.success(
        request,
        _("A follow-up session on “%(title)s” is ready: share its join code with the team.")
        % {"title": workshop.title},
    )
    return redirect("room", slug=follow_up.slug)


@login_required
@require_POST
def map_archive(request: HttpRequest, slug: str) -> HttpResponse:
    workshop = _owned(request, slug)
    archived = request.POST.get("archived") == "1"
    maps_services.map_archive(journey_map=workshop.journey_map, archived=archived)
    if archived:
        messages.success(request, _("“%(title)s” is archived.") % {"title": workshop.title})
    else:
        messages.success(request, _("“%(title)s” is back in your workshops.") % {"title": workshop.title})
    return redirect("workshop_list")


@login_required
def map_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """Asks first (a page, no script needed); the POST from that page deletes."""
    workshop = _owned(request, slug)
    journey_map = workshop.journey_map
    if request.method == "POST":
        title = journey_map.title
        services.journey_map_delete(journey_map=journey_map, by=request.user)
        messages.success(request, _("“%(title)s” and everything on it are deleted.") % {"title": title})
        return redirect("workshop_list")
    context = {
        "workshop": workshop,
        "journey_map": journey_map,
        "workshops": list(journey_map.workshops.all()),
        "note_count": journey_map.stickies.filter(deleted_at=None).count(),
    }
    return render(request, "workshops/map_delete.html", context)


def _facilitated(request: HttpRequest, slug: str) -> Workshop:
    participant = participant_for(user=request.user, slug=slug)
    if not participant.is_facilitator:
        raise Http404
    return participant.workshop


def map_compare(request: HttpRequest, slug: str, other: str) -> HttpResponse:
    left, right = _facilitated(request, slug), _facilitated(request, other)
    context = {
        "left": left,
        "right": right,
        "rows": compare(left.journey_map, right.journey_map),
    }
    return render(request, "workshops/compare.html", context)


def map_compare_pick(request: HttpRequest, slug: str) -> HttpResponse:
    """The list's "compare with" form sends ?with=<slug>; the comparison has its own address."""
    _facilitated(request, slug)
    other = request.GET.get("with", "")
    if not slug_re.match(other):  # no workshop's slug, and "a/b" would have no address (a 500)
        raise Http404
    return redirect("map_compare", slug=slug, other=other)
