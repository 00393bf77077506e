"""The application state machine: every allowed move and who may make it, in one place."""

from __future__ import annotations

from enum import StrEnum

from exchange.applications.models import OPEN_STATES
from exchange.applications.models import ApplicationState as S
from exchange.errors import Conflict, PermissionDenied
from exchange.i18n import lazy_gettext as _l
from exchange.labels import label


class Side(StrEnum):
    """In which capacity the actor touches an application."""

    EMPLOYER = "employer"  # the employer, or the agency/centre that manages the vacancy
    SEEKER = "seeker"
    CENTRE = "centre"  # the centre that referred the person or has them on its register
    # The private agency that applied on the person's behalf: it follows the application
    # (state, stage, deadlines, interview) but makes no decisions in it.
    AGENCY = "agency"
    SYSTEM = "system"  # background jobs


E, SK, C, SYS = Side.EMPLOYER, Side.SEEKER, Side.CENTRE, Side.SYSTEM
_DECISIONS = {S.INTERVIEW: {E}, S.OFFER: {E}, S.HIRED: {E}, S.REJECTED: {E}, S.WITHDRAWN: {SK, C}}

TRANSITIONS: dict[S, dict[S, frozenset[Side]]] = {
    S.NEW: {k: frozenset(v) for k, v in {S.VIEWED: {E}, **_DECISIONS, S.AUTO_REJECTED: {SYS}}.items()},
    S.VIEWED: {k: frozenset(v) for k, v in {**_DECISIONS, S.AUTO_REJECTED: {SYS}}.items()},
    # Another interview round (group → individual → testing) keeps the state.
    S.INTERVIEW: {k: frozenset(v) for k, v in _DECISIONS.items()},
    S.OFFER: {k: frozenset(v) for k, v in _DECISIONS.items() if k not in (S.INTERVIEW, S.OFFER)},
}

# An employer's decision that answers a referral and stops its three-working-day clock:
# the law asks for hiring or refusal; inviting to an interview or making an offer is an
# answer too, so a person invited for next week is not refused by the clock meanwhile.
ANSWERS = frozenset({S.INTERVIEW, S.OFFER, S.HIRED, S.REJECTED})
TERMINAL = frozenset({S.HIRED, S.REJECTED, S.WITHDRAWN, S.AUTO_REJECTED})
OPEN_STATE_LIST = [state.value for state in OPEN_STATES]
# Pipeline order of the steps an organisation's own stages may belong to.
STAGE_ORDER = ("viewed", "interview", "offer")


def allowed_targets(current: S, sides: set[Side]) -> list[S]:
    """The states these sides may move an application to, in pipeline order."""
    moves = TRANSITIONS.get(current, {})
    return [target for target in S if target in moves and moves[target] & sides]


def check(current: S, target: S, sides: set[Side]) -> None:
    """Raise unless ``sides`` may move an application from ``current`` to ``target``."""
    moves = TRANSITIONS.get(current, {})
    if target not in moves:
        if current in TERMINAL:
            raise Conflict(
                _l("This application is closed (%(state)s); it cannot change any more.", state=label("application_state", current))
            )
        raise Conflict(
            _l(
                "An application in the state “%(current)s” cannot move to “%(target)s”.",
                current=label("application_state", current),
                target=label("application_state", target),
            )
        )
    if not moves[target] & sides:
        if target == S.WITHDRAWN:
            raise PermissionDenied(_l("Only the job seeker or their employment centre can withdraw an application."))
        if target == S.AUTO_REJECTED:
            raise PermissionDenied(_l("Referrals are refused automatically only when the deadline passes."))
        raise PermissionDenied(_l("Only the employer can make this decision."))
