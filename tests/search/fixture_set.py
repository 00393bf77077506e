"""The hand-checked records every backend is tested on (kk and ru texts, every filter).

Expected answers in the tests are written out by hand from this table:

| key | kind | title | occ. | place | salary | other |
|---|---|---|---|---|---|---|
| v_truck | vacancy | Водитель грузового автомобиля | 8332 | Almaty | 250–350k | licence C, full time, five-day, day |
| v_kk_driver | vacancy | Жүргізуші | 8322 | Astana (point) | from 200k | licence B, part time, shift, social job, accessible, employer B |
| v_teacher | vacancy | Мұғалім (бастауыш сынып) | 2341 | Almaty | — | bachelor, kk, kk description |
| v_accountant_1c | vacancy | Бухгалтер 1С | 2411 | Astana | 300–400k | 36 months, ru, employer B |
| v_welder | vacancy | Сварщик на стройку | 7212 | Almaty | 400k | public works, night, published 10 days ago |
| v_accountant | vacancy | Бухгалтер | 2411 | Almaty | 150–180k | — |
| v_draft | vacancy | Водитель такси (draft) | 8322 | Almaty | | never indexed |
| v_closed | vacancy | Повар (closed) | 5120 | Almaty | | never indexed |

Resumes (employer = employer A, centre = the Almaty district centre):
| key | title | occ. | place | state |
|---|---|---|---|---|
| r_truck | Водитель категории C | 8332 | Almaty | public, age 36, licence C, 48 months, wants 300k |
| r_kk_driver | Жүргізуші | 8322 | Astana | public, age 26, licence B, relocates |
| r_welder | Сварщик | 7212 | Almaty | registered at the centre, consent withdrawn |
| r_hidden | Бухгалтер | 2411 | Almaty | hidden, registered at the centre |
| r_departed | Мұғалім | 2341 | Almaty | public, seeker employed (departed) |
| r_taxi | Водитель такси | 8322 | Almaty | public, licences B and C, 12 months |
| r_archived | Повар | 5120 | Almaty | archived: never indexed |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.db import utcnow
from exchange.resumes import operations as resumes
from exchange.seekers import operations as seekers
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import Vacancy
from tests import factories as f

ALMATY = "751210000"
ALMATY_REGION = "750000000"
ASTANA = "711210000"
ASTANA_POINT = (51.13, 71.43)
ALMATY_POINT = (43.25, 76.92)


@dataclass
class FixtureSet:
    ids: dict[str, int] = field(default_factory=dict)
    actors: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.ids[key]

    def keys_of(self, ids, prefix: str = "v_") -> set[str]:
        """Fixture names of vacancy (``v_``) or resume (``r_``) ids."""
        names = {v: k for k, v in self.ids.items() if k.startswith(prefix)}
        return {names.get(i, str(i)) for i in ids}


def build(session: Session) -> FixtureSet:
    fx = FixtureSet()
    employer_a, actor_a = f.employer(session)
    employer_b, actor_b = f.employer(session, kato_code=ASTANA)
    centre, centre_actor = f.centre(session, ALMATY)
    fx.ids.update(employer_a=employer_a.id, employer_b=employer_b.id, centre=centre.id)
    fx.actors.update(employer=actor_a, employer_b=actor_b, centre=centre_actor)

    def vac(key: str, actor, publish: bool = True, **data) -> Vacancy:
        v = f.vacancy(session, actor, publish=publish, **data)
        fx.ids[key] = v.id
        return v

    vac("v_truck", actor_a, title="Водитель грузового автомобиля", occupation_code="8332", kato_code=ALMATY,
        description="Перевозка грузов по городу на грузовом автомобиле. Официальное трудоустройство.",
        salary_from=250000, salary_to=350000, driving_licences=["C"], employment_type="full_time", schedule="five_day",
        working_regime="day", skills=["вождение", "погрузка"])
    vac("v_kk_driver", actor_b, title="Жүргізуші", occupation_code="8322", kato_code=ASTANA, lat=ASTANA_POINT[0], lon=ASTANA_POINT[1],
        description="Кеңсе қызметкерлерін тасымалдау. Жеңіл автокөлік жүргізушісі керек.", salary_from=200000, salary_to=None,
        driving_licences=["B"], employment_type="part_time", schedule="shift", kind="social_job", accessible=True)
    vac("v_teacher", actor_a, title="Мұғалім (бастауыш сынып)", occupation_code="2341", kato_code=ALMATY,
        description="Бастауыш сынып мұғалімі керек. Балалармен жұмыс тәжірибесі құпталады.", salary_from=None, salary_to=None,
        driving_licences=[], education_level="bachelor", languages="kk:C1")
    vac("v_accountant_1c", actor_b, title="Бухгалтер 1С", occupation_code="2411", kato_code=ASTANA,
        description="Ведение учёта в 1С:Бухгалтерия, сдача отчётности.", salary_from=300000, salary_to=400000,
        driving_licences=[], min_experience_months=36, languages="ru:C1")
    welder = vac("v_welder", actor_a, title="Сварщик на стройку", occupation_code="7212", kato_code=ALMATY,
                 description="Электросварочные работы на строительном объекте, ночные смены.", salary_from=400000, salary_to=None,
                 driving_licences=[], kind="public_works", working_regime="night")
    vac("v_accountant", actor_a, title="Бухгалтер", occupation_code="2411", kato_code=ALMATY,
        description="Первичная документация, зарплата, банк. Работа в офисе.", salary_from=150000, salary_to=180000,
        driving_licences=[])
    vac("v_draft", actor_a, publish=False, title="Водитель такси", occupation_code="8322", kato_code=ALMATY,
        description="Работа в такси на автомобиле компании.", driving_licences=["B"])
    closed = vac("v_closed", actor_a, title="Повар", occupation_code="5120", kato_code=ALMATY,
                 description="Повар горячего цеха в столовую.", driving_licences=[])
    vacancies.close_vacancy(session, actor_a, closed.id, "filled")
    session.flush()
    # Published ten days ago (a direct update: no operation back-dates a publication).
    session.execute(sa.update(Vacancy).where(Vacancy.id == welder.id).values(published_at=utcnow() - dt.timedelta(days=10)))
    session.expire(welder)

    def res(key: str, profile, actor, publish: bool = True, **data):
        r = f.resume(session, profile, actor, publish=publish, **data)
        fx.ids[key] = r.id
        return r

    s1, a1 = f.seeker(session, iin=f.iin("900101", 3), kato_code=ALMATY)
    res("r_truck", s1, a1, title="Водитель категории C", occupation_code="8332", driving_licences=["C"], experience_months=48,
        desired_salary=300000, skills=["вождение", "погрузка"], about="Опыт работы водителем грузовика 4 года.",
        lat=ALMATY_POINT[0], lon=ALMATY_POINT[1])
    s2, a2 = f.seeker(session, iin=f.iin("000101", 5), kato_code=ASTANA)
    res("r_kk_driver", s2, a2, title="Жүргізуші", occupation_code="8322", kato_code=ASTANA, driving_licences=["B"],
        experience_months=6, willing_to_relocate=True, about="Жеңіл көлік жүргізушісі, тәжірибе бар.",
        available_from=(dt.date.today() + dt.timedelta(days=60)).isoformat())
    s3, a3 = f.seeker(session, iin=f.iin("850505", 3), kato_code=ALMATY)
    seekers.register(session, centre_actor, s3.id, {"category": "unemployed"})
    res("r_welder", s3, a3, title="Сварщик", occupation_code="7212", driving_licences=[], experience_months=120)
    seekers.set_consents(session, a3, s3.id, publish=False)
    s4, a4 = f.seeker(session, iin=f.iin("880808", 4), kato_code=ALMATY)
    seekers.register(session, centre_actor, s4.id, {"category": "job_seeker"})
    hidden = res("r_hidden", s4, a4, title="Бухгалтер", occupation_code="2411", driving_licences=[], experience_months=60)
    resumes.hide_resume(session, a4, hidden.id)
    s5, a5 = f.seeker(session, iin=f.iin("950303", 4), kato_code=ALMATY)
    seekers.register(session, centre_actor, s5.id, {"category": "unemployed"})
    res("r_departed", s5, a5, title="Мұғалім", occupation_code="2341", driving_licences=[], education_level="bachelor")
    seekers.deregister(session, centre_actor, s5.id, {"reason": "employed"})
    s6, a6 = f.seeker(session, iin=f.iin("920202", 3), kato_code=ALMATY)
    res("r_taxi", s6, a6, title="Водитель такси", occupation_code="8322", driving_licences=["B", "C"], experience_months=12,
        skills=["вождение"])
    s7, a7 = f.seeker(session, iin=f.iin("930303", 3), kato_code=ALMATY)
    archived = res("r_archived", s7, a7, title="Повар", occupation_code="5120", driving_licences=[])
    resumes.archive_resume(session, a7, archived.id)
    fx.actors.update(seeker=a1, seeker_kk=a2)
    session.flush()
    return fx
