"""The planner and the unit picker are pure: no database, same inputs, same output."""

import datetime
import random

import pytest

from demo.builders.associations import ASSOCIATIONS
from donations.planner import (
    Candidate,
    Skip,
    Unit,
    UnitPool,
    assign_slots,
    explain_quantity,
    handover_days,
    parse_opening_hours,
    plan_wave,
    slot_times,
)

T0 = datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC)


def candidate(pk, granted=20, *, received=0, planned=0, priority=3, approved=None, created=None, name=None):
    return Candidate(
        application_id=pk,
        association=name or f"Association {pk}",
        granted=granted,
        received=received,
        planned_elsewhere=planned,
        priority=priority,
        approved_at=approved if approved is not None else T0 + datetime.timedelta(hours=pk),
        created_at=created if created is not None else T0,
    )


def plan(candidates, capacity=1000, stock=10_000, final_lot=False, minimum=10, maximum=30):
    return plan_wave(candidates, capacity=capacity, stock=stock, minimum=minimum, maximum=maximum, final_lot=final_lot)


def test_marseille_wave_one_from_demo_grants():
    """The 27 first approved demo associations were granted exactly 486 PCs: wave 1 serves them all."""
    approved = [(i, name, g) for i, (name, _pc, _m, _b, _r, g) in enumerate(ASSOCIATIONS) if isinstance(g, int)]
    candidates = [candidate(i + 1, g, name=name) for i, name, g in approved]
    result = plan(candidates, capacity=486, stock=900)
    assert result.total == 486
    assert len(result.lines) == 27
    assert [line.candidate.association for line in result.lines] == [name for _i, name, _g in approved[:27]]
    assert all(line.quantity == line.candidate.granted for line in result.lines)
    assert result.lines[0].reason == "accordé 30, 0 reçu, priorité 3"
    assert {s.code for s in result.skipped} == {Skip.NO_CAPACITY}
    assert len(result.skipped) == 7
    assert result.skipped[0].reason.startswith("plus de capacité dans cette vague")


def test_order_is_priority_then_approval_then_application_date_then_id():
    late = T0 + datetime.timedelta(days=5)
    candidates = [
        candidate(1, 10, priority=3, approved=T0),
        candidate(2, 10, priority=1, approved=late),
        candidate(3, 10, priority=3, approved=T0, created=T0 - datetime.timedelta(days=1)),
        candidate(5, 10, priority=2, approved=T0, created=T0),
        candidate(4, 10, priority=2, approved=T0, created=T0),
    ]
    result = plan(candidates)
    assert [line.candidate.application_id for line in result.lines] == [2, 4, 5, 3, 1]
    assert [line.position for line in result.lines] == [1, 2, 3, 4, 5]


def test_deterministic_whatever_the_input_order():
    candidates = [candidate(i, 10 + i % 21, priority=1 + i % 4, received=(i % 3) * 5) for i in range(1, 80)]
    reference = plan(candidates, capacity=700)
    for seed in range(5):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        assert plan(shuffled, capacity=700) == reference


def test_never_more_than_granted_minus_received_and_never_more_than_the_maximum():
    result = plan([candidate(1, 30, received=12), candidate(2, 25, planned=10), candidate(3, 40)])
    quantities = {line.candidate.application_id: line.quantity for line in result.lines}
    assert quantities == {1: 18, 2: 15, 3: 30}
    assert result.lines[0].reason == "accordé 30, 12 reçu, priorité 3"
    assert "10 prévu dans une autre vague" in result.lines[1].reason


