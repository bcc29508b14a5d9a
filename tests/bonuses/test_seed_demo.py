import pytest
from django.core.management import call_command
from django.db.models import Count

from bonuses.models import Member, Payment
from bonuses.services.demo import load_demo_club
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_the_requested_club(capsys):
    call_command("seed_demo", members=500, months=3, seed=7)
    assert Member.objects.count() == 500
    assert Member.objects.find_problems() == ([], [], [], [], [])
    assert "Added 500 members" in capsys.readouterr().out
    # Every member's sponsor key agrees with the tree.
    for member in Member.objects.all():
        parent = Member.objects.get_parent(member)
        assert member.sponsor_id == (parent.pk if parent else None)
    referrals = sorted(
        Member.objects.annotate(n=Count("referrals")).values_list("n", flat=True), reverse=True
    )
    assert referrals[0] >= 10  # a few members bring many
    assert sorted(referrals)[len(referrals) // 2] <= 1  # most bring few
    periods = set(Payment.objects.values_list("period", flat=True))
    assert len(periods) == 3 and all(p.day == 1 for p in periods)


def test_seed_demo_adds_to_an_existing_tree_and_is_repeatable():
    existing = enroll()
    enroll(existing)
    call_command("seed_demo", members=50, months=1, seed=1)
    call_command("seed_demo", members=50, months=1, seed=1)
    assert Member.objects.count() == 102
    assert Member.objects.find_problems() == ([], [], [], [], [])
    # A new member enrolled after the bulk load gets a fresh path (ids and paths moved on).
    newest = Member.objects.order_by("-id").first()
    assert enroll(newest).pk > newest.pk
    assert Member.objects.find_problems() == ([], [], [], [], [])


def test_demo_club_loads_once():
    assert load_demo_club() is True
    assert load_demo_club() is False
    assert Member.objects.count() == 39
    assert Member.objects.filter(sponsor=None).count() == 3
    assert Member.objects.order_by("-depth").first().depth == 6
    assert Payment.objects.values("period").distinct().count() == 6
    assert Member.objects.get(user__username="anna").depth == 1


def assert_consistent_history():
    """Nobody joined before their sponsor; nobody paid or earned before joining."""
    from bonuses.models import LedgerEntry

    members = {m.pk: m for m in Member.objects.all()}
    for member in members.values():
        if member.sponsor_id:
            assert members[member.sponsor_id].joined_on <= member.joined_on, member
    for payment in Payment.objects.all():
        assert payment.period >= members[payment.member_id].joined_on.replace(day=1), payment
    for entry in LedgerEntry.objects.exclude(period=None):
        assert entry.period >= members[entry.member_id].joined_on.replace(day=1), entry


def test_the_demo_club_is_a_consistent_history(time_machine):
    from bonuses.models import LedgerEntry, MonthClose
    from bonuses.services.demo import demo_catch_up
    from core.periods import add_months, current_period

    time_machine.move_to("2026-06-15 12:00:00+06:00", tick=False)
    load_demo_club()
    done = demo_catch_up()
    # Every past month with payments is closed, so "Previous months" is real.
    first = Payment.objects.order_by("period").first().period
    last = add_months(current_period(), -1)
    assert done.closed[0] == first and done.closed[-1] == last
    assert MonthClose.objects.count() == len(done.closed) == 5
    assert LedgerEntry.objects.filter(member__user__username="anna").exists()
    assert_consistent_history()
    # Repeating it (make demo run again) closes and sends nothing more.
    again = demo_catch_up()
    assert again.closed == [] and again.sent == 0


def test_seed_demo_keeps_the_same_rule():
    from bonuses.services.close import month_close

    call_command("seed_demo", members=400, months=4, seed=11)
    month_close()
    assert_consistent_history()
