"""Fields that resumes and vacancies share: occupation, place, languages, licences, education.

Both sides of a match describe the same things, so they are validated by the same code.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mm_fields
from sqlalchemy.orm import Session

from exchange import schemas
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.errors import ValidationFailed
from exchange.i18n import lazy_gettext as _l

# Kazakhstan's extent with a margin; a point outside is a typo (swapped lat/lon, missing minus).
KZ_LAT = (40.0, 56.0)
KZ_LON = (46.0, 88.0)
MAX_SALARY = 100_000_000


class Languages(mm_fields.Field):
    """``[{"code": "kk", "level": "C1"}]``, or the form shorthand ``"kk:C1, ru:native"``."""

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict[str, str]]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            items = []
            for part in value.split(","):
                part = part.strip()
                if not part:
                    continue
                code, _, level = part.partition(":")
                items.append({"code": code.strip().lower(), "level": level.strip() or "B1"})
            value = items
        if not isinstance(value, list) or len(value) > 15:
            raise schemas.ValidationError(_l("Give at most 15 languages, each with a level."))
        out = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("code"), str):
                raise schemas.ValidationError(_l("Each language needs a code and a level, e.g. kk:C1."))
            level = str(item.get("level") or "B1")
            out.append({"code": item["code"].strip().lower()[:3], "level": level if level == "native" else level.upper()})
        return out


def common_fields() -> dict[str, mm_fields.Field]:
    return {
        "occupation_code": schemas.code(max_len=4),
        "skills": mm_fields.List(schemas.Text(), load_default=list),
        "languages": Languages(load_default=list),
        "driving_licences": schemas.code_list(max_items=15),
        "education_level": schemas.code(max_len=30),
        "kato_code": schemas.code(required=True, max_len=9),
        "lat": schemas.number(minimum=-90, maximum=90),
        "lon": schemas.number(minimum=-180, maximum=180),
    }


def check_common(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Check codes against classifiers and fill derived values; raise field errors together."""
    errors: dict[str, list] = {}
    occupation = values.get("occupation_code")
    if occupation:
        entry = classifiers.get(session, Scheme.ISCO, occupation)
        if entry is None or entry.level != 4:
            errors["occupation_code"] = [_l("Choose an occupation from the classifier.")]
    if not classifiers.exists(session, Scheme.KATO, values.get("kato_code")):
        errors["kato_code"] = [_l("Choose a region or district from the list.")]
    if values.get("education_level") and not classifiers.exists(session, Scheme.EDUCATION, values["education_level"]):
        errors["education_level"] = [_l("Choose an education level from the list.")]
    bad_licences = [c for c in values.get("driving_licences") or [] if not classifiers.exists(session, Scheme.LICENCE, c)]
    if bad_licences:
        errors["driving_licences"] = [_l("Unknown licence category: %(codes)s.", codes=", ".join(bad_licences))]
    for lang in values.get("languages") or []:
        if not classifiers.exists(session, Scheme.LANGUAGE, lang["code"]) or not classifiers.exists(
            session, Scheme.LANGUAGE_LEVEL, lang["level"]
        ):
            errors["languages"] = [_l("Unknown language or level: %(item)s.", item=f"{lang['code']}:{lang['level']}")]
            break
    skills = values.get("skills")
    if skills is not None:
        cleaned = []
        for skill in skills:
            skill = " ".join(str(skill).split())
            if skill and skill.lower() not in {s.lower() for s in cleaned}:
                cleaned.append(skill)
        if len(cleaned) > 40 or any(len(s) > 60 for s in cleaned):
            errors["skills"] = [_l("Give at most 40 skills of up to 60 characters each.")]
        values["skills"] = cleaned
    lat, lon = values.get("lat"), values.get("lon")
    if (lat is None) != (lon is None):
        errors["lat"] = [_l("Give both latitude and longitude, or neither.")]
    elif lat is not None and not (KZ_LAT[0] <= lat <= KZ_LAT[1] and KZ_LON[0] <= lon <= KZ_LON[1]):
        errors["lat"] = [_l("This point is outside Kazakhstan; check latitude and longitude.")]
    if errors:
        raise ValidationFailed(errors)
    if lat is None and values.get("kato_code"):
        # Without an exact point we place the record at its region's centre, so distance
        # filters still see it (the search result says the point is approximate).
        centre = classifiers.region_centre(session, values["kato_code"])
        if centre:
            values["lat"], values["lon"] = centre
    return values
