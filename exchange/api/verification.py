"""Verifying a seeker's identity data against the state registry (R-AG-3, R-AFLOW-2).

Only with the person's recorded consent (``consent_verification_at``), only by an
organisation entitled to the person's private data, always audited. The registry is
reached through the :class:`StateRegistry` interface; :class:`HttpStateRegistry` speaks
the HTTP contract below and is configured by STATE_REGISTRY_URL / STATE_REGISTRY_TOKEN.

HTTP contract: ``POST <url>/verify`` with ``Authorization: Bearer <token>`` and JSON
``{"iin", "last_name", "first_name", "middle_name", "birth_date"}``; the registry answers
200 ``{"found": true, "matches": {"last_name": true, …}, "reference": "…"}`` or
404 / ``{"found": false}`` when it does not know the IIN.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import audit, outbox
from exchange.api.models import SeekerVerification, VerificationStatus
from exchange.auth import Actor, deny
from exchange.errors import Conflict, DomainError, NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.seekers import operations as seekers
from exchange.seekers.models import SeekerProfile

CHECKED_FIELDS = ("last_name", "first_name", "middle_name", "birth_date")


class RegistryUnavailable(DomainError):
    status = 503
    code = "registry_unavailable"


@dataclass
class RegistryAnswer:
    found: bool
    matches: dict[str, bool] = field(default_factory=dict)
    reference: str | None = None


class StateRegistry(Protocol):
    def verify(self, person: dict[str, Any]) -> RegistryAnswer:
        """Compare the person's data with the registry; raise RegistryUnavailable if it cannot answer."""


class HttpStateRegistry:
    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def verify(self, person: dict[str, Any]) -> RegistryAnswer:
        body = json.dumps(person, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the URL is operator configuration
            f"{self.url}/verify", data=body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read(65536))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return RegistryAnswer(found=False)
            raise RegistryUnavailable(_l("The state registry refused the request (%(code)s).", code=exc.code)) from None
        except (urllib.error.URLError, OSError, ValueError):
            raise RegistryUnavailable(_l("The state registry does not answer; try again later.")) from None
        if not isinstance(answer, dict):
            raise RegistryUnavailable(_l("The state registry gave an answer the exchange does not understand."))
        matches = answer.get("matches") if isinstance(answer.get("matches"), dict) else {}
        return RegistryAnswer(
            found=bool(answer.get("found")),
            matches={k: bool(matches.get(k)) for k in CHECKED_FIELDS if k in matches},
            reference=str(answer["reference"])[:100] if answer.get("reference") else None,
        )


def registry_from_settings(settings) -> StateRegistry | None:
    if not settings.STATE_REGISTRY_URL:
        return None
    return HttpStateRegistry(settings.STATE_REGISTRY_URL, settings.STATE_REGISTRY_TOKEN, settings.STATE_REGISTRY_TIMEOUT)


def verify_seeker(session: Session, actor: Actor, seeker_id: int, registry: StateRegistry | None) -> SeekerVerification:
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound(_l("No such job seeker."))
    if actor.organisation_id is None or not seekers.can_view_private(session, actor, profile):
        raise deny()
    if profile.consent_verification_at is None:
        raise Conflict(_l("The person has not consented to verification against state systems."))
    if registry is None:
        raise RegistryUnavailable(_l("Verification against the state registry is not configured on this exchange."))
    person = {
        "iin": profile.iin, "last_name": profile.last_name, "first_name": profile.first_name,
        "middle_name": profile.middle_name, "birth_date": profile.birth_date.isoformat(),
    }
    answer = registry.verify(person)
    if not answer.found:
        status = VerificationStatus.NOT_FOUND
    elif all(answer.matches.get(k, False) for k in CHECKED_FIELDS if k != "middle_name" or profile.middle_name):
        status = VerificationStatus.VERIFIED
    else:
        status = VerificationStatus.MISMATCH
    result = SeekerVerification(
        seeker_id=profile.id, organisation_id=actor.organisation_id, requested_by_user_id=actor.user_id,
        status=status, matches=answer.matches, registry_reference=answer.reference,
    )
    session.add(result)
    session.flush()
    audit.record(session, actor, "verify", "seeker", profile.id, status=status.value, verification_id=result.id)
    outbox.emit(session, "seeker.verified", "seeker", profile.id, {"status": status.value, "verification_id": result.id}, actor.user_id)
    return result


def verifications(session: Session, actor: Actor, seeker_id: int) -> list[SeekerVerification]:
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound(_l("No such job seeker."))
    if not seekers.can_view_private(session, actor, profile):
        raise deny()
    audit.record(session, actor, "view", "seeker_verifications", profile.id)
    return list(
        session.scalars(
            sa.select(SeekerVerification).where(SeekerVerification.seeker_id == seeker_id).order_by(SeekerVerification.checked_at.desc())
        )
    )
