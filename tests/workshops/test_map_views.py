"""The map after the workshop, as each person sees it: downloads, import, copies, compare,
review, archive and delete. Owner, co-facilitator, member, observer and outsider."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maps import exports
from maps import services as maps_services
from maps.models import EmotionRating, JourneyMap, MapEvent, Sticky
from tests.conftest import client_for
from tests.maps import fullmap
from workshops import services
from workshops.models import Participant, Workshop

pytestmark = pytest.mark.django_db


def export_url(workshop, fmt):
    return reverse("map_export", kwargs={"slug": workshop.slug, "fmt": fmt})


@pytest.fixture
def full_workshop(owner, member, member2):
    journey_map = fullmap.build(owner, member.user, member2.user)
    workshop = services.workshop_create(owner=owner, title="Camping", journey_map=journey_map)
    for person in (member, member2):
        services.participant_join(workshop=workshop, user=person.user, display_name=person.display_name)
    return workshop


# -- downloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("json", "application/json; charset=utf-8", "json"),
        ("md", "text/markdown; charset=utf-8", "md"),
        ("csv", "text/csv; charset=utf-8", "csv"),
        ("svg", "image/svg+xml; charset=utf-8", "svg"),
    ],
)
def test_members_download_each_format_as_a_file(workshop, member, fmt, content_type, extension):
    response = client_for(member.user).get(export_url(workshop, fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="camping-trip.{extension}"'
    assert response["Cache-Control"] == "no-store"


def test_a_title_in_chinese_gives_a_utf8_filename(owner):
    workshop = services.workshop_create(owner=owner, title="露营 <旅行>", kind="current")
    response = client_for(owner).get(export_url(workshop, "json"))
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%E9%9C%B2%E8%90%A5-%E6%97%85%E8%A1%8C.json"
    )


def test_observers_and_facilitators_download_too(workshop, observer, cofacilitator, owner):
    for user in (observer.user, cofacilitator.user, owner):
        assert client_for(user).get(export_url(workshop, "csv")).status_code == 200


def test_outsiders_and_strangers_get_a_404(workshop, outsider, client):
    assert client_for(outsider).get(export_url(workshop, "json")).status_code == 404
    assert client.get(export_url(workshop, "json")).status_code == 404


def test_an_unknown_format_is_a_404(workshop, owner):
    assert client_for(owner).get(export_url(workshop, "pdfx")).status_code == 404


def test_a_member_never_downloads_hidden_notes(full_workshop, member):
    response = client_for(member.user).get(export_url(full_workshop, "json"))
    assert fullmap.SECRETS[0] not in response.content.decode()
    assert json.loads(response.content)["title"] == full_workshop.journey_map.title


# -- import ----------------------------------------------------------------------------------


def upload(content: bytes, name: str = "map.json") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="application/json")}


def test_importing_a_file_makes_a_map_and_a_workshop(full_workshop, owner):
    content = client_for(owner).get(export_url(full_workshop, "json")).content
    response = client_for(owner).post(reverse("map_import"), upload(content))
    workshop = Workshop.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("room", args=[workshop.slug])
    assert workshop.owner == owner and workshop.participants.get().user == owner
    assert exports.export_json(workshop.journey_map) == content.decode()


def maps_and_users():
    return JourneyMap.objects.count(), Sticky.objects.count(), get_user_model().objects.count()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "The file is not valid JSON"),
        (b'{"format": "journeymap", "version": 9}', "version 9 is not supported"),
        (b'{"format": "trello"}', "not a Journeymap export"),
    ],
)
def test_a_bad_file_shows_what_is_wrong_and_creates_nothing(owner, workshop, content, message):
    before = maps_and_users()
    response = client_for(owner).post(reverse("map_import"), upload(content))
    assert response.status_code == 400
    page = response.content.decode()
    assert "“map.json” cannot be imported." in page and message in page
    assert workshop.title in page  # the list is still there
    assert maps_and_users() == before


def test_a_bad_field_is_named_on_the_page(owner, full_workshop):
    data = exports.export_data(full_workshop.journey_map)
    data["notes"][1]["links"] = ["n404"]
    before = maps_and_users()
    response = client_for(owner).post(reverse("map_import"), upload(json.dumps(data).encode()))
    assert (
        "notes[1].links[0]: refers to &quot;n404&quot;, which is not in the file" in response.content.decode()
    )
    assert maps_and_users() == before


def test_a_file_too_large_is_refused(owner, workshop, settings):
    settings.JOURNEYMAP_IMPORT_MAX_BYTES = 2048
    before = maps_and_users()
    response = client_for(owner).post(reverse("map_import"), upload(b" " * 5000))
    assert response.status_code == 400 and "The file is too large: at most 2 KB." in response.content.decode()
    assert maps_and_users() == before


def test_import_needs_a_file_and_a_login(owner, client):
    response = client_for(owner).post(reverse("map_import"), {})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert client.post(reverse("map_import"), upload(b"{}")).status_code == 302  # to the login page
    assert client_for(owner).get(reverse("map_import")).status_code == 405


# -- duplicate -------------------------------------------------------------------------------


def test_the_owner_duplicates_a_map_into_a_future_state(full_workshop, owner):
    response = client_for(owner).post(reverse("map_duplicate", args=[full_workshop.slug]), {"kind": "future"})
    copy = Workshop.objects.latest("pk")
    assert response["Location"] == reverse("room", args=[copy.slug])
    assert copy.journey_map.kind == "future" and copy.journey_map.copied_from == full_workshop.journey_map
    assert copy.title == f"{full_workshop.journey_map.title} (Future state)"
    assert (
        copy.journey_map.stickies.count()
        == Sticky.objects.filter(journey_map=full_workshop.journey_map, deleted_at=None, hidden=False).count()
    )
    page = client_for(owner).get(reverse("workshop_list")).content.decode()
    compare = reverse("map_compare", args=[full_workshop.slug, copy.slug])
    assert f'href="{compare}"' in page


@pytest.mark.parametrize("who", ["cofacilitator", "member", "observer", "outsider"])
def test_only_the_owner_duplicates_archives_reviews_and_deletes(workshop, who, request):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    client = client_for(user)
    for name in ("map_duplicate", "map_review", "map_archive", "map_delete"):
        assert (
            client.post(reverse(name, args=[workshop.slug]), {"kind": "future", "archived": "1"}).status_code
            == 404
        )
    assert client.get(reverse("map_delete", args=[workshop.slug])).status_code == 404
    workshop.journey_map.refresh_from_db()
    assert workshop.journey_map.archived_at is None and workshop.journey_map.last_reviewed_at is None
    assert Workshop.objects.count() == 1


def test_the_owners_actions_need_a_post(workshop, owner):
    client = client_for(owner)
    for name in ("map_duplicate", "map_review", "map_archive"):
        assert client.get(reverse(name, args=[workshop.slug])).status_code == 405


def test_the_owners_actions_need_the_csrf_token(workshop, owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("map_review", args=[workshop.slug])).status_code == 403
    assert client.post(reverse("map_delete", args=[workshop.slug])).status_code == 403
    assert Workshop.objects.filter(pk=workshop.pk).exists()


# -- compare ---------------------------------------------------------------------------------


def test_two_maps_side_by_side(full_workshop, owner):
    future = services.workshop_duplicate(workshop=full_workshop, by=owner, kind="future", title="Tomorrow")
    stages = list(future.journey_map.stages.all())
    maps_services.stage_rename(
        journey_map=future.journey_map, author=owner, stage=stages[4], name="Recommend"
    )
    maps_services.emotion_rate(journey_map=future.journey_map, author=owner, stage=stages[3], value=2)
    lane = future.journey_map.lanes.get(key="opportunities")
    maps_services.sticky_create(
        journey_map=future.journey_map, author=owner, stage=stages[2], lane=lane, text="Online booking"
    )
    response = client_for(owner).get(reverse("map_compare", args=[full_workshop.slug, future.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tomorrow" in page and "Future state" in page and "Current state" in page
    assert "Advocacy" in page and "→ Recommend" in page  # a renamed stage lines up with the old one
    assert "feels better: +4" in page  # Experience: -2 in the current state, +2 in the future
    assert page.count("only in this map") == 1 and 'only-here">Online booking' in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert fullmap.SECRETS[0] not in page


def test_the_compare_form_redirects_to_the_comparison(workshop, owner):
    other = services.workshop_create(owner=owner, title="Other", kind="future")
    response = client_for(owner).get(reverse("map_compare_pick", args=[workshop.slug]), {"with": other.slug})
    assert response["Location"] == reverse("map_compare", args=[workshop.slug, other.slug])


def test_compare_needs_both_maps_facilitated(workshop, other_workshop, owner, member, outsider):
    own = reverse("map_compare", args=[workshop.slug, workshop.slug])
    assert client_for(owner).get(own).status_code == 200
    assert (
        client_for(owner).get(reverse("map_compare", args=[workshop.slug, other_workshop.slug])).status_code
        == 404
    )
    assert (
        client_for(outsider)
        .get(reverse("map_compare", args=[other_workshop.slug, workshop.slug]))
        .status_code
        == 404
    )
    assert client_for(member.user).get(own).status_code == 404


def test_a_cofacilitator_may_compare(workshop, cofacilitator):
    assert (
        client_for(cofacilitator.user)
        .get(reverse("map_compare", args=[workshop.slug, workshop.slug]))
        .status_code
        == 200
    )


# -- review, archive, delete ----------------------------------------------------------------


def test_a_map_is_due_for_review_a_quarter_after_the_last_review(workshop, owner, settings):
    client = client_for(owner)
    assert "Due for review" not in client.get(reverse("workshop_list")).content.decode()
    JourneyMap.objects.filter(pk=workshop.journey_map_id).update(
        created_at=timezone.now() - timedelta(days=92)
    )
    page = client.get(reverse("workshop_list")).content.decode()
    assert "Due for review" in page and "1 map is due for review" in page
    response = client.post(reverse("map_review", args=[workshop.slug]))
    assert response["Location"] == reverse("workshop_list")
    page = client.get(reverse("workshop_list")).content.decode()
    assert "Due for review" not in page and "is marked as reviewed today" in page
    settings.JOURNEYMAP_REVIEW_EVERY_DAYS = 0
    assert "Due for review" in client.get(reverse("workshop_list")).content.decode()


def test_archive_hides_a_map_from_the_list_and_restore_brings_it_back(workshop, owner):
    client = client_for(owner)
    client.post(reverse("map_archive", args=[workshop.slug]), {"archived": "1"})
    page = client.get(reverse("workshop_list")).content.decode()
    main, archived = page.split('id="archived-title"')
    row = f'id="workshop-{workshop.slug}"'
    assert row not in main and row in archived and "Restore" in archived
    client.post(reverse("map_archive", args=[workshop.slug]), {"archived": "0"})
    page = client.get(reverse("workshop_list")).content.decode()
    assert 'id="archived-title"' not in page and workshop.title in page


def test_delete_asks_first_then_removes_everything(full_workshop, owner, member):
    journey_map = full_workshop.journey_map
    client = client_for(owner)
    page = client.get(reverse("map_delete", args=[full_workshop.slug])).content.decode()
    notes = Sticky.objects.filter(journey_map=journey_map, deleted_at=None).count()
    assert "Delete for good" in page and f"{notes} notes, with their links" in page
    assert JourneyMap.objects.filter(pk=journey_map.pk).exists()  # asking deleted nothing
    imported = maps_services.map_import(owner=owner, data=exports.export_data(journey_map))
    lone = services.guest_user_create(display_name="Lone")
    services.participant_join(workshop=full_workshop, user=lone, display_name="Lone")
    maps_services.emotion_rate(
        journey_map=journey_map, author=lone, stage=journey_map.stages.first(), value=1
    )
    response = client.post(reverse("map_delete", args=[full_workshop.slug]))
    assert response["Location"] == reverse("workshop_list")
    assert not JourneyMap.objects.filter(pk=journey_map.pk).exists()
    assert not Workshop.objects.filter(pk=full_workshop.pk).exists()
    assert not Sticky.objects.filter(journey_map_id=journey_map.pk).exists()
    assert not MapEvent.objects.filter(journey_map_id=journey_map.pk).exists()
    assert not EmotionRating.objects.filter(journey_map_id=journey_map.pk).exists()
    assert not Participant.objects.filter(workshop_id=full_workshop.pk).exists()
    # A guest who joined only this workshop is gone; one who is in another workshop stays, as do
    # the owner and the other map.
    users = get_user_model().objects
    assert not users.filter(pk=lone.pk).exists()
    assert users.filter(pk=member.user.pk).exists() and users.filter(pk=owner.pk).exists()
    assert JourneyMap.objects.filter(pk=imported.pk).exists() and imported.stickies.count() == notes - 1


def test_deleting_keeps_guests_who_are_in_another_workshop(workshop, owner, member):
    other = services.workshop_create(owner=owner, title="Other", kind="current")
    services.participant_join(workshop=other, user=member.user, display_name="Mia")
    client_for(owner).post(reverse("map_delete", args=[workshop.slug]))
    assert get_user_model().objects.filter(pk=member.user.pk).exists()


def test_the_list_shows_import_and_the_map_menu(workshop, owner):
    page = client_for(owner).get(reverse("workshop_list")).content.decode()
    assert 'enctype="multipart/form-data"' in page and "Import a map" in page
    for fmt in ("json", "md", "csv", "svg"):
        assert export_url(workshop, fmt) in page
    assert reverse("map_duplicate", args=[workshop.slug]) in page
    assert reverse("map_delete", args=[workshop.slug]) in page


def test_everyone_in_the_room_finds_the_downloads(workshop, member, observer):
    for user in (member.user, observer.user):
        page = client_for(user).get(reverse("room", args=[workshop.slug])).content.decode()
        for fmt in ("json", "md", "csv", "svg"):
            assert f'href="{export_url(workshop, fmt)}"' in page


def count_queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_the_list_takes_as_many_queries_for_one_workshop_as_for_many(
    owner, workshop, django_assert_max_num_queries
):
    client = client_for(owner)
    url = reverse("workshop_list")
    one = count_queries(lambda: client.get(url))
    for i in range(4):
        copy = services.workshop_duplicate(workshop=workshop, by=owner, kind="future", title=f"Copy {i}")
        maps_services.map_archive(journey_map=copy.journey_map, archived=i % 2 == 0)
    assert count_queries(lambda: client.get(url)) == one


@pytest.mark.parametrize("fmt", ["json", "md", "csv", "svg"])
def test_an_export_takes_as_many_queries_for_a_big_map_as_for_a_small_one(full_workshop, owner, fmt):
    client = client_for(owner)
    url = export_url(full_workshop, fmt)
    small = count_queries(lambda: client.get(url))
    journey_map = full_workshop.journey_map
    stages, lanes = list(journey_map.stages.all()), list(journey_map.lanes.all())
    for i in range(60):
        maps_services.sticky_create(
            journey_map=journey_map, author=owner, stage=stages[i % 5], lane=lanes[i % 5], text=f"More {i}"
        )
    assert count_queries(lambda: client.get(url)) == small
