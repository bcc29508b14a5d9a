"""Member search: the one rule behind every search box and autocomplete of the admin, and
the normalised key every writer of members keeps. Runs on SQLite and PostgreSQL alike."""

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from bonuses import services
from bonuses.models import Member
from bonuses.models.members import SEARCH_KEY_FIELDS, member_search_key
from bonuses.selectors.search import member_search
from bonuses.services.demo import load_demo_club
from core.search import normalise, phone_digit_variants
from tests.factories import enroll
from tests.imports.helpers import csv_bytes, member_row, write

pytestmark = pytest.mark.django_db


def found(text) -> set[int]:
    return set(member_search(text).values_list("pk", flat=True))


@pytest.fixture
def artyom(django_user_model):
    return enroll(
        last_name="Сёмина",
        first_name="Артём",
        middle_name="Ильич",
        email="Artyom.Semin@Example.test",
        phone="+77011234567",
        external_id="C-1001",
        user=django_user_model.objects.create_user("artyom.s"),
    )


@pytest.fixture
def others():
    return [
        enroll(last_name="Семенов", first_name="Иван", phone="+77019999999", external_id="C-2"),
        enroll(last_name="Ким", first_name="Анна", email="anna@mail.test"),
    ]


def test_normalise_folds_case_and_yo_and_spaces():
    assert normalise("  СЁМИНА   Артём ") == "семина артем"
    assert normalise("ÉCOLE") == "école"


def test_phone_variants_read_the_trunk_prefix_as_the_country_code(settings):
    settings.PHONENUMBER_DEFAULT_REGION = "KZ"
    assert phone_digit_variants("8 (701) 123-45") == ["870112345", "770112345"]
    assert phone_digit_variants("+7 701") == ["7701"]


@pytest.mark.parametrize(
    "text",
    [
        "Артём",  # a first name alone
        "артем",  # lower case, е for ё
        "СЁМИНА",  # a surname in capitals
        "СЕМИНА",
        "семина артем",  # surname first-name
        "Артём Сёмина",  # first-name surname
        "Сёмина Артём Ильич",
        "сёми",  # the beginning of a surname
        "artyom.semin@",  # part of an email, in any case
        "EXAMPLE.TEST",
        "8 701 123 45 67",  # the phone in every local form, whole or in part
        "87011234567",
        "+7 701 123 45 67",
        "+7 (701) 123-45",
        "701 123",
        "7011234567",
        "C-1001",  # the club number, exact or in part
        "c-100",
        "artyom.s",  # the login
    ],
)
def test_every_way_staff_type_a_member_finds_them(artyom, others, text):
    assert found(text) == {artyom.pk}


def test_referral_code_finds_the_member(artyom, others):
    assert found(artyom.referral_code) == {artyom.pk}


def test_every_word_must_match(artyom, others):
    assert found("Сёмина Иван") == set()
    assert found("семенов") == {others[0].pk}
    assert found("анна ким") == {others[1].pk}
    assert found("ким") == {others[1].pk}


def test_empty_search_is_everyone(artyom, others):
    assert found("  ") == {artyom.pk, *(m.pk for m in others)}


def test_search_key_follows_the_member_services(artyom):
    services.member_update(member=artyom, last_name="Петрова", phone="8 705 000 00 00")
    assert found("петрова") == {artyom.pk}
    assert found("сёмина") == set()
    assert found("8 705 000") == {artyom.pk}


def _assert_keys_current():
    rows = Member.objects.values("search_key", *SEARCH_KEY_FIELDS)
    for row in rows:
        key = row.pop("search_key")
        assert key and key == member_search_key(**row), row


def test_every_writer_of_members_keeps_the_key(tmp_path, django_user_model):
    load_demo_club()
    call_command("seed_demo", members=50, months=1, seed=3)
    sponsor = Member.objects.order_by("pk").first()
    data = csv_bytes(
        [
            member_row("IMP1", "Ёлка", sponsor=sponsor.external_id, last_name="Новая"),
            member_row(sponsor.external_id, "Переименован", last_name=sponsor.last_name),
        ]
    )
    call_command("import_members", write(tmp_path, "members.csv", data))
    services.member_signup(
        username="sam",
        password="a-long-password-1",
        email="sam@x.test",
        first_name="Сэм",
        last_name="Подписка",
    )
    _assert_keys_current()
    assert found("елка новая") == {Member.objects.get(external_id="IMP1").pk}
    assert sponsor.pk in found("переименован")


def test_migration_fills_the_keys_of_existing_members(artyom, others):
    from importlib import import_module

    from django.apps import apps

    Member.objects.update(search_key="")
    migration = import_module("bonuses.migrations.0010_member_search_ledger_reasons")
    migration.fill_search_keys(apps, SimpleNamespace(connection=connection))
    _assert_keys_current()


def test_an_exact_club_number_finds_that_member_alone(artyom, others):
    longer = enroll(first_name="Longer", external_id="C-10011")
    assert found("C-1001") == {artyom.pk}
    assert found("C-100") == {artyom.pk, longer.pk}


def test_many_matches_are_a_filter_instead_of_a_list_of_ids(artyom, others, monkeypatch):
    from bonuses.selectors import search

    monkeypatch.setattr(search, "MATCH_LIMIT", 1)
    assert not isinstance(search.matching_member_ids("сем"), list)
    assert found("сем") == {artyom.pk, others[0].pk}
    assert isinstance(search.matching_member_ids("ким"), list)
