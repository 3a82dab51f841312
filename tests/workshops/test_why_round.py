"""A "why do we see this differently?" round: opened on a stage the team disagrees about,
each person's reason kept with the stage, shown in the room and on the summary."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from maps.models import EmotionReason
from workshops import ops
from workshops.models import Workshop
from workshops.services import Invalid, Refused

pytestmark = pytest.mark.django_db


def page(user, name: str, workshop: Workshop) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse(name, args=[workshop.slug])).content.decode()


def test_a_round_is_offered_where_the_team_disagrees_and_its_reasons_reach_the_summary(
    workshop, facilitator, member, member2
) -> None:
    stage = workshop.journey_map.stages.first()
    for by, value in ((facilitator, 3), (member, -3), (member2, 2)):
        ops.run(participant_id=by.pk, name="emotion.rate", data={"stage": stage.pk, "value": value})
    room = page(facilitator.user, "room", workshop)
    assert 'data-op="why.start"' in room and f'name="stage" value="{stage.pk}"' in room
    assert 'id="why" class="panel why-panel" aria-labelledby="why-title" hidden' in room

    ops.run(participant_id=facilitator.pk, name="why.start", data={"stage": stage.pk})
    opened = Workshop.objects.get(pk=workshop.pk)
    assert opened.why_stage_id == stage.pk and opened.why_until is not None
    ops.run(
        participant_id=member.pk,
        name="emotion.why",
        data={"stage": stage.pk, "text": "The signs were missing"},
    )
    ops.run(participant_id=member2.pk, name="emotion.why", data={"stage": stage.pk, "text": "指示牌很清楚"})
    room = page(member.user, "room", workshop)
    assert f"Why do we see “{stage.name}” differently?" in room
    assert "The signs were missing" in room and "指示牌很清楚" in room

    ops.run(participant_id=facilitator.pk, name="why.end", data={})
    with pytest.raises(Refused):  # the round is over
        ops.run(participant_id=member.pk, name="emotion.why", data={"stage": stage.pk, "text": "Late"})
    summary = page(facilitator.user, "summary", workshop)
    assert "Why we saw it differently" in summary and "指示牌很清楚" in summary
    assert EmotionReason.objects.filter(stage=stage).count() == 2


def test_only_the_facilitator_opens_a_round_and_only_its_stage_takes_reasons(
    workshop, facilitator, member, observer
) -> None:
    first, second = list(workshop.journey_map.stages.all())[:2]
    with pytest.raises(Refused):
        ops.run(participant_id=member.pk, name="why.start", data={"stage": first.pk})
    with pytest.raises(Invalid):
        ops.run(participant_id=facilitator.pk, name="why.start", data={"stage": first.pk, "minutes": 99})
    ops.run(participant_id=facilitator.pk, name="why.start", data={"stage": first.pk})
    with pytest.raises(Refused):  # another stage than the round's
        ops.run(participant_id=member.pk, name="emotion.why", data={"stage": second.pk, "text": "Why"})
    with pytest.raises(Refused) as refused:  # observers watch
        ops.run(participant_id=observer.pk, name="emotion.why", data={"stage": first.pk, "text": "Why"})
    assert refused.value.code == "forbidden"
    with pytest.raises(Invalid):
        ops.run(participant_id=member.pk, name="emotion.why", data={"stage": first.pk, "text": " "})
    with pytest.raises(Invalid):
        ops.run(participant_id=member.pk, name="emotion.why", data={"stage": first.pk, "text": "x" * 281})
    assert not EmotionReason.objects.exists()


def test_the_reasons_travel_in_the_json_export_and_stay_behind_in_a_copy(
    workshop, facilitator, member
) -> None:
    from maps import exports
    from maps import services as maps_services

    stage = workshop.journey_map.stages.first()
    ops.run(participant_id=facilitator.pk, name="why.start", data={"stage": stage.pk})
    ops.run(participant_id=member.pk, name="emotion.why", data={"stage": stage.pk, "text": "没有看到价格"})
    data = exports.export_data(workshop.journey_map)
    assert data["stages"][0]["reasons"] == [{"text": "没有看到价格", "author": "Mia"}]
    imported = maps_services.map_import(owner=workshop.owner, data=data)
    [reason] = EmotionReason.objects.filter(journey_map=imported)
    assert (reason.text, reason.stage.name, reason.author.first_name) == ("没有看到价格", stage.name, "Mia")
    copy = maps_services.map_copy(journey_map=workshop.journey_map, owner=workshop.owner, kind="future")
    assert not EmotionReason.objects.filter(journey_map=copy).exists()
