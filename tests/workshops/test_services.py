from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from maps.models import MapEvent
from workshops import play, services
from workshops.models import AgendaStep, Participant, Role, Workshop
from workshops.services import Refused

pytestmark = pytest.mark.django_db


def fresh(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_related("current_step").get(pk=workshop.pk)


def kinds(workshop: Workshop) -> list[str]:
    return list(MapEvent.objects.filter(journey_map=workshop.journey_map).values_list("kind", flat=True))


def test_a_new_workshop_has_the_play_as_its_agenda(workshop):
    steps = list(workshop.steps.all())
    assert [s.key for s in steps] == [s.key for s in play.STEPS]
    assert [s.minutes for s in steps] == [15, 5, 10, 30, 15, 15, 15]
    assert steps[0].skipped  # defining the scope is preparation, done before the room meets
    assert workshop.current_step == steps[1]
    assert workshop.timer_remaining == timedelta(minutes=5)
    assert workshop.journey_map.kind == "current"
    assert workshop.participants.get().role == Role.FACILITATOR


def test_join_codes_are_easy_to_read_aloud(workshop):
    assert len(workshop.join_code) == 6
    assert not set(workshop.join_code) & set("0O1IL")


def test_the_timer_runs_pauses_and_resumes_from_the_server_state(workshop, facilitator):
    t0 = timezone.now()
    services.timer_start(workshop=workshop, by=facilitator, now=t0)
    w = fresh(workshop)
    assert w.time_left(t0 + timedelta(seconds=90)) == timedelta(minutes=3, seconds=30)
    services.timer_pause(workshop=workshop, by=facilitator, now=t0 + timedelta(seconds=90))
    w = fresh(workshop)
    # Paused: time stands still however long we wait.
    assert w.time_left(t0 + timedelta(hours=1)) == timedelta(minutes=3, seconds=30)
    services.timer_start(workshop=workshop, by=facilitator, now=t0 + timedelta(seconds=200))
    w = fresh(workshop)
    assert w.timer_deadline == t0 + timedelta(seconds=200 + 210)
    assert kinds(workshop) == ["timer.start", "timer.pause", "timer.start"]


def test_time_runs_out_and_the_room_stays_on_its_step(workshop, facilitator):
    t0 = timezone.now()
    services.timer_start(workshop=workshop, by=facilitator, now=t0)
    w = fresh(workshop)
    later = t0 + timedelta(minutes=6)
    assert w.time_is_up(later)
    assert w.time_left(later) == timedelta()
    assert w.current_step.key == "stage"


def test_adding_time_after_it_ran_out_counts_from_now(workshop, facilitator):
    t0 = timezone.now()
    services.timer_start(workshop=workshop, by=facilitator, now=t0)
    late = t0 + timedelta(minutes=7)
    services.timer_add(workshop=workshop, by=facilitator, minutes=1, now=late)
    assert fresh(workshop).timer_deadline == late + timedelta(minutes=1)


def test_adding_time_to_a_paused_timer_and_resetting_it(workshop, facilitator):
    services.timer_add(workshop=workshop, by=facilitator, minutes=5)
    assert fresh(workshop).timer_remaining == timedelta(minutes=10)
    services.timer_reset(workshop=workshop, by=facilitator)
    w = fresh(workshop)
    assert (w.timer_remaining, w.timer_deadline) == (timedelta(minutes=5), None)


def test_the_event_log_numbers_every_change_in_order(workshop, facilitator):
    services.timer_start(workshop=workshop, by=facilitator)
    services.timer_pause(workshop=workshop, by=facilitator)
    services.timer_add(workshop=workshop, by=facilitator, minutes=1)
    # In the order they were written (ids), without which PostgreSQL may return any order.
    logged = MapEvent.objects.filter(journey_map=workshop.journey_map).order_by("pk")
    assert list(logged.values_list("seq", flat=True)) == [1, 2, 3]
    workshop.journey_map.refresh_from_db()
    assert workshop.journey_map.seq == 3


def test_next_and_previous_skip_skipped_steps_and_going_back_restores_the_timer(workshop, facilitator):
    t0 = timezone.now()
    services.timer_start(workshop=workshop, by=facilitator, now=t0)
    services.step_go(workshop=workshop, by=facilitator, to="next", now=t0 + timedelta(minutes=2))
    w = fresh(workshop)
    assert w.current_step.key == "backstory"
    assert (w.timer_deadline, w.timer_remaining) == (None, timedelta(minutes=10))
    # Undo the advance: back on "set the stage" with the three minutes that were left.
    services.step_go(workshop=workshop, by=facilitator, to="previous")
    w = fresh(workshop)
    assert w.current_step.key == "stage"
    assert w.timer_remaining == timedelta(minutes=3)
    with pytest.raises(Refused, match="first step"):
        services.step_go(workshop=workshop, by=facilitator, to="previous")


def test_going_to_any_step_and_the_end_of_the_agenda(workshop, facilitator):
    last = workshop.steps.get(key="analysis")
    services.step_go(workshop=workshop, by=facilitator, to=last)
    assert fresh(workshop).current_step == last
    with pytest.raises(Refused, match="last step"):
        services.step_go(workshop=workshop, by=facilitator, to="next")


def test_moving_on_while_members_work_needs_a_confirmation(workshop, facilitator, member, member2):
    for person in (member, member2):
        services.presence_connect(participant=person)
    services.step_done_set(workshop=workshop, by=member, step=workshop.current_step, done=True)
    with pytest.raises(Refused) as refused:
        services.step_go(workshop=workshop, by=facilitator, to="next")
    assert refused.value.code == "confirm"
    assert "1 person is still working" in refused.value.message
    assert fresh(workshop).current_step.key == "stage"
    services.step_go(workshop=workshop, by=facilitator, to="next", force=True)
    assert fresh(workshop).current_step.key == "backstory"


def test_offline_members_do_not_hold_up_the_room(workshop, facilitator, member):
    services.step_go(workshop=workshop, by=facilitator, to="next")
    assert fresh(workshop).current_step.key == "backstory"


def test_done_marks_belong_to_the_current_step_and_survive_going_back(workshop, facilitator, member):
    stage = workshop.current_step
    services.step_done_set(workshop=workshop, by=member, step=stage, done=True)
    services.step_go(workshop=workshop, by=facilitator, to="next")
    with pytest.raises(Refused) as refused:
        services.step_done_set(workshop=workshop, by=member, step=stage, done=False)
    assert refused.value.code == "stale"
    services.step_go(workshop=workshop, by=facilitator, to="previous")
    assert list(stage.done_by.all()) == [member]


def test_editing_the_agenda(workshop, facilitator):
    journey = workshop.steps.get(key="journey")
    services.agenda_step_update(
        workshop=workshop,
        by=facilitator,
        step=journey,
        minutes=45,
        skipped=False,
        note="Start from the booking call.",
    )
    journey.refresh_from_db()
    assert (journey.minutes, journey.note) == (45, "Start from the booking call.")
    services.agenda_step_update(
        workshop=workshop, by=facilitator, step=journey, minutes=45, skipped=True, note=""
    )
    services.step_go(workshop=workshop, by=facilitator, to="next")
    assert fresh(workshop).current_step.key == "backstory"
    services.step_go(workshop=workshop, by=facilitator, to="next")
    assert fresh(workshop).current_step.key == "pains"  # the skipped step was passed over


def test_a_new_time_box_for_the_current_step_moves_a_timer_not_yet_started(workshop, facilitator):
    services.agenda_step_update(
        workshop=workshop, by=facilitator, step=workshop.current_step, minutes=8, skipped=False, note=""
    )
    assert fresh(workshop).timer_remaining == timedelta(minutes=8)
    with pytest.raises(Refused):
        services.agenda_step_update(
            workshop=workshop, by=facilitator, step=workshop.current_step, minutes=8, skipped=True, note=""
        )


FACILITATOR_OPS = {
    "timer_start": {},
    "timer_pause": {},
    "timer_add": {"minutes": 1},
    "timer_reset": {},
    "step_go": {"to": "next"},
    "joining_set": {"open": False},
    "join_code_rotate": {},
}


@pytest.mark.parametrize("op", FACILITATOR_OPS)
@pytest.mark.parametrize("who", ["member", "observer"])
def test_facilitator_ops_are_refused_to_everyone_else(op, who, workshop, request):
    person: Participant = request.getfixturevalue(who)
    before = MapEvent.objects.count()
    snapshot = fresh(workshop)
    with pytest.raises(Refused) as refused:
        getattr(services, op)(workshop=workshop, by=person, **FACILITATOR_OPS[op])
    assert refused.value.code == "forbidden"
    after = fresh(workshop)
    assert MapEvent.objects.count() == before
    assert (after.timer_deadline, after.current_step_id, after.join_code, after.joining_open) == (
        snapshot.timer_deadline,
        snapshot.current_step_id,
        snapshot.join_code,
        snapshot.joining_open,
    )


def test_a_cofacilitator_runs_the_room_too(workshop, cofacilitator):
    services.timer_start(workshop=workshop, by=cofacilitator)
    services.step_go(workshop=workshop, by=cofacilitator, to="next")
    assert fresh(workshop).current_step.key == "backstory"


def test_observers_cannot_say_they_are_done(workshop, observer):
    with pytest.raises(Refused):
        services.step_done_set(workshop=workshop, by=observer, step=workshop.current_step, done=True)
    assert not workshop.current_step.done_by.exists()


def test_roles_can_change_and_people_can_be_removed(workshop, facilitator, member, observer):
    services.participant_role_set(
        workshop=workshop, by=facilitator, participant=member, role=Role.FACILITATOR
    )
    member.refresh_from_db()
    assert member.is_facilitator
    services.participant_remove(workshop=workshop, by=member, participant=observer)
    assert not Participant.objects.filter(pk=observer.pk).exists()


def test_the_owner_stays_facilitator(workshop, facilitator, cofacilitator):
    with pytest.raises(Refused):
        services.participant_role_set(
            workshop=workshop, by=cofacilitator, participant=facilitator, role=Role.OBSERVER
        )
    with pytest.raises(Refused):
        services.participant_remove(workshop=workshop, by=cofacilitator, participant=facilitator)
    facilitator.refresh_from_db()
    assert facilitator.role == Role.FACILITATOR


def test_members_cannot_change_roles(workshop, member, member2):
    with pytest.raises(Refused):
        services.participant_role_set(
            workshop=workshop, by=member, participant=member2, role=Role.FACILITATOR
        )
    with pytest.raises(Refused):
        services.participant_remove(workshop=workshop, by=member, participant=member2)
    member2.refresh_from_db()
    assert member2.role == Role.MEMBER


def test_people_from_another_workshop_cannot_be_touched(workshop, facilitator, other_workshop):
    stranger = other_workshop.participants.get()
    with pytest.raises(Refused):
        services.participant_remove(workshop=workshop, by=facilitator, participant=stranger)
    assert Participant.objects.filter(pk=stranger.pk).exists()


def test_closing_joining_and_rotating_the_code(workshop, facilitator, member):
    from workshops.services import guest_user_create, participant_join

    services.joining_set(workshop=workshop, by=facilitator, open=False)
    with pytest.raises(Refused) as refused:
        participant_join(
            workshop=fresh(workshop), user=guest_user_create(display_name="Late"), display_name="Late"
        )
    assert refused.value.code == "closed"
    # People already in can come back while joining is closed.
    assert participant_join(workshop=fresh(workshop), user=member.user, display_name="Mia") == member
    old = workshop.join_code
    services.join_code_rotate(workshop=workshop, by=facilitator)
    assert fresh(workshop).join_code != old


def test_presence_counts_sockets_and_only_logs_changes(workshop, member):
    now = timezone.now()
    services.presence_connect(participant=member, now=now)
    services.presence_connect(participant=member, now=now)  # a second tab
    member.refresh_from_db()
    assert member.sockets == 2 and member.is_online(now)
    services.presence_disconnect(participant=member)
    member.refresh_from_db()
    assert member.is_online(now)
    services.presence_disconnect(participant=member)
    member.refresh_from_db()
    assert not member.is_online(now)
    assert kinds(workshop).count("presence.online") == 1
    assert kinds(workshop).count("presence.offline") == 1


def test_a_silent_socket_stops_counting_as_online(workshop, member):
    now = timezone.now()
    services.presence_connect(participant=member, now=now)
    member.refresh_from_db()
    assert not member.is_online(now + timedelta(minutes=5))


def test_people_whose_server_died_are_counted_out_by_the_next_heartbeat(workshop, member, member2):
    """A process that died never ran its sockets' disconnect: their count stays up. Anyone
    silent past the timeout is counted out, once, and told as gone."""
    now = timezone.now()
    services.presence_connect(participant=member, now=now)  # on the process that dies
    services.presence_connect(participant=member2, now=now)
    later = now + timedelta(seconds=30)
    services.presence_heartbeat(participant=member2, now=later)
    member.refresh_from_db()
    assert member.sockets == 1  # not silent long enough yet
    much_later = now + timedelta(minutes=2)
    services.presence_heartbeat(participant=member2, now=much_later)
    services.presence_heartbeat(participant=member2, now=much_later + timedelta(seconds=15))
    member.refresh_from_db()
    member2.refresh_from_db()
    assert member.sockets == 0 and not member.is_online(much_later)
    assert member2.sockets == 1 and member2.is_online(much_later)
    assert kinds(workshop).count("presence.offline") == 1
    # Coming back is told again, as for anyone who arrives.
    services.presence_connect(participant=member, now=much_later)
    assert kinds(workshop).count("presence.online") == 3


def test_events_are_broadcast_only_after_commit(
    workshop, facilitator, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("workshops.live.publish", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.timer_start(workshop=workshop, by=facilitator, op_id="op-1")
    assert len(callbacks) == 1
    assert sent == [
        {"workshop_id": workshop.pk, "seq": 1, "op_id": "op-1", "parts": ("now",), "languages": ()}
    ]


def test_a_refused_op_broadcasts_nothing(workshop, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Refused):
        services.timer_start(workshop=workshop, by=member)
    assert callbacks == []


def test_agenda_steps_know_their_play(workshop):
    step = AgendaStep.objects.get(workshop=workshop, key="emotions")
    assert str(step) == "Draw the emotion line"
