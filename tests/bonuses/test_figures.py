"""Maintained figures: every service that changes the inputs keeps them equal to the
naive computation; the readers use them; the safety net finds and repairs a difference."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from bonuses import services
from bonuses.models import DownlineCount, DownlineVolume, FiguresCheck, Member
from bonuses.selectors import member_statement
from bonuses.services.demo import seed_club
from bonuses.services.demo_downline import seed_downline
from bonuses.services.figures import figures_rebuild
from bonuses.services.plans import all_plan_terms
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW, pay, worked_example
from tests.factories import UserFactory, chain, enroll
from tests.imports.helpers import csv_bytes, member_row, write

from .figures_helpers import assert_figures_exact, kept_figures, naive_figures, naive_month_total

pytestmark = pytest.mark.django_db
PERIODS = [APRIL, MAY, JUNE]


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_worked_example_keeps_the_followers_and_payments_per_level():
    m = worked_example(JUNE)
    member = m["member"]
    assert dict(DownlineCount.objects.filter(earner=member).values_list("level", "followers")) == {
        1: 1,
        2: 2,
        3: 1,
        4: 2,
    }
    assert set(
        DownlineVolume.objects.filter(earner=member, period=JUNE).values_list(
            "level", "cents", "paid"
        )
    ) == {(1, 1_500_000, 1), (2, 1_500_000, 2), (4, 1_500_000, 2)}
    assert member_statement(member=member, period=JUNE).month_total == Decimal("4050.00")
    assert_figures_exact(PERIODS)


def test_unpaid_and_amount_changes_move_the_payers_ancestors_rows():
    top, mid, payer = chain(3)
    pay(payer, JUNE)
    services.payment_set(member=payer, period=JUNE, paid=True, amount="12000")
    assert set(DownlineVolume.objects.filter(paid__gt=0).values_list("earner_id", "cents")) == {
        (mid.pk, 1_200_000),
        (top.pk, 1_200_000),
    }
    services.payment_mark_unpaid(member=payer, period=JUNE)
    assert not DownlineVolume.objects.filter(paid__gt=0).exists()
    assert_figures_exact(PERIODS)


def test_a_batch_of_payments_is_one_upsert(django_assert_max_num_queries):
    top = enroll()
    members = [enroll(top) for _ in range(20)]
    services.payments_set_batch(members=members, period=JUNE, paid=True)
    assert DownlineVolume.objects.get(earner=top, period=JUNE).paid == 20
    assert_figures_exact(PERIODS)


def test_a_toggle_costs_the_same_whatever_the_downline(django_assert_max_num_queries):
    deep = chain(8)
    # 14 on PostgreSQL: the locks, the payment, the ancestors' upsert, the first paid month.
    with django_assert_max_num_queries(14) as small:
        pay(deep[-1], JUNE)
    big = enroll(deep[-1])
    seed_downline(members=300, months=1, seed=3)  # a busy club beside it
    with django_assert_max_num_queries(14) as large:
        pay(big, JUNE)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert_figures_exact(PERIODS)


def test_moves_carry_the_subtree_to_the_new_ancestors():
    a, b = chain(2)
    x = enroll(b)
    y = enroll(x)
    z = enroll(y)
    other = chain(3)
    for member in (x, y, z):
        pay(member, JUNE)
        pay(member, MAY, amount="10000")
    services.month_close(period=APRIL)  # a closed month stays as its close read it
    services.member_change_sponsor(member=x, sponsor=other[-1])
    assert_figures_exact(PERIODS)
    services.member_remove_sponsor(member=x)
    assert_figures_exact(PERIODS)
    services.member_change_sponsor(member=y, sponsor=a)
    assert_figures_exact(PERIODS)


def test_delete_takes_the_member_out_of_the_counts():
    top, mid = chain(2)
    leaf = enroll(mid)
    services.member_delete(member=leaf)
    assert not DownlineCount.objects.filter(earner=top, level=2, followers__gt=0).exists()
    assert_figures_exact(PERIODS)


def test_sponsor_request_approval_moves_the_figures():
    sponsor, newcomer = enroll(), enroll()
    pay(newcomer, JUNE)
    newcomer.user = UserFactory()
    newcomer.save()
    request = services.sponsor_request_create(member=newcomer, text=sponsor.referral_code)
    admin = UserFactory(is_staff=True, is_superuser=True)
    services.sponsor_request_approve(sponsor_request=request, by=admin)
    assert DownlineVolume.objects.get(earner=sponsor, period=JUNE).paid == 1
    assert_figures_exact(PERIODS)


def test_imports_fill_the_figures_set_based(tmp_path):
    boss = enroll(external_id="B0")
    path = write(
        tmp_path,
        "members.csv",
        csv_bytes(
            [member_row("N1", "One", "B0"), member_row("N2", "Two", "N1")]
            + [member_row(f"N{i}", f"M{i}", "N2") for i in range(3, 8)]
        ),
    )
    call_command("import_members", path)
    assert DownlineCount.objects.get(earner=boss, level=3).followers == 5
    rows = [
        ["N1", "2026-06", "", "да"],
        ["N2", "2026-06", "9000", "да"],
        ["N5", "2026-05", "", "1"],
    ]
    payments = write(
        tmp_path, "payments.csv", csv_bytes(rows, ["member", "month", "amount", "paid"])
    )
    call_command("import_payments", payments)
    assert_figures_exact(PERIODS)
    rows = [["N2", "2026-06", "", "нет"], ["N5", "2026-05", "12000", "1"]]
    payments = write(tmp_path, "again.csv", csv_bytes(rows, ["member", "month", "amount", "paid"]))
    call_command("import_payments", payments)
    assert_figures_exact(PERIODS)


def test_seed_demo_and_a_seeded_downline_fill_the_figures():
    seed_club(members=300, months=3, seed=5)
    seed_downline(members=200, months=2, seed=6)
    assert_figures_exact(PERIODS)


def test_rebuild_gives_the_same_rows_as_the_upkeep():
    worked_example(JUNE)
    seed_club(members=150, months=3, seed=7)
    before = kept_figures(PERIODS)
    DownlineVolume.objects.all().delete()
    DownlineCount.objects.all().delete()
    figures_rebuild()
    assert kept_figures(PERIODS) == before == naive_figures(PERIODS)


def test_a_plan_has_at_most_the_levels_the_figures_keep():
    with pytest.raises(ValidationError, match="at most 6 levels"):
        services.plan_create_version(
            effective_from=JUNE,
            monthly_price="15000",
            rates=["0.01"] * 7,
            referred_rate="0.05",
            packages=[],
        )


def test_member_page_runs_the_same_queries_for_the_founder_and_a_newcomer(
    client, django_assert_max_num_queries
):
    # Both with a sponsor: a member without one also sees their sponsor request (one
    # query more), whatever their downline.
    founder = enroll(enroll(), user=UserFactory())
    seed_downline(members=50, months=3, seed=2)
    top = Member.objects.get(first_name="Bench")
    services.member_change_sponsor(member=top, sponsor=founder)
    newcomer = enroll(enroll(), user=UserFactory())
    all_plan_terms()  # read once per process, then kept: not what is compared
    counts = []
    for member in (founder, newcomer):
        client.force_login(member.user)
        with django_assert_max_num_queries(20) as queries:
            assert client.get(reverse("bonuses:me")).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    statement = member_statement(member=founder)
    assert statement.followers > 30
    assert statement.month_total == naive_month_total(founder, JUNE)


def _corrupt(member):
    DownlineVolume.objects.filter(earner=member, period=JUNE).update(paid=7)


def test_check_statements_finds_reports_and_repairs_a_difference(capsys):
    m = worked_example(JUNE)
    call_command("check_statements")
    assert "0 differences" in capsys.readouterr().out
    _corrupt(m["member"])
    with pytest.raises(CommandError, match="differences"):
        call_command("check_statements", "--period", "2026-06")
    out = capsys.readouterr().out
    assert f"member #{m['member'].pk} level 1 paid 15000.00: expected 1, kept 7" in out
    call_command("check_statements", "--repair")
    assert "Rebuilt the figures of 2026-06" in capsys.readouterr().out
    assert_figures_exact(PERIODS)
    call_command("check_statements", "--sample", "5")
    assert "0 differences" in capsys.readouterr().out
    assert list(FiguresCheck.objects.order_by("id").values_list("differences", "repaired")) == [
        (0, False), (3, False), (3, True), (0, False)
    ]  # fmt: skip


def test_check_statements_refuses_a_closed_month():
    worked_example(MAY)
    services.month_close(period=MAY)
    with pytest.raises(CommandError, match="closed"):
        call_command("check_statements", "--period", "2026-05")


def test_the_nightly_check_samples_and_the_dashboard_shows_it(admin_client):
    from bonuses.tasks import check_statements

    m = worked_example(JUNE)
    _corrupt(m["member"])
    assert check_statements() == "8 members, 3 differences"
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="statements-check" data-differences="3"' in page
    assert "check_statements --repair" in page
    # Its time in the reader's format: English "1 Jun 2026, HH:MM", Russian "01.06.2026 HH:MM".
    FiguresCheck.objects.update(checked_at=datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    english = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Statements check 1 Jun 2026, 1" in english.content.decode()
    russian = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru")
    assert "01.06.2026 1" in russian.content.decode()


def test_a_period_from_the_figures_equals_the_walk_of_the_tree():
    from bonuses.services.close import compute_period, compute_period_from_figures
    from bonuses.services.plans import plan_terms

    worked_example(JUNE)
    seed_club(members=200, months=2, seed=9)
    for must_be_active in (False, True):
        services.plan_create_version(
            effective_from=JUNE if not must_be_active else date(2026, 7, 1),
            monthly_price="15000",
            rates=["0.1", "0.05", "0.033"],
            referred_rate="0.05",
            packages=[],
            earner_must_be_active=must_be_active,
        )
        terms = plan_terms(JUNE if not must_be_active else date(2026, 7, 1))
        walked, kept = compute_period(JUNE, terms), compute_period_from_figures(JUNE, terms)
        assert {m: row for m, row in kept.levels.items() if any(row)} == {
            m: row for m, row in walked.levels.items() if any(row)
        }
        assert kept.referred == walked.referred
        assert kept.payments == walked.payments
