"""Tree writers racing on PostgreSQL: every request succeeds and the tree stays valid."""

import threading

import pytest
from django.db import connection

from bonuses import services
from bonuses.models import Member
from tests.factories import enroll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count, work):
    """Start `count` threads that each call work(i) at the same moment."""
    barrier = threading.Barrier(count)
    errors = []

    def target(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_fifty_concurrent_enrolments_under_one_sponsor(on_postgres):
    sponsor = enroll()
    errors = run_together(50, lambda i: services.member_enroll(sponsor=sponsor, first_name=f"C{i}"))
    assert errors == []
    sponsor.refresh_from_db()
    assert sponsor.numchild == 50
    assert Member.objects.get_children(sponsor).count() == 50
    assert Member.objects.find_problems() == ([], [], [], [], [])


def test_concurrent_roots_and_moves_keep_the_tree_valid(on_postgres):
    tops = [enroll() for _ in range(4)]
    kids = [enroll(tops[i % 4]) for i in range(8)]

    def work(i):
        if i < 10:
            services.member_enroll(first_name=f"Root{i}")
        elif i < 18:
            services.member_change_sponsor(member=kids[i - 10], sponsor=tops[(i + 1) % 4])
        else:
            services.member_enroll(sponsor=kids[i % 8], first_name=f"K{i}")

    assert run_together(26, work) == []
    assert Member.objects.count() == 4 + 8 + 10 + 8
    assert Member.objects.find_problems() == ([], [], [], [], [])
    for member in Member.objects.all():
        parent = Member.objects.get_parent(member)
        assert member.sponsor_id == (parent.pk if parent else None)
