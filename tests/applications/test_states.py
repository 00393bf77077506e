"""Every transition of the state machine, allowed or refused, for every side."""

from __future__ import annotations

import itertools

import pytest

from exchange.applications import states
from exchange.applications.models import ApplicationState as S
from exchange.applications.states import Side
from exchange.errors import Conflict, PermissionDenied

E, SK, C, SYS = Side.EMPLOYER, Side.SEEKER, Side.CENTRE, Side.SYSTEM

ALLOWED = {
    (S.NEW, S.VIEWED): {E}, (S.NEW, S.INTERVIEW): {E}, (S.NEW, S.OFFER): {E}, (S.NEW, S.HIRED): {E},
    (S.NEW, S.REJECTED): {E}, (S.NEW, S.WITHDRAWN): {SK, C}, (S.NEW, S.AUTO_REJECTED): {SYS},
    (S.VIEWED, S.INTERVIEW): {E}, (S.VIEWED, S.OFFER): {E}, (S.VIEWED, S.HIRED): {E}, (S.VIEWED, S.REJECTED): {E},
    (S.VIEWED, S.WITHDRAWN): {SK, C}, (S.VIEWED, S.AUTO_REJECTED): {SYS},
    (S.INTERVIEW, S.INTERVIEW): {E}, (S.INTERVIEW, S.OFFER): {E}, (S.INTERVIEW, S.HIRED): {E},
    (S.INTERVIEW, S.REJECTED): {E}, (S.INTERVIEW, S.WITHDRAWN): {SK, C},
    (S.OFFER, S.HIRED): {E}, (S.OFFER, S.REJECTED): {E}, (S.OFFER, S.WITHDRAWN): {SK, C},
}
CASES = [(a, b, side) for a, b in itertools.product(S, S) for side in Side]


@pytest.mark.parametrize(("current", "target", "side"), CASES, ids=[f"{a.value}->{b.value}:{s.value}" for a, b, s in CASES])
def test_transition_table(current, target, side):
    allowed_sides = ALLOWED.get((current, target))
    if allowed_sides and side in allowed_sides:
        states.check(current, target, {side})
        assert target in states.allowed_targets(current, {side})
        return
    expected = PermissionDenied if allowed_sides else Conflict
    with pytest.raises(expected) as error:
        states.check(current, target, {side})
    assert str(error.value.message)
    assert target not in states.allowed_targets(current, {side})


def test_terminal_states_have_no_way_out():
    for state in states.TERMINAL:
        with pytest.raises(Conflict, match="closed"):
            states.check(state, S.NEW, {E, SK, C, SYS})


def test_answers_stop_the_clock_but_viewing_does_not():
    assert S.VIEWED not in states.ANSWERS
    assert {S.HIRED, S.REJECTED} <= states.ANSWERS
