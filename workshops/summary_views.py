"""The stakeholder summary of a workshop's map, its share links and its PDF (docs/sharing.md).

Participants (every role) read the summary at /w/<slug>/summary/; anyone with a live share
link reads the same at /s/<token>/, read-only. Only facilitators make and revoke links.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_POST

from maps import services as maps_services
from maps.changes import changes_since
from maps.forms import ChangesSinceForm, ShareLinkForm
from maps.models import JourneyMap, ShareLink
from maps.pdf import summary_pdf
from maps.summary import map_summary
from workshops.map_views import export_response
from workshops.models import Participant
from workshops.op_forms.base import as_id
from workshops.selectors import EXPORT_FORMATS, follow_up_baseline, participant_for, summary_people

NOINDEX = "noindex, nofollow"
# What a share link may download besides the PDF: the formats that name no one. The JSON and
# the CSV carry each note's author, which the people in the workshop see but a link need not;
# the action plan names owners (teams), as the summary itself does.
SHARED_EXPORTS = ("md", "svg", "plan-md", "plan-jira", "plan-linear", "plan-github")

# The room's own kinds in "what changed": those that change nothing a reader of the map would
# miss (the clock, the agenda, presence, the facilitator's switches), and words for the rest.
QUIET_KINDS = (
    "timer.start",
    "timer.pause",
    "timer.add",
    "timer.reset",
    "step.go",
    "step.done",
    "agenda.update",
    "presence.online",
    "similar.dismiss",  # a suggestion the facilitator turned down: nothing on the map changed
    "presence.offline",
    "joining.set",
    "joining.rotate",
    "joining.guard",
    "board.lock",
    "writing.private",
    "emotion.private",
    "participant.role",
    "participant.rename",
)
ROOM_CHANGE_WORDS = {
    "participant.join": ngettext_lazy("%(count)d person joined", "%(count)d people joined", "count"),
    "participant.remove": ngettext_lazy(
        "%(count)d person removed from the workshop", "%(count)d people removed from the workshop", "count"
    ),
}


def _summary_context(request: HttpRequest, journey_map: JourneyMap) -> dict[str, Any]:
    context = map_summary(
        journey_map=journey_map,
        people=summary_people(journey_map_id=journey_map.pk),
        then=follow_up_baseline(journey_map_id=journey_map.pk),
        persona=as_id(request.GET.get("persona")),  # one persona of several (maps.personas)
    )
    form = ChangesSinceForm(request.GET if "since" in request.GET else None)
    context["changes_form"] = form
    if form.is_bound and form.is_valid():
        context["changes"] = changes_since(
            journey_map=journey_map, since=form.since_start(), words=ROOM_CHANGE_WORDS, quiet=QUIET_KINDS
        )
    return context


def _facilitator(request: HttpRequest, slug: str) -> Participant:
    participant = participant_for(user=request.user, slug=slug)
    if not participant.is_facilitator:
        raise Http404
    return participant


def _active_link(token: str) -> ShareLink:
    link = ShareLink.objects.select_related("journey_map").filter(token=token).first()
    if link is None or not link.is_active(timezone.now()):
        raise Http404
    return link


def summary(request: HttpRequest, slug: str) -> HttpResponse:
    participant = participant_for(user=request.user, slug=slug)
    workshop = participant.workshop
    context = _summary_context(request, workshop.journey_map)
    context.update(
        workshop=workshop,
        me=participant,
        pdf_url=reverse("summary_pdf", args=[slug]),
        downloads=[(reverse("map_export", args=[slug, fmt]), label) for fmt, label in EXPORT_FORMATS],
    )
    if participant.is_facilitator:
        now = timezone.now()
        links = list(ShareLink.objects.filter(journey_map=workshop.journey_map))
        for link in links:
            link.active = link.is_active(now)
            link.url = request.build_absolute_uri(reverse("shared_summary", args=[link.token]))
        context.update(share_form=ShareLinkForm(), share_links=links)
    return render(request, "maps/summary.html", context)


@require_POST
def share_link_create(request: HttpRequest, slug: str) -> HttpResponse:
    participant = _facilitator(request, slug)
    form = ShareLinkForm(request.POST)
    if form.is_valid():
        maps_services.share_link_create(
            journey_map=participant.workshop.journey_map,
            created_by=request.user,
            label=form.cleaned_data["label"],
            expires_at=form.expires_at(),
        )
        messages.success(request, _("Share link made. Copy it from the list below."))
    else:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, " ".join(errors))
    return redirect(reverse("summary", args=[slug]) + "#share")


@require_POST
def share_link_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    participant = _facilitator(request, slug)
    link = ShareLink.objects.filter(pk=pk, journey_map=participant.workshop.journey_map_id).first()
    if link is None:
        raise Http404
    maps_services.share_link_revoke(share_link=link)
    messages.success(request, _("Share link revoked: it no longer works."))
    return redirect(reverse("summary", args=[slug]) + "#share")


def shared_summary(request: HttpRequest, token: str) -> HttpResponse:
    link = _active_link(token)
    context = _summary_context(request, link.journey_map)
    context.update(
        shared=True,
        pdf_url=reverse("shared_summary_pdf", args=[token]),
        downloads=[
            (reverse("shared_map_export", args=[token, fmt]), label)
            for fmt, label in EXPORT_FORMATS
            if fmt in SHARED_EXPORTS
        ],
    )
    response = render(request, "maps/summary.html", context)
    response["X-Robots-Tag"] = NOINDEX
    response["Cache-Control"] = "private, no-store"
    return response


def _pdf_response(journey_map: JourneyMap) -> HttpResponse:
    pdf = summary_pdf(
        journey_map=journey_map,
        people=summary_people(journey_map_id=journey_map.pk),
        then=follow_up_baseline(journey_map_id=journey_map.pk),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(journey_map.title) or "journey-map"
    response["Content-Disposition"] = f'inline; filename="{name}-summary.pdf"'
    return response


def summary_pdf_view(request: HttpRequest, slug: str) -> HttpResponse:
    participant = participant_for(user=request.user, slug=slug)
    return _pdf_response(participant.workshop.journey_map)


def shared_summary_pdf(request: HttpRequest, token: str) -> HttpResponse:
    response = _pdf_response(_active_link(token).journey_map)
    response["X-Robots-Tag"] = NOINDEX
    response["Cache-Control"] = "private, no-store"
    return response


def shared_map_export(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    link = _active_link(token)
    if fmt not in SHARED_EXPORTS:
        raise Http404
    response = export_response(link.journey_map, fmt)
    response["X-Robots-Tag"] = NOINDEX
    return response
