from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from maps import events, personas
from maps import services as maps_services
from maps.models import Persona
from maps.reasons import why_panel
from maps.selectors import board, insights, vote_panel
from workshops import guards, live, ops, services
from workshops.forms import (
    JoinCodeForm,
    JoinNameForm,
    MapImportForm,
    PersonaForm,
    ScopeForm,
    SignupForm,
    WorkshopCreateForm,
)
from workshops.frames import usable_op_id
from workshops.models import Workshop
from workshops.selectors import participant_for, room_context, workshop_list_context
from workshops.services import Refused

GUEST_BACKEND = "django.contrib.auth.backends.ModelBackend"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "workshops/home.html", {"form": JoinCodeForm()})


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=GUEST_BACKEND)
        return redirect("workshop_list")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    form = WorkshopCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workshop = services.workshop_create(
            owner=request.user,
            title=form.cleaned_data["title"],
            kind=form.cleaned_data["kind"],
            display_name=request.user.get_full_name(),
        )
        return redirect("room", slug=workshop.slug)
    context = workshop_list_context(user=request.user, now=timezone.now())
    context.update(form=form, import_form=MapImportForm())
    return render(request, "workshops/list.html", context)


def join(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.GET or None)
    if form.is_valid():
        return redirect("join_code", code=form.cleaned_data["code"])
    return render(request, "workshops/home.html", {"form": form}, status=400 if form.errors else 200)


def join_code(request: HttpRequest, code: str) -> HttpResponse:
    code_form = JoinCodeForm({"code": code})
    workshop = None
    if code_form.is_valid():
        workshop = Workshop.objects.filter(join_code=code_form.cleaned_data["code"]).first()
    if _is_in(request, workshop):
        return redirect("room", slug=workshop.slug)
    # A throttled client learns nothing, not even whether this code was right (docs/security.md).
    wait = guards.join_wait(request)
    if wait is None:
        return guards.join_paused(request)
    if wait:
        return guards.join_throttled(request, wait)
    if workshop is None:
        if code_form.is_valid():
            guards.count_miss(request)
        form = JoinCodeForm({"code": code})
        form.is_valid()
        form.add_error("code", _("No workshop has this code. Check it with your facilitator."))
        return guards.keep_mark(request, render(request, "workshops/home.html", {"form": form}, status=404))
    browser = guards.browser_mark(request)
    if services.is_removed(workshop=workshop, user=request.user, browser=browser):
        return render(request, "workshops/join_removed.html", {"workshop": workshop}, status=403)
    form = JoinNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and workshop.joining_open:
        name = form.cleaned_data["display_name"]
        user = request.user if request.user.is_authenticated else None
        if user is None:
            user = services.guest_user_create(display_name=name)
            login(request, user, backend=GUEST_BACKEND)
        browser = guards.browser_mark(request, create=True)
        try:
            services.participant_join(workshop=workshop, user=user, display_name=name, browser=browser)
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            return guards.keep_mark(request, redirect("room", slug=workshop.slug))
    context = {"workshop": workshop, "form": form}
    return render(request, "workshops/join.html", context, status=200 if workshop.joining_open else 403)


def _is_in(request: HttpRequest, workshop: Workshop | None) -> bool:
    return (
        workshop is not None
        and request.user.is_authenticated
        and workshop.participants.filter(user=request.user).exists()
    )


def room(request: HttpRequest, slug: str) -> HttpResponse:
    participant = participant_for(user=request.user, slug=slug)
    workshop = participant.workshop
    context = room_context(workshop_id=workshop.pk, now=timezone.now())
    context["map_personas"] = personas.of_map(context["journey_map"])
    context.update(
        board(
            journey_map=context["journey_map"],
            viewer_id=request.user.pk,
            lanes=context["lanes"],
            personas=context["map_personas"],
        )
    )
    context.update(insights(journey_map=context["journey_map"]))
    context.update(why_panel(stage=context["workshop"].why_stage, until=context["workshop"].why_until))
    voters = sum(1 for person in context["people"] if person.can_write)
    context.update(vote_panel(journey_map=context["journey_map"], viewer_id=request.user.pk, voters=voters))
    context.update(
        me=participant,
        seq=workshop.journey_map.seq,
        join_url=request.build_absolute_uri(reverse("join_code", args=[workshop.join_code])),
    )
    return render(request, "workshops/room.html", context)


@require_POST
def room_op(request: HttpRequest, slug: str) -> HttpResponse:
    """The same ops as the websocket, for a form posted without JavaScript."""
    participant = participant_for(user=request.user, slug=slug)
    data = request.POST.dict()
    # A field given more than once (the notes of a fold, ticked boxes) is a list, as on the socket.
    data.update({key: values for key, values in request.POST.lists() if len(values) > 1})
    name = data.pop("op", "")
    data.pop("csrfmiddlewaretoken", None)
    # A client may name its op as on the socket (`id`): a form posted twice is saved once.
    op_id = data.pop("id", "") or None
    try:
        if op_id is not None and not usable_op_id(op_id):
            raise Refused(_("An op id is a string of up to 64 characters."), code="invalid")
        done = ops.run(participant_id=participant.pk, name=name, data=data, op_id=op_id)
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        live.send_now(done.events)
    return redirect("room", slug=slug)


def present(request: HttpRequest, slug: str) -> HttpResponse:
    """The join screen for a projector: the code large, the link and a QR code."""
    participant = participant_for(user=request.user, slug=slug)
    if not participant.is_facilitator:
        raise Http404
    workshop = participant.workshop
    context = room_context(workshop_id=workshop.pk, now=timezone.now())
    context.update(me=participant, seq=events.current_seq(journey_map_id=workshop.journey_map_id))
    return render(request, "workshops/present.html", context)


def join_qr(request: HttpRequest, slug: str) -> HttpResponse:
    """The join link as an SVG QR code (the code rotates, so it is drawn on request)."""
    participant = participant_for(user=request.user, slug=slug)
    url = request.build_absolute_uri(reverse("join_code", args=[participant.workshop.join_code]))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=4, dark="#1b1f24", light="#ffffff")
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


def prepare(request: HttpRequest, slug: str) -> HttpResponse:
    """Before the session: the persona, the scope and a first backstory (the play's step 0)."""
    participant = participant_for(user=request.user, slug=slug)
    if not participant.is_facilitator:
        raise Http404
    workshop = participant.workshop
    journey_map = workshop.journey_map
    form = ScopeForm(request.POST or None, instance=journey_map, owner=workshop.owner)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if data:
            services.map_change(
                workshop=workshop,
                by=participant,
                change=maps_services.scope_update,
                facilitator_only=True,
                data=data,
            )
        messages.success(request, _("Saved."))
        return redirect("room", slug=slug)
    return render(request, "workshops/prepare.html", {"form": form, "workshop": workshop})


@login_required
def persona_list(request: HttpRequest) -> HttpResponse:
    form = PersonaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        persona = form.save(commit=False)
        persona.owner = request.user
        persona.save()
        messages.success(request, _("Persona added to your library."))
        return redirect("persona_list")
    personas = Persona.objects.filter(owner=request.user)
    return render(request, "workshops/personas.html", {"form": form, "personas": personas})


@login_required
def persona_edit(request: HttpRequest, pk: int) -> HttpResponse:
    persona = Persona.objects.filter(owner=request.user, pk=pk).first()
    if persona is None:
        raise Http404
    form = PersonaForm(request.POST or None, instance=persona)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("persona_list")
    return render(request, "workshops/persona_edit.html", {"form": form, "persona": persona})
