"""Deterministic synthetic demo data in Kazakh and Russian, across every region and occupation group.

Rows are generated in Python and inserted in batches with executemany (100k
records load in well under a minute on SQLite); values obey the same rules the
operations enforce (valid IIN/BIN, E.164 phones, classifier codes, one-month
publication). A few named demo accounts are created through the operations so
they can sign in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask

from exchange.accounts.models import AccountRole, User
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.db import utcnow
from exchange.organisations.models import MemberRole, Membership, Organisation, OrganisationKind
from exchange.resumes.models import RecordSource, Resume, Visibility, WorkHistoryEntry
from exchange.seekers.models import Registration, SeekerCategory, SeekerProfile
from exchange.timeutil import add_months
from exchange.vacancies.models import (
    EmploymentType,
    Schedule,
    Vacancy,
    VacancyKind,
    VacancySource,
    VacancyStatus,
    WorkingRegime,
)
from exchange.validators import control_digit

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published in the README for demo accounts only
DEMO_ACCOUNTS = ("seeker@demo.birzha.kz", "employer@demo.birzha.kz", "agency@demo.birzha.kz", "centre@demo.birzha.kz", "admin@demo.birzha.kz")
BATCH = 5000

LAST_NAMES_KK = ["Ахметов", "Серікбаев", "Нұрланов", "Жұмабеков", "Оспанов", "Қасымов", "Әбілов", "Тоқтаров", "Бекболатов", "Сәрсенбаев", "Исаев", "Мұқанов", "Ерланов", "Әлиев", "Қанатов"]
LAST_NAMES_RU = ["Иванов", "Петров", "Ким", "Смирнов", "Кузнецов", "Попов", "Васильев", "Новиков", "Морозов", "Волков", "Цой", "Павлов", "Сидоров", "Фёдоров", "Шевченко"]
FIRST_M = ["Алихан", "Нұрсұлтан", "Ерлан", "Даурен", "Асхат", "Арман", "Ислам", "Тимур", "Сергей", "Александр", "Дмитрий", "Бауыржан", "Ерасыл", "Мейрам", "Олжас"]
FIRST_F = ["Айгерім", "Әсел", "Дана", "Жанар", "Гүлнар", "Мадина", "Аружан", "Айым", "Елена", "Ольга", "Наталья", "Динара", "Сәуле", "Томирис", "Анна"]
MIDDLE_M = ["Серікұлы", "Болатұлы", "Нұрланұлы", None, "Сергеевич", "Ерланович"]
MIDDLE_F = ["Серікқызы", "Болатқызы", "Нұрланқызы", None, "Сергеевна", "Ерлановна"]
COMPANY_WORDS = ["Алтын", "Дала", "Нұр", "Береке", "Астық", "Құрылыс", "Сервис", "Транс", "Агро", "Мұнай", "Энерго", "Маркет", "Медиа", "Тех", "Фуд", "Жол", "Су", "Қала", "Ақ", "Көк"]
COMPANY_FORMS = ["ТОО", "АО", "ИП", "ЖШС", "АҚ"]
SKILLS = ["1С:Бухгалтерия", "Excel", "Python", "SQL", "жүргізу", "клиенттермен жұмыс", "работа с клиентами", "кассовый аппарат", "сварка", "электромонтаж", "ремонт техники", "продажи", "ведение документации", "іс қағаздарын жүргізу", "английский язык", "қазақ тілі", "погрузчик", "кондитерские изделия", "педагогика", "первая помощь", "AutoCAD", "логистика", "складской учёт", "маркетинг", "SMM", "Java", "бетон жұмыстары", "штукатурка", "вождение категории C", "охрана"]
DESCRIPTIONS_RU = [
    "Стабильная работа в растущей компании. Официальное трудоустройство, соцпакет, обучение за счёт работодателя.",
    "Ищем ответственного сотрудника. Своевременная оплата труда, дружный коллектив, возможность карьерного роста.",
    "Работа рядом с домом, предоставляется спецодежда и питание. Опыт приветствуется, но не обязателен.",
]
DESCRIPTIONS_KK = [
    "Тұрақты жұмыс, ресми жұмысқа орналастыру, әлеуметтік пакет. Жұмыс беруші есебінен оқыту.",
    "Жауапты қызметкер іздейміз. Жалақы уақытылы төленеді, ынтымақты ұжым, мансаптық өсу мүмкіндігі.",
    "Үйге жақын жұмыс, арнайы киім және тамақ беріледі. Тәжірибе құпталады, бірақ міндетті емес.",
]


def _occupation_titles(session) -> dict[str, list[str]]:
    """Job titles people actually write, from the concept dictionary, by ISCO unit group."""
    path = Path(classifiers.DATA_DIR) / "occupation_terms.csv"
    titles: dict[str, list[str]] = {}
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["lang"] in ("ru", "kk"):
                    titles.setdefault(row["isco_code"], []).append(row["term"][:1].upper() + row["term"][1:])
    if titles:
        return titles
    # Without the dictionary, fall back to classifier names (long, but valid).
    units = [e for e in classifiers.CACHE.scheme(session, Scheme.ISCO).values() if e.level == 4 and not e.code.startswith("0")]
    return {entry.code: [entry.name_ru, entry.name_kk] for entry in units}


class _Ids:
    """Pre-assigned primary keys, so batches need no round trip for generated ids."""

    def __init__(self, session, model) -> None:
        self.next = (session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _bin(rng: random.Random, used: set[str]) -> str:
    while True:
        head = f"{rng.randint(0, 25):02d}{rng.randint(1, 12):02d}4{rng.randint(0, 4)}{rng.randint(0, 99999):05d}"
        check = control_digit(head)
        if check is not None and head + str(check) not in used:
            used.add(head + str(check))
            return head + str(check)


def _iin(rng: random.Random, used: set[str]) -> tuple[str, dt.date, bool]:
    while True:
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 44))
        female = rng.random() < 0.5
        century = (3 if born.year < 2000 else 5) + (1 if female else 0)
        head = f"{born:%y%m%d}{century}{rng.randint(0, 9999):04d}"
        check = control_digit(head)
        if check is not None and head + str(check) not in used:
            used.add(head + str(check))
            return head + str(check), born, female


def _phone(rng: random.Random) -> str:
    return f"+77{rng.choice(['01', '02', '05', '07', '08', '47', '71', '75', '76', '77'])}{rng.randint(1000000, 9999999)}"


def _point(rng: random.Random, centre: tuple[float, float] | None) -> tuple[float | None, float | None]:
    if centre is None:
        return None, None
    return round(centre[0] + rng.uniform(-0.25, 0.25), 5), round(centre[1] + rng.uniform(-0.35, 0.35), 5)


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(session, model, rows: Iterator[dict[str, Any]], total: int, label: str, progress: bool) -> int:
    count = 0
    with click.progressbar(length=total, label=label.ljust(14), file=None if progress else io.StringIO()) as bar:
        for batch in _batches(rows):
            # Core executemany: the ORM bulk path falls back to a statement per row for
            # versioned models, which is forty times slower here. Core compiles one
            # statement from the first row's keys, so rows are grouped by their key set.
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in batch:
                groups.setdefault(tuple(sorted(row)), []).append(row)
            for rows_with_same_keys in groups.values():
                session.execute(model.__table__.insert(), rows_with_same_keys)
            count += len(batch)
            bar.update(len(batch))
    return count


def _demo_accounts(
    session, centre_ids_by_district: dict[str, int], employer_ids: list[int], agency_id: int, seeker_id: int | None
) -> None:
    from exchange.accounts.operations import hash_password

    password_hash = hash_password(DEMO_PASSWORD)
    roles = [AccountRole.SEEKER, AccountRole.EMPLOYER, AccountRole.AGENCY, AccountRole.CENTRE, AccountRole.ADMIN]
    names = ["Айгерім Серікқызы", "Ерлан Ахметов", "Дана Ким", "Гүлнар Оспанова", "Администратор"]
    users = []
    for email, role, name in zip(DEMO_ACCOUNTS, roles, names, strict=True):
        if session.scalar(sa.select(User.id).where(User.email == email)):
            return
        user = User(email=email, password_hash=password_hash, full_name=name, role=role, phone="+77011234567", locale="ru")
        session.add(user)
        users.append(user)
    session.flush()
    almaty_centre = centre_ids_by_district.get("751210000") or next(iter(centre_ids_by_district.values()))
    session.add_all([
        Membership(user_id=users[1].id, organisation_id=employer_ids[0], role=MemberRole.OWNER),
        Membership(user_id=users[2].id, organisation_id=agency_id, role=MemberRole.OWNER),
        Membership(user_id=users[3].id, organisation_id=almaty_centre, role=MemberRole.OWNER),
    ])
    if seeker_id is not None:
        # The demo seeker owns a generated profile with its resume, so the cabinet is not empty.
        session.execute(sa.update(SeekerProfile).where(SeekerProfile.id == seeker_id).values(user_id=users[0].id))
    session.flush()


def load(app: Flask, *, vacancies: int, resumes: int, seed: int = 1, progress: bool = True) -> dict[str, Any]:
    from exchange.app import state

    started = utcnow()
    rng = random.Random(seed)
    db = state(app).db
    summary: dict[str, Any] = {}
    with db.unit_of_work() as session:
        if not classifiers.CACHE.scheme(session, Scheme.KATO):
            classifiers.load_classifiers(session)
        kato = classifiers.CACHE.scheme(session, Scheme.KATO)
        districts = [e.code for e in kato.values() if e.level == 2]
        regions = [e.code for e in kato.values() if e.level == 1]
        titles = _occupation_titles(session)
        codes = sorted(titles)
        education = [e.code for e in classifiers.CACHE.scheme(session, Scheme.EDUCATION).values()] or [None]
        licences = [e.code for e in classifiers.CACHE.scheme(session, Scheme.LICENCE).values()]
        now = utcnow()
        used_bins = set(session.scalars(sa.select(Organisation.bin).where(Organisation.bin.is_not(None))))
        used_iins = set(session.scalars(sa.select(SeekerProfile.iin)))

        # Organisations: one employment centre per district, employers across regions, a few agencies.
        org_ids = _Ids(session, Organisation)
        existing_centres = {
            code: org_id
            for code, org_id in session.execute(
                sa.select(Organisation.kato_code, Organisation.id).where(Organisation.kind == OrganisationKind.CENTRE)
            )
        }
        centre_rows, centre_ids = [], dict(existing_centres)
        for code in districts:
            if code in centre_ids:
                continue
            centre_ids[code] = org_ids.take()
            centre_rows.append({
                "id": centre_ids[code], "kind": OrganisationKind.CENTRE, "name": f"{kato[code].name_kk} — халықты жұмыспен қамту орталығы",
                "kato_code": code, "active": True, "created_at": now, "updated_at": now,
            })
        n_employers = max(10, vacancies // 15)
        employer_rows = []
        for _ in range(n_employers):
            region = rng.choice(districts)
            employer_rows.append({
                "id": org_ids.take(), "kind": OrganisationKind.EMPLOYER,
                "name": f"{rng.choice(COMPANY_FORMS)} «{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)}»",
                "bin": _bin(rng, used_bins), "kato_code": region, "phone": _phone(rng), "active": True,
                # Employers joined over the last two years, so the statistics have a history.
                **dict.fromkeys(("created_at", "updated_at"), now - dt.timedelta(days=rng.randint(1, 700))),
            })
        agency_rows = [{
            "id": org_ids.take(), "kind": OrganisationKind.AGENCY, "name": f"ЧАЗ «{rng.choice(COMPANY_WORDS)} Кадры»",
            "bin": _bin(rng, used_bins), "registry_number": f"ЖЖА-{rng.randint(1000, 9999)}", "kato_code": rng.choice(districts),
            "active": True, **dict.fromkeys(("created_at", "updated_at"), now - dt.timedelta(days=rng.randint(1, 700))),
        } for _ in range(3)]
        summary["organisations"] = _insert(session, Organisation, iter(centre_rows + employer_rows + agency_rows),
                                           len(centre_rows) + len(employer_rows) + len(agency_rows), "organisations", progress)
        employer_ids = [r["id"] for r in employer_rows]
        employer_region = {r["id"]: r["kato_code"] for r in employer_rows}

        # Seekers, their registrations and resumes.
        seeker_ids, resume_ids, reg_ids = _Ids(session, SeekerProfile), _Ids(session, Resume), _Ids(session, Registration)
        seekers, registrations, resume_rows, history = [], [], [], []
        first_seeker_id = seeker_ids.next if resumes else None
        for _ in range(resumes):
            iin, born, female = _iin(rng, used_iins)
            district = rng.choice(districts)
            sid = seeker_ids.take()
            last = rng.choice(LAST_NAMES_KK + LAST_NAMES_RU)
            registered = rng.random() < 0.4
            category = rng.choice([SeekerCategory.JOB_SEEKER, SeekerCategory.UNEMPLOYED]) if registered else SeekerCategory.JOB_SEEKER
            joined = now - dt.timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
            seekers.append({
                "id": sid, "iin": iin, "last_name": last + ("а" if female and last.endswith(("ов", "ев", "ин")) else ""),
                "first_name": rng.choice(FIRST_F if female else FIRST_M), "middle_name": rng.choice(MIDDLE_F if female else MIDDLE_M),
                "birth_date": born, "phone": _phone(rng), "kato_code": district, "category": category,
                "has_disability": rng.random() < 0.03, "consent_publish_at": joined if rng.random() < 0.92 else None,
                "created_at": joined, "updated_at": joined,
            })
            if registered:
                registrations.append({
                    "id": reg_ids.take(), "seeker_id": sid, "centre_id": centre_ids[district], "category": category,
                    "registered_at": joined + (now - joined) * rng.random(),
                })
            code = rng.choice(codes)
            published = now - dt.timedelta(days=rng.randint(0, 27), minutes=rng.randint(0, 1440))
            lat, lon = _point(rng, classifiers.region_centre(session, district))
            rid = resume_ids.take()
            resume_rows.append({
                "id": rid, "seeker_id": sid, "title": rng.choice(titles[code]), "occupation_code": code,
                "skills": rng.sample(SKILLS, rng.randint(1, 5)),
                "languages": [{"code": "kk", "level": rng.choice(["native", "C1", "B2"])}, {"code": "ru", "level": rng.choice(["native", "C1", "B2"])}]
                + ([{"code": "en", "level": rng.choice(["A2", "B1", "B2"])}] if rng.random() < 0.3 else []),
                "driving_licences": rng.sample(licences, rng.randint(0, 2)) if licences else [],
                "education_level": rng.choice(education), "experience_months": rng.randint(0, 300),
                "desired_salary": rng.choice([None, 150000, 200000, 250000, 300000, 400000, 500000, 700000]),
                "desired_schedule": rng.choice(list(Schedule)), "desired_employment_type": rng.choice(list(EmploymentType)),
                "kato_code": district, "lat": lat, "lon": lon, "willing_to_relocate": rng.random() < 0.2,
                "visibility": Visibility.HIDDEN if rng.random() < 0.05 else Visibility.ACTIVE,
                "source": RecordSource.CENTRE if registered and rng.random() < 0.3 else RecordSource.SELF,
                "published_at": published, "expires_at": add_months(published, 1),
                "about": rng.choice(DESCRIPTIONS_RU + DESCRIPTIONS_KK), "created_at": published, "updated_at": published, "version": 1,
            })
            if rng.random() < 0.6:
                start = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randint(0, 4000))
                history.append({
                    "resume_id": rid, "employer_name": f"{rng.choice(COMPANY_FORMS)} «{rng.choice(COMPANY_WORDS)}»",
                    "position": rng.choice(titles[code]), "occupation_code": code, "start_date": start,
                    "end_date": start + dt.timedelta(days=rng.randint(90, 2000)), "created_at": now,
                })
        summary["seekers"] = _insert(session, SeekerProfile, iter(seekers), len(seekers), "seekers", progress)
        summary["registrations"] = _insert(session, Registration, iter(registrations), len(registrations), "registrations", progress)
        summary["resumes"] = _insert(session, Resume, iter(resume_rows), len(resume_rows), "resumes", progress)
        _insert(session, WorkHistoryEntry, iter(history), len(history), "work history", progress)
        del seekers, resume_rows, history, registrations

        def vacancy_rows() -> Iterator[dict[str, Any]]:
            vac_ids = _Ids(session, Vacancy)
            for _ in range(vacancies):
                org = rng.choice(employer_ids)
                district = employer_region[org] if rng.random() < 0.7 else rng.choice(districts)
                code = rng.choice(codes)
                low = rng.choice([None, 85000, 120000, 150000, 200000, 250000, 300000, 400000, 600000])
                kind = rng.choices(list(VacancyKind), weights=[85, 7, 5, 3])[0]
                published = now - dt.timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
                lat, lon = _point(rng, classifiers.region_centre(session, district))
                status = rng.choices([VacancyStatus.PUBLISHED, VacancyStatus.DRAFT, VacancyStatus.CLOSED], weights=[88, 6, 6])[0]
                positions = rng.choice([1, 1, 1, 2, 3, 5])
                yield {
                    "id": vac_ids.take(), "organisation_id": org, "title": rng.choice(titles[code]), "occupation_code": code,
                    "description": rng.choice(DESCRIPTIONS_RU) + "\n\n" + rng.choice(DESCRIPTIONS_KK),
                    "min_experience_months": rng.choice([0, 0, 6, 12, 24, 36, 60]), "education_level": rng.choice(education),
                    "languages": [{"code": rng.choice(["kk", "ru"]), "level": "B2"}],
                    "driving_licences": [rng.choice(licences)] if licences and rng.random() < 0.15 else [],
                    "skills": rng.sample(SKILLS, rng.randint(1, 4)),
                    "salary_from": low, "salary_to": (low + rng.choice([0, 50000, 100000, 200000])) if low and rng.random() < 0.6 else None,
                    "employment_type": rng.choices(list(EmploymentType), weights=[70, 12, 8, 6, 4])[0],
                    "schedule": rng.choice(list(Schedule)), "working_regime": rng.choice(list(WorkingRegime)),
                    "kato_code": district, "lat": lat, "lon": lon, "positions": positions,
                    "positions_filled": positions if status == VacancyStatus.CLOSED else 0, "kind": kind,
                    "accessible": rng.random() < 0.1, "status": status, "source": VacancySource.EMPLOYER,
                    "published_at": published if status != VacancyStatus.DRAFT else None,
                    "closed_at": now if status == VacancyStatus.CLOSED else None,
                    "close_reason": "filled" if status == VacancyStatus.CLOSED else None,
                    "view_count": rng.randint(0, 500), "created_at": published, "updated_at": published, "version": 1,
                }

        summary["vacancies"] = _insert(session, Vacancy, vacancy_rows(), vacancies, "vacancies", progress)
        agency_id = agency_rows[0]["id"]
        _demo_accounts(session, centre_ids, employer_ids, agency_id, first_seeker_id)
        if regions:
            summary["regions"] = len(regions)
    for hook in POST_LOAD_HOOKS:
        hook(app, progress)
    summary["seconds"] = round((utcnow() - started).total_seconds(), 1)
    return summary


# Called after demo data is committed (e.g. the search index rebuild).
def _rebuild_search_index(app: Flask, progress: bool) -> None:
    from search.cli import demo_hook

    demo_hook(app, progress)


def _roll_up_indicators(app: Flask, progress: bool) -> None:
    """So the public statistics page has figures on the first run, not the next night."""
    from exchange.indicators.jobs import rollup

    rollup(app)


POST_LOAD_HOOKS: list = [_rebuild_search_index, _roll_up_indicators]
