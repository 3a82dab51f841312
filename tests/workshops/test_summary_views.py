"""The summary page, share links and the PDF, as each person sees them."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from maps import services as maps_services
from maps.models import EmotionRating, Evidence, JourneyMap, ShareLink, Sticky, Vote, VoteDot
from tests.conftest import client_for
from workshops import services
from workshops.models import Participant

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert('x')</script>",
    "=cmd|' /C calc'!A0",
    "<img src=x onerror=alert(1)>",
    "مرحبا، الحجز لم يصل",  # right-to-left
    "露营地的厕所太远了",  # CJK
]


def lane(journey_map, key):
    return journey_map.lanes.get(key=key)


def note(journey_map, user, text, key="actions", stage=0, **style):
    stage = list(journey_map.stages.all())[stage]
    return maps_services.sticky_create(
        journey_map=journey_map, author=user, stage=stage, lane=lane(journey_map, key), text=text, **style
    ).sticky


def summary_url(workshop):
    return reverse("summary", args=[workshop.slug])


def share(workshop, **fields):
    return maps_services.share_link_create(
        journey_map=workshop.journey_map, created_by=workshop.owner, **fields
    )


# -- who may read --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "cofacilitator", "member", "observer"])
def test_every_participant_reads_the_summary(request, workshop, who):
    participant = request.getfixturevalue(who)
    note(workshop.journey_map, participant.user, "Compares three campsites")
    response = client_for(participant.user).get(summary_url(workshop))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Camping trip" in page and "Compares three campsites" in page
    assert f'href="/w/{workshop.slug}/"' in page  # the way back to the room


@pytest.mark.parametrize("who", ["member", "observer"])
def test_only_facilitators_see_the_share_links(request, workshop, who):
    share(workshop)
    page = client_for(request.getfixturevalue(who).user).get(summary_url(workshop)).content.decode()
    assert "Make a share link" not in page and "/s/" not in page


def test_the_facilitator_sees_share_links(workshop, facilitator, cofacilitator):
    link = share(workshop, label="Leadership")
    for person in (facilitator, cofacilitator):
        page = client_for(person.user).get(summary_url(workshop)).content.decode()
        assert "Make a share link" in page and f"/s/{link.token}/" in page and "Leadership" in page


def test_outsiders_and_strangers_get_a_404(client, workshop, outsider):
    for url in (summary_url(workshop), reverse("summary_pdf", args=[workshop.slug])):
        assert client.get(url).status_code == 404
        assert client_for(outsider).get(url).status_code == 404


def test_the_room_links_to_the_summary(workshop, member):
    page = client_for(member.user).get(reverse("room", args=[workshop.slug])).content.decode()
    assert f'href="{summary_url(workshop)}"' in page


# -- share links ---------------------------------------------------------------------------


def test_a_facilitator_makes_a_link_with_an_expiry(workshop, facilitator):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(facilitator.user).post(
        reverse("share_link_create", args=[workshop.slug]),
        {"label": "Board meeting", "expires_on": tomorrow.isoformat()},
    )
    assert response.status_code == 302
    link = ShareLink.objects.get()
    assert link.label == "Board meeting" and link.created_by == facilitator.user
    assert link.expires_at.date() == tomorrow + timedelta(days=1)  # works through that whole day
    assert len(link.token) >= 40


def test_an_expiry_in_the_past_is_refused(workshop, facilitator):
    response = client_for(facilitator.user).post(
        reverse("share_link_create", args=[workshop.slug]),
        {"expires_on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "Pick a day after today." in response.content.decode()
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("who", ["member", "observer"])
def test_members_cannot_make_or_revoke_links(request, workshop, who):
    link = share(workshop)
    client = client_for(request.getfixturevalue(who).user)
    assert client.post(reverse("share_link_create", args=[workshop.slug])).status_code == 404
    assert client.post(reverse("share_link_revoke", args=[workshop.slug, link.pk])).status_code == 404
    assert ShareLink.objects.count() == 1 and ShareLink.objects.get().revoked_at is None


def test_an_outsider_cannot_revoke_another_maps_link(workshop, other_workshop, outsider):
    link = share(workshop)
    response = client_for(outsider).post(reverse("share_link_revoke", args=[other_workshop.slug, link.pk]))
    assert response.status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def test_links_are_posted_never_got(workshop, facilitator):
    client = client_for(facilitator.user)
    assert client.get(reverse("share_link_create", args=[workshop.slug])).status_code == 405


def test_a_stakeholder_reads_a_shared_summary_without_logging_in(client, workshop, member):
    note(workshop.journey_map, member.user, "Phones the campsite")
    link = share(workshop)
    response = client.get(reverse("shared_summary", args=[link.token]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Phones the campsite" in page and "Mia" in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page
    # Read-only: no way into the room, no share controls, no forms that change the map.
    assert workshop.slug not in page and workshop.join_code not in page
    assert "Make a share link" not in page and "Revoke" not in page
    assert 'method="post"' not in page.replace('method="post" action="/i18n/setlang/"', "")


def test_a_shared_summary_shows_no_contact_details(client, owner, db):
    owner.email = "olivia@example.com"
    owner.save()
    # A facilitator who gave no name but their login is named by role on a shared page.
    workshop = services.workshop_create(owner=owner, title="Onboarding", kind="current")
    assert workshop.participants.get().display_name == "olivia"
    guest = services.guest_user_create(display_name="Mia")
    services.participant_join(workshop=workshop, user=guest, display_name="Mia")
    page = client.get(reverse("shared_summary", args=[share(workshop).token])).content.decode()
    assert "olivia@example.com" not in page and "olivia" not in page
    assert guest.username not in page
    assert "Mia" in page and "Facilitator" in page


def test_a_revoked_link_is_gone(client, workshop, facilitator):
    link = share(workshop)
    response = client_for(facilitator.user).post(reverse("share_link_revoke", args=[workshop.slug, link.pk]))
    assert response.status_code == 302
    assert client.get(reverse("shared_summary", args=[link.token])).status_code == 404
    assert client.get(reverse("shared_summary_pdf", args=[link.token])).status_code == 404
    page = client_for(facilitator.user).get(summary_url(workshop)).content.decode()
    assert "Revoked on" in page and f"/s/{link.token}/" not in page


def test_an_expired_link_is_gone(client, workshop):
    link = share(workshop, expires_at=timezone.now() + timedelta(hours=1))
    assert client.get(reverse("shared_summary", args=[link.token])).status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("shared_summary", args=[link.token])).status_code == 404
    assert client.get(reverse("shared_summary_pdf", args=[link.token])).status_code == 404


def test_an_unknown_token_is_a_404(client, db):
    assert client.get(reverse("shared_summary", args=["not-a-token"])).status_code == 404


# -- what the summary holds ----------------------------------------------------------------


def test_private_notes_and_ratings_never_show(client, workshop, member, member2):
    journey_map = workshop.journey_map
    note(journey_map, member.user, "Secret until the reveal", hidden=True)
    stage = journey_map.stages.first()
    EmotionRating.objects.create(
        journey_map=journey_map, stage=stage, author=member.user, value=-3, hidden=True
    )
    EmotionRating.objects.create(journey_map=journey_map, stage=stage, author=member2.user, value=2)
    for page in (
        client_for(member.user).get(summary_url(workshop)).content.decode(),
        client.get(reverse("shared_summary", args=[share(workshop).token])).content.decode(),
    ):
        assert "Secret until the reveal" not in page
        assert "<strong>+2</strong>" in page and "1 rating" in page


def test_pains_rank_by_closed_votes_then_severity(workshop, facilitator, member):
    journey_map = workshop.journey_map
    mild = note(journey_map, member.user, "Toilets far away", "pains", severity=1)
    severe = note(journey_map, member.user, "Two hours to light charcoal", "pains", severity=3)
    voted = note(journey_map, member.user, "Missed two exits", "pains", stage=1)
    vote = Vote.objects.create(
        journey_map=journey_map, lane=lane(journey_map, "pains"), closed_at=timezone.now()
    )
    VoteDot.objects.create(vote=vote, voter=member.user, sticky=voted)
    # Dots of a vote still open are secret, so they do not count.
    still_open = Vote.objects.create(journey_map=journey_map, lane=lane(journey_map, "pains"))
    VoteDot.objects.create(vote=still_open, voter=member.user, sticky=mild)
    VoteDot.objects.create(vote=still_open, voter=facilitator.user, sticky=mild)
    page = client_for(member.user).get(summary_url(workshop)).content.decode()
    ranked = page[page.index("Pain points, worst first") :]
    assert ranked.index(voted.text) < ranked.index(severe.text) < ranked.index(mild.text)


def test_opportunities_show_owner_status_pains_and_teams(workshop, member):
    journey_map = workshop.journey_map
    pain = note(journey_map, member.user, "Charcoal will not light", "pains")
    idea = note(
        journey_map,
        member.user,
        "Sell fire starters at the office",
        "opportunities",
        owner="Shop",
        status="planned",
    )
    note(journey_map, member.user, "Map of the best spots", "opportunities", owner=" shop ")
    note(journey_map, member.user, "Signs at the exits", "opportunities")
    maps_services.sticky_link(journey_map=journey_map, author=member.user, sticky=pain, to=idea, linked=True)
    page = client_for(member.user).get(summary_url(workshop)).content.decode()
    opportunities = page[page.index("The action plan") : page.index("The assumption ledger")]
    assert "Sell fire starters" in opportunities and "Planned" in opportunities
    assert "Charcoal will not light" in opportunities and "no owner yet" in opportunities
    teams = page[page.index("Teams that should know") : page.index("The big picture")]
    assert teams.count("<strong") == 1 and "Shop</strong>" in teams  # one team, however it is typed
    assert "1 opportunity has no owner yet." in teams


def test_the_summary_says_what_the_map_rests_on(workshop, member):
    journey_map = workshop.journey_map
    note(journey_map, member.user, "From interviews", evidence=Evidence.RESEARCH)
    note(journey_map, member.user, "Heard at the desk", evidence=Evidence.ANECDOTE)
    note(journey_map, member.user, "We think so")
    note(journey_map, member.user, "We think so too")
    page = client_for(member.user).get(summary_url(workshop)).content.decode()
    assert "Research: 25% (1 note)" in page and "Assumption: 50% (2 notes)" in page


def test_the_summary_holds_persona_scope_backstory_insights_and_kind(workshop, facilitator):
    journey_map = workshop.journey_map
    JourneyMap.objects.filter(pk=journey_map.pk).update(
        scenario="A weekend trip with friends", trigger="A stressful quarter at work"
    )
    maps_services.insight_add(
        journey_map=journey_map, author=facilitator.user, question="frustrating", text="Booking by phone"
    )
    page = client_for(facilitator.user).get(summary_url(workshop)).content.decode()
    for text in (
        "A weekend trip with friends",
        "A stressful quarter at work",
        "Booking by phone",
        "Current state",
    ):
        assert text in page
    assert "What is most confusing or frustrating?" in page
    assert '<th scope="col" dir="auto">Awareness</th>' in page and '<th scope="row">Does</th>' in page


def test_hostile_text_is_shown_as_text(client, workshop, member):
    journey_map = workshop.journey_map
    JourneyMap.objects.filter(pk=journey_map.pk).update(title="<b>Trip</b> & co")
    for text in HOSTILE:
        note(journey_map, member.user, text, "pains", owner=text)
    member.display_name = "<i>Mia</i>"
    member.save()
    for page in (
        client_for(member.user).get(summary_url(workshop)).content.decode(),
        client.get(reverse("shared_summary", args=[share(workshop).token])).content.decode(),
    ):
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>Trip" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
        assert "&lt;b&gt;Trip&lt;/b&gt; &amp; co" in page and "&lt;i&gt;Mia&lt;/i&gt;" in page
        assert "=cmd|&#x27; /C calc&#x27;!A0" in page
        assert HOSTILE[3] in page and HOSTILE[4] in page
        assert f'dir="auto">{HOSTILE[3]}' in page  # right-to-left text keeps its own direction


# -- the query count -----------------------------------------------------------------------


def test_the_summary_takes_a_fixed_number_of_queries(workshop, facilitator, django_assert_num_queries):
    journey_map = workshop.journey_map
    people = [
        Participant.objects.create(
            workshop=workshop, user=services.guest_user_create(display_name=f"P{i}"), display_name=f"P{i}"
        )
        for i in range(20)
    ]
    stages, lanes = list(journey_map.stages.all()), list(journey_map.lanes.all())
    Sticky.objects.bulk_create(
        Sticky(
            journey_map=journey_map,
            stage=stages[i % len(stages)],
            lane=lanes[i % len(lanes)],
            text=f"Note {i}",
            author=people[i % 20].user,
            position=i,
            owner=f"Team {i % 4}",
            severity=1 + i % 3,
        )
        for i in range(400)
    )
    notes = list(Sticky.objects.filter(journey_map=journey_map))
    Sticky.links.through.objects.bulk_create(
        Sticky.links.through(from_sticky_id=a.pk, to_sticky_id=b.pk)
        for a, b in zip(notes, notes[3:], strict=False)
    )
    vote = Vote.objects.create(
        journey_map=journey_map, lane=lane(journey_map, "pains"), closed_at=timezone.now()
    )
    pains = [n for n in notes if n.lane.key == "pains"]
    VoteDot.objects.bulk_create(
        VoteDot(vote=vote, voter=p.user, sticky=pains[i]) for i, p in enumerate(people)
    )
    EmotionRating.objects.bulk_create(
        EmotionRating(journey_map=journey_map, stage=s, author=p.user, value=(i + j) % 7 - 3)
        for i, p in enumerate(people)
        for j, s in enumerate(stages)
    )
    for stage in stages:
        maps_services.metric_add(
            journey_map=journey_map, author=facilitator.user, stage=stage, kind="nps", value=10
        )
    share(workshop)
    client = client_for(facilitator.user)
    # session, user, participant with workshop and map; the people of the map's workshops; the
    # map with its persona, stages, their figures, lanes, notes, the map's other personas,
    # links, dots, ratings, answers, the reasons of "why" rounds, who did what when, the days
    # worked on; the last follow-up session's snapshot; the share links.
    with django_assert_num_queries(19):
        response = client.get(summary_url(workshop))
    assert response.content.decode().count('class="note colour-') == 400


# -- "what changed since" ------------------------------------------------------------------


def test_what_changed_since_a_date(workshop, facilitator, member):
    journey_map = workshop.journey_map
    note(journey_map, member.user, "Phones the campsite")
    note(journey_map, member.user, "Pays a deposit")
    note(journey_map, member.user, "Not revealed yet", hidden=True)
    maps_services.stage_rename(
        journey_map=journey_map, author=facilitator.user, stage=journey_map.stages.first(), name="Research"
    )
    services.timer_start(workshop=workshop, by=facilitator)  # the room's clock is no change to the map
    today = timezone.localdate().isoformat()
    page = client_for(member.user).get(summary_url(workshop), {"since": today}).content.decode()
    changes = page[page.index('id="changes"') :]
    assert "3 notes added" in changes and "1 stage renamed" in changes
    assert "timer" not in changes.lower()
    assert "Pays a deposit" in changes and "Not revealed yet" not in changes
    assert "2 people changed the map" in changes
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = client_for(member.user).get(summary_url(workshop), {"since": tomorrow}).content.decode()
    assert "Nothing has changed since then." in page


def test_a_bad_date_is_explained(workshop, member):
    response = client_for(member.user).get(summary_url(workshop), {"since": "yesterday-ish"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


# -- PDF -----------------------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is missing")
def test_the_pdf_holds_the_summary_as_text(client, workshop, member, tmp_path):
    for text in HOSTILE:
        note(workshop.journey_map, member.user, text, "pains")
    response = client_for(member.user).get(reverse("summary_pdf", args=[workshop.slug]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "Camping trip" in text and "Pain points, worst first" in text
    assert (
        "露营地的厕所太远了" in text
        and "=cmd|' /C calc'!A0" in text
        and "<script>alert('x')</script>" in text
    )
    shared = client.get(reverse("shared_summary_pdf", args=[share(workshop).token]))
    assert shared.content.startswith(b"%PDF") and shared["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is missing")
def test_export_pdf_writes_a_file(workshop, member, tmp_path):
    note(workshop.journey_map, member.user, "Edits the photos")
    out = tmp_path / "map.pdf"
    call_command("export_pdf", str(workshop.journey_map.pk), str(out), "--language", "zh-hans")
    assert out.read_bytes().startswith(b"%PDF")
    assert "Edits the photos" in pdf_text(out.read_bytes(), tmp_path)


def test_the_summary_offers_every_download_and_a_share_link_only_those_that_name_no_one(
    workshop, facilitator, member
):
    page = client_for(member.user).get(reverse("summary", args=[workshop.slug])).content.decode()
    for fmt in ("json", "md", "csv", "svg"):
        assert reverse("map_export", args=[workshop.slug, fmt]) in page
    link = maps_services.share_link_create(journey_map=workshop.journey_map, created_by=facilitator.user)
    stranger = Client()
    shared = stranger.get(reverse("shared_summary", args=[link.token])).content.decode()
    assert reverse("shared_map_export", args=[link.token, "md"]) in shared
    assert "/export/json/" not in shared and "/export/csv/" not in shared
    markdown = stranger.get(reverse("shared_map_export", args=[link.token, "md"]))
    assert markdown.status_code == 200 and markdown["X-Robots-Tag"] == "noindex, nofollow"
    assert "Camping trip" in markdown.content.decode()
    for fmt in ("json", "csv", "pdf"):
        assert stranger.get(f"/s/{link.token}/export/{fmt}/").status_code == 404
    svg = stranger.get(reverse("shared_map_export", args=[link.token, "svg"]))
    assert svg.status_code == 200 and svg.content.startswith(b"<?xml")
    maps_services.share_link_revoke(share_link=link)
    assert stranger.get(reverse("shared_map_export", args=[link.token, "md"])).status_code == 404