def test_reasons_for_associations_that_get_nothing():
    result = plan(
        [
            candidate(1, 20, received=20),  # served
            candidate(2, 20, received=15),  # 5 left: below minimum outside the final lot
            candidate(3, 20),  # gets 20
            candidate(4, 20),  # gets the 14 left
            candidate(5, 20),  # nothing left
        ],
        capacity=34,
    )
    skipped = {s.candidate.application_id: s for s in result.skipped}
    assert skipped[1].code == Skip.SERVED and skipped[1].reason.startswith("déjà servie")
    assert skipped[2].code == Skip.BELOW_MINIMUM and "lot final" in skipped[2].reason
    assert skipped[5].code == Skip.NO_CAPACITY
    lines = {line.candidate.application_id: line for line in result.lines}
    assert lines[3].quantity == 20
    assert lines[4].quantity == 14 and "6 ordinateurs pour une prochaine vague" in lines[4].reason


def test_capacity_left_below_minimum_is_not_handed_out_outside_the_final_lot():
    result = plan([candidate(1, 25), candidate(2, 20)], capacity=30)
    assert [(line.candidate.application_id, line.quantity) for line in result.lines] == [(1, 25)]
    assert result.skipped[0].code == Skip.CAPACITY_BELOW_MINIMUM
    assert "capacité restante de 5" in result.skipped[0].reason


def test_final_lot_serves_needs_below_the_minimum():
    result = plan([candidate(1, 20, received=15), candidate(2, 10), candidate(3, 12)], capacity=27, final_lot=True)
    # Never served first (2, 3), then the partly served one (1), each with what it still needs.
    assert [(line.candidate.application_id, line.quantity) for line in result.lines] == [(2, 10), (3, 12), (1, 5)]
    assert "lot final" in result.lines[2].reason
    assert result.total == 27


def test_final_lot_serves_the_never_served_before_the_partly_served_at_equal_priority():
    early = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    late = datetime.datetime(2026, 3, 5, tzinfo=datetime.UTC)
    partly = candidate(1, 20, received=12, approved=early)  # approved first, but already received 12
    never = candidate(2, 8, approved=late)
    urgent_partly = candidate(3, 20, received=10, priority=1, approved=late)  # priority still comes first
    result = plan([partly, never, urgent_partly], capacity=100, final_lot=True)
    assert [line.candidate.application_id for line in result.lines] == [3, 2, 1]
    # Outside the final lot, the date of approval decides at equal priority.
    result = plan([partly, never, urgent_partly], capacity=100, minimum=1)
    assert [line.candidate.application_id for line in result.lines] == [3, 1, 2]


def test_final_lot_never_promises_a_next_wave():
    result = plan([candidate(1, 20), candidate(2, 12)], capacity=25, final_lot=True)
    cut = result.lines[1]
    assert cut.quantity == 5
    assert "prochaine vague" not in cut.reason
    assert "7 ordinateurs ne seront pas attribués (pas de vague suivante)" in cut.reason
    # Outside the final lot, the rest waits for a next wave.
    result = plan([candidate(1, 20), candidate(2, 12)], capacity=30)
    assert "prochaine vague" in result.lines[1].reason
    # The words the association reads follow the same rule.
    text = explain_quantity(quantity=5, granted=12, final_lot=True)
    assert "prochaine vague" not in text and "7 ordinateurs accordés ne seront pas attribués" in text
    assert "prochaine vague" in explain_quantity(quantity=5, granted=12)


def test_limited_by_stock_as_well_as_capacity():
    result = plan([candidate(i, 30) for i in range(1, 6)], capacity=150, stock=65)
    assert [line.quantity for line in result.lines] == [30, 30]  # 5 left: below the minimum
    assert result.total == 60
    assert result.limit == 65


def test_already_planned_elsewhere_is_explained():
    result = plan([candidate(1, 20, planned=20)])
    assert result.skipped[0].code == Skip.SERVED
    assert result.skipped[0].reason.startswith("déjà prévu dans une autre vague")


def test_empty_inputs():
    assert plan([]).lines == ()
    assert plan([candidate(1)], capacity=0).skipped[0].code == Skip.NO_CAPACITY


def test_planner_handles_a_national_wave():
    # Its speed is measured in bench/plan_wave.py (README), never in a timed test.
    candidates = [candidate(i, 10 + i % 21, priority=1 + i % 4) for i in range(1, 5001)]
    result = plan(candidates, capacity=10_000, stock=10_000)
    assert 10_000 - 30 < result.total <= 10_000


