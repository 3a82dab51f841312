"""After the workshop: the assumption ledger, the action plan and their downloads (maps/plan.py)."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from maps import exports
from maps import services as maps_services
from maps.models import Evidence, MapEvent, Sticky, Vote, VoteDot
from maps.plan import VALIDATE_NEXT
from maps.summary import map_summary
from tests.conftest import client_for
from tests.workshops.test_summary_views import note
from workshops import ops
from workshops.services import Refused

pytestmark = pytest.mark.django_db


def post_op(participant, **data):
    return client_for(participant.user).post(reverse("room_op", args=[participant.workshop.slug]), data)


def refusal(participant, name, **data) -> Refused:
    with pytest.raises(Refused) as refused:
        ops.run(participant_id=participant.pk, name=name, data=data)
    return refused.value


# -- recording what settled an assumption ---------------------------------------------------


def test_a_member_records_what_settled_an_assumption_and_the_map_and_its_log_say_so(workshop, member):
    guess = note(workshop.journey_map, member.user, "People book on their phones", "thoughts")
    response = post_op(
        member,
        op="sticky.settle",
        sticky=guess.pk,
        evidence="research",
        source="Analytics, Nov 2026",
        note="71% of bookings came from phones",
    )
    assert response.status_code == 302
    guess.refresh_from_db()
    assert (guess.evidence, guess.evidence_source, guess.evidence_note) == (
        "research",
        "Analytics, Nov 2026",
        "71% of bookings came from phones",
    )
    assert guess.settled_at is not None
    logged = MapEvent.objects.filter(journey_map=workshop.journey_map, kind="sticky.settle").get()
    assert (logged.author_id, logged.payload) == (
        member.user_id,
        {"sticky": guess.pk, "evidence": "research"},
    )
    room = client_for(member.user).get(reverse("room", args=[workshop.slug])).content.decode()
    assert "Research: Analytics, Nov 2026" in room  # on the note, on the board
    summary = client_for(member.user).get(reverse("summary", args=[workshop.slug])).content.decode()
    checked = summary[summary.index("Checked, and what settled it") :]
    assert "People book on their phones" in checked and "71% of bookings came from phones" in checked


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"evidence": "research"}, "source", "Say where the evidence comes from."),
        ({"evidence": "research", "source": "  "}, "source", "Say where the evidence comes from."),
        ({"evidence": "assumption", "source": "A hunch"}, "evidence", "Select a valid choice."),
        ({"evidence": "research", "source": "x" * 201}, "source", "at most 200 characters"),
        ({"evidence": "research", "source": "Survey", "note": "x" * 281}, "note", "at most 280 characters"),
    ],
)
def test_settling_without_a_source_or_with_bad_input_is_refused_and_changes_nothing(
    workshop, member, data, field, message
):
    guess = note(workshop.journey_map, member.user, "Families come in August")
    refused = refusal(member, "sticky.settle", sticky=guess.pk, **data)
    assert field in refused.errors and message in " ".join(refused.errors[field])
    guess.refresh_from_db()
    assert (guess.evidence, guess.evidence_source, guess.settled_at) == ("assumption", "", None)


def test_the_fallback_says_why_a_settle_was_refused(workshop, member):
    guess = note(workshop.journey_map, member.user, "Families come in August")
    client = client_for(member.user)
    data = {"op": "sticky.settle", "sticky": guess.pk, "evidence": "research", "source": ""}
    response = client.post(reverse("room_op", args=[workshop.slug]), data)
    page = client.get(response["Location"]).content.decode()
    assert "Say where the evidence comes from." in page


def test_a_due_date_is_set_cleared_and_a_bad_one_refused(workshop, member):
    idea = note(workshop.journey_map, member.user, "A starter kit", "opportunities")
    ops.run(participant_id=member.pk, name="sticky.style", data={"sticky": idea.pk, "due_on": "2027-01-15"})
    idea.refresh_from_db()
    assert idea.due_on == datetime.date(2027, 1, 15)
    room = client_for(member.user).get(reverse("room", args=[workshop.slug])).content.decode()
    assert 'data-due-on="2027-01-15"' in room and "Due Jan. 15, 2027" in room
    for junk in ("15 January", "2027-02-30", "２０２７-０１-１５", 20270115, [None], {"a": 1}):
        refused = refusal(member, "sticky.style", sticky=idea.pk, due_on=junk)
        assert "due_on" in refused.errors, junk
    ops.run(participant_id=member.pk, name="sticky.style", data={"sticky": idea.pk, "due_on": ""})
    idea.refresh_from_db()
    assert idea.due_on is None


# -- the ledger and the plan ----------------------------------------------------------------


def test_the_ledger_counts_each_stage_and_lists_the_weighed_assumptions_worst_first(workshop, member):
    journey_map = workshop.journey_map
    note(journey_map, member.user, "From interviews", stage=0, evidence=Evidence.RESEARCH)
    note(journey_map, member.user, "We think so", stage=0)
    note(journey_map, member.user, "Nobody weighed this", "thoughts", stage=1)  # not weighed: not listed
    mild = note(journey_map, member.user, "Queues at the gate", "pains", stage=1, severity=1)
    severe = note(journey_map, member.user, "Lost bookings", "pains", stage=1, severity=3)
    voted = note(journey_map, member.user, "No shade", "pains", stage=2)
    owned = note(journey_map, member.user, "They read the pre-read", "thoughts", stage=2, owner="Research")
    note(journey_map, member.user, "A shade sail", "opportunities", stage=2, owner="Shop")  # in the plan only
    vote = Vote.objects.create(journey_map=journey_map, lane=journey_map.lanes.get(key="pains"))
    VoteDot.objects.create(vote=vote, voter=member.user, sticky=voted)
    Vote.objects.filter(pk=vote.pk).update(closed_at=timezone.now())
    summary = map_summary(journey_map=journey_map)
    first = summary["stage_evidence"][0]
    assert first.total == 2 and [(s.level, s.count, s.percent) for s in first.shares] == [
        ("research", 1, 50),
        ("anecdote", 0, 0),
        ("assumption", 1, 50),
    ]
    assert [item.note for item in summary["validate_next"]] == [voted, severe, mild, owned]
    assert summary["validate_more"] == 0


def test_validate_next_stops_at_its_length_and_says_how_many_more(workshop, member):
    for i in range(VALIDATE_NEXT + 3):
        note(workshop.journey_map, member.user, f"Pain {i}", "pains")
    summary = map_summary(journey_map=workshop.journey_map)
    assert len(summary["validate_next"]) == VALIDATE_NEXT and summary["validate_more"] == 3
    page = client_for(member.user).get(reverse("summary", args=[workshop.slug])).content.decode()
    assert "And 3 more assumptions the team weighed." in page


def test_the_plan_holds_opportunities_and_validations_open_and_soonest_first(workshop, member):
    journey_map = workshop.journey_map
    today = timezone.localdate()
    pain = note(journey_map, member.user, "Charcoal will not light", "pains", severity=3, owner="Ops")
    later = note(
        journey_map,
        member.user,
        "Sell fire starters",
        "opportunities",
        owner="Shop",
        due_on=today.replace(year=today.year + 1),
    )
    late = note(
        journey_map,
        member.user,
        "Signs at the exits",
        "opportunities",
        due_on=today - datetime.timedelta(days=3),
    )
    done = note(journey_map, member.user, "A map of spots", "opportunities", status="done", due_on=today)
    check = note(journey_map, member.user, "They camp twice a year", "thoughts", owner="Research")
    settled = note(journey_map, member.user, "They bring their own wood", "thoughts")
    maps_services.sticky_settle(
        journey_map=journey_map, author=member.user, sticky=settled, evidence="anecdote", source="Front desk"
    )
    note(journey_map, member.user, "Just a thought", "thoughts")  # no follow-up: not in the plan
    maps_services.sticky_link(journey_map=journey_map, author=member.user, sticky=later, to=pain, linked=True)
    summary = map_summary(journey_map=journey_map)
    plan = summary["action_plan"]
    assert [item.note for item in plan] == [late, later, pain, check, done, settled]
    assert [item.kind for item in plan] == [
        "opportunity",
        "opportunity",
        "validation",
        "validation",
        "opportunity",
        "validation",
    ]
    by_note = {item.note.pk: item for item in plan}
    assert by_note[late.pk].overdue and not by_note[later.pk].overdue
    assert by_note[later.pk].pains == [pain] and by_note[pain.pk].pains == [pain]
    assert (by_note[check.pk].status, by_note[settled.pk].status) == ("planned", "done")
    assert (summary["plan_open"], summary["plan_overdue"]) == (4, 1)
    page = client_for(member.user).get(reverse("summary", args=[workshop.slug])).content.decode()
    section = page[page.index("The action plan") : page.index("The assumption ledger")]
    assert section.index("Signs at the exits") < section.index("Sell fire starters")
    assert "1 past its due date" in section and "overdue" in section
    assert "Checked (Anecdote): Front desk" in section


def test_a_pain_with_a_follow_up_but_already_researched_is_not_a_validation(workshop, member):
    journey_map = workshop.journey_map
    note(journey_map, member.user, "Long queue", "pains", owner="Ops", evidence=Evidence.RESEARCH)
    assert map_summary(journey_map=journey_map)["action_plan"] == []


# -- downloads ------------------------------------------------------------------------------


def test_the_plan_downloads_as_markdown_for_members_and_share_links_but_not_outsiders(
    workshop, member, outsider
):
    journey_map = workshop.journey_map
    note(
        journey_map,
        member.user,
        "Sell *fire* starters",
        "opportunities",
        owner="Shop",
        due_on=datetime.date(2027, 2, 1),
    )
    done = note(journey_map, member.user, "A map of spots", "opportunities", status="done")
    url = reverse("map_export", args=[workshop.slug, "plan-md"])
    response = client_for(member.user).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/markdown")
    assert "action-plan.md" in response["Content-Disposition"]
    text = response.content.decode()
    assert "- [ ] **Sell \\*fire\\* starters**" in text and "due 2027-02-01" in text
    assert f"- [x] **{done.text}**" in text
    assert client_for(outsider).get(url).status_code == 404
    link = maps_services.share_link_create(journey_map=journey_map, created_by=workshop.owner)
    shared = Client().get(reverse("shared_map_export", args=[link.token, "plan-md"]))
    assert shared.status_code == 200 and "Sell" in shared.content.decode()


def test_the_summary_offers_the_plan_downloads(workshop, member):
    page = client_for(member.user).get(reverse("summary", args=[workshop.slug])).content.decode()
    for fmt in ("plan-md", *(f"plan-{tracker}" for tracker in exports.IMPORTERS)):
        assert reverse("map_export", args=[workshop.slug, fmt]) in page


def test_the_json_export_carries_due_dates_and_what_settled_each_note(workshop, member, owner):
    journey_map = workshop.journey_map
    idea = note(journey_map, member.user, "A starter kit", "opportunities", due_on=datetime.date(2027, 1, 15))
    maps_services.sticky_settle(
        journey_map=journey_map,
        author=member.user,
        sticky=idea,
        evidence="research",
        source="Survey",
        note="Most want one",
    )
    data = exports.export_data(journey_map)
    [exported] = [n for n in data["notes"] if n["text"] == "A starter kit"]
    assert (exported["due_on"], exported["evidence_source"], exported["evidence_note"]) == (
        "2027-01-15",
        "Survey",
        "Most want one",
    )
    assert datetime.datetime.fromisoformat(exported["settled_at"]).utcoffset() is not None
    copy = maps_services.map_import(owner=owner, data=json.loads(json.dumps(data)))
    again = copy.stickies.get(text="A starter kit")
    assert (again.due_on, again.evidence, again.evidence_source) == (
        datetime.date(2027, 1, 15),
        "research",
        "Survey",
    )
    assert again.settled_at == Sticky.objects.get(pk=idea.pk).settled_at


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_on", "15/01/2027", "a date, written like 2026-12-03"),
        ("due_on", "2027-02-30", "a date, written like 2026-12-03"),
        ("settled_at", "2027-01-15T10:00:00", "a date and time with its offset"),
        ("settled_at", "yesterday", "a date and time with its offset"),
    ],
)
def test_an_import_with_a_bad_date_says_where_and_what_is_wrong(
    workshop, member, owner, field, value, message
):
    note(workshop.journey_map, member.user, "A starter kit", "opportunities")
    data = exports.export_data(workshop.journey_map)
    data["notes"][0][field] = value
    with pytest.raises(exports.InvalidExport) as invalid:
        exports.validate(json.loads(json.dumps(data)))
    assert str(invalid.value.path).startswith("notes[0]") and message in invalid.value.message


def test_a_version_2_file_without_follow_ups_still_imports(workshop, member, owner):
    note(workshop.journey_map, member.user, "A starter kit", "opportunities", owner="Shop")
    data = exports.export_data(workshop.journey_map)
    data["version"] = 2
    for exported in data["notes"]:
        for key in ("due_on", "evidence_source", "evidence_note", "settled_at"):
            exported.pop(key)
    copy = maps_services.map_import(owner=owner, data=exports.validate(data))
    again = copy.stickies.get(text="A starter kit")
    assert (again.owner, again.due_on, again.settled_at) == ("Shop", None, None)


def importer_rows(workshop, user, tracker):
    response = client_for(user).get(reverse("map_export", args=[workshop.slug, f"plan-{tracker}"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"action-plan-{tracker}.csv" in response["Content-Disposition"]
    assert not response.content.startswith(b"\xef\xbb\xbf")  # the importers read a BOM into a name
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def planned(workshop, member):
    journey_map = workshop.journey_map
    pain = note(journey_map, member.user, "Charcoal will not light", "pains", severity=3)
    kit = note(
        journey_map,
        member.user,
        "=Sell fire starters, and drinks",
        "opportunities",
        stage=2,
        owner="Shop team",
        status="in_progress",
        due_on=datetime.date(2027, 3, 1),
    )
    maps_services.sticky_link(journey_map=journey_map, author=member.user, sticky=kit, to=pain, linked=True)
    check = note(journey_map, member.user, "露营的人都开车来", "thoughts", owner="Research")
    maps_services.sticky_settle(
        journey_map=journey_map, author=member.user, sticky=check, evidence="research", source="Survey"
    )
    return kit, check


def stage_label(sticky):
    return "stage-" + "-".join(sticky.stage.name.split())


def test_the_jira_file_has_the_columns_jiras_importer_reads(workshop, member, planned):
    header, *rows = importer_rows(workshop, member.user, "jira")
    assert header == [
        "Summary",
        "Issue Type",
        "Description",
        "Status",
        "Due Date",
        "Labels",
        "Labels",
        "Labels",
    ]
    kit, check = rows
    assert kit[:2] == ["'=Sell fire starters, and drinks", "Task"]  # never run as a formula
    assert kit[3:] == ["In Progress", "2027-03-01", "opportunity", stage_label(planned[0]), "owner-Shop-team"]
    assert "Charcoal will not light" in kit[2] and "Owner: Shop team" in kit[2]
    assert check[0] == "露营的人都开车来" and check[3:5] == ["Done", ""]
    assert "Checked (Research): Survey" in check[2]


def test_the_linear_file_has_the_columns_linears_importer_reads(workshop, member, planned):
    header, *rows = importer_rows(workshop, member.user, "linear")
    assert header == ["ID", "Team", "Title", "Description", "Status", "Priority", "Labels"]
    kit, check = rows
    assert kit[:3] == [f"JM-{planned[0].pk}", "", "'=Sell fire starters, and drinks"]
    assert (kit[4], kit[5]) == ("In Progress", "No priority")
    # Split as Linear's importer splits them.
    assert kit[6].split(", ") == ["opportunity", stage_label(planned[0]), "owner-Shop-team"]
    assert "Due: 2027-03-01" in kit[3]
    assert (check[4], check[6].split(", ")) == (
        "Done",
        ["validation", stage_label(planned[1]), "owner-Research"],
    )


def test_the_github_file_has_the_columns_github_csv_tools_reads(workshop, member, planned):
    header, *rows = importer_rows(workshop, member.user, "github")
    assert header == ["title", "body", "state", "labels"]
    kit, check = rows
    assert (kit[2], kit[3].split(",")) == (
        "open",
        ["opportunity", stage_label(planned[0]), "owner-Shop-team", "status-in_progress"],
    )
    assert check[2] == "closed" and check[3].endswith(",status-done")