# Unit picking ---------------------------------------------------------------------------------


def units(ids, lot=1, model="OptiPlex", start=T0):
    return [Unit(i, lot, "Dell", model, start + datetime.timedelta(minutes=i)) for i in ids]


def test_one_group_when_one_is_large_enough_oldest_first():
    pool = UnitPool(units(range(1, 6), lot=1) + units(range(10, 40), lot=2) + units(range(50, 80), lot=3))
    taken = pool.take(20)
    assert taken == list(range(10, 30))  # lot 2 has the oldest head among the groups of 20+
    assert pool.take(5) == list(range(1, 6))  # lot 1 fits exactly and is the oldest
    assert len(pool) == 40


def test_fewest_groups_when_none_is_large_enough():
    pool = UnitPool(units(range(1, 11), lot=1) + units(range(20, 35), lot=2) + units(range(40, 52), lot=3))
    taken = pool.take(25)
    assert taken == list(range(20, 35)) + list(range(40, 50))  # the two largest groups


def test_short_pool_takes_nothing():
    pool = UnitPool(units(range(1, 11)))
    assert pool.take(11) is None
    assert len(pool) == 10
    assert pool.take(0) == []


def test_discard():
    pool = UnitPool(units(range(1, 21)))
    pool.discard([1, 2, 3])
    assert pool.take(2) == [4, 5]
    assert pool.take(3) == [6, 7, 8]


def test_units_never_given_twice():
    pool = UnitPool(units(range(1, 501), lot=1) + units(range(1000, 1300), lot=2, model="ProDesk"))
    seen = []
    rng = random.Random(1)
    while True:
        ids = pool.take(rng.randint(1, 30))
        if ids is None:
            break
        seen.extend(ids)
    assert len(seen) == len(set(seen))
    assert len(seen) + len(pool) == 800


# Appointments ---------------------------------------------------------------------------------


def test_handover_days_skip_weekends():
    days = handover_days(datetime.date(2026, 4, 10), datetime.date(2026, 4, 14))  # Friday to Tuesday
    assert days == [datetime.date(2026, 4, 10), datetime.date(2026, 4, 13), datetime.date(2026, 4, 14)]


def test_slot_times_never_reuse_a_slot():
    days = [datetime.date(2026, 4, 13), datetime.date(2026, 4, 14)]
    hours = parse_opening_hours("09:00-12:00 14:00-17:00")
    slots = slot_times(days, hours, 45)
    assert len(slots) == 16  # 4 in the morning, 4 in the afternoon, on each of the 2 days
    assert len(set(slots)) == len(slots)
    assert slots[0] == (days[0], datetime.time(9, 0), datetime.time(9, 45))
    assert slots[3] == (days[0], datetime.time(11, 15), datetime.time(12, 0))
    assert slots[8][0] == days[1]
    assert all(start < end for _day, start, end in slots)


@pytest.mark.parametrize(
    "text, error",
    [
        ("", "au moins une plage"),
        ("9h-12h", "09:00-12:00"),
        ("12:00-09:00", "la fin"),
        ("09:00-12:00 11:00-13:00", "chevauchent"),
        ("25:00-26:00", "invalide"),
    ],
)
def test_opening_hours_are_checked(text, error):
    with pytest.raises(ValueError, match=error):
        parse_opening_hours(text)


def test_opening_hours_accept_french_writing():
    assert parse_opening_hours("14h00-17h00, 9:00-12:00") == [
        (datetime.time(9), datetime.time(12)),
        (datetime.time(14), datetime.time(17)),
    ]


def test_assign_slots_fills_each_slot_up_to_its_places_and_refuses_when_short():
    assert assign_slots([(10, 2), (11, 1), (12, 3)], 4) == [10, 10, 11, 12]
    assert assign_slots([(10, 0), (11, 1)], 1) == [11]
    assert assign_slots([(10, 2), (11, 1)], 4) is None
