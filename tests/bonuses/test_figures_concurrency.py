"""Payment toggles, enrolments and moves racing on PostgreSQL leave the maintained
figures exact: every writer holds the tree lock (shared or exclusive) and upserts the
ancestors' rows in key order."""

import random

import pytest

from bonuses import services
from bonuses.models import Member
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY
from tests.factories import chain, enroll

from .figures_helpers import assert_figures_exact
from .test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_toggles_enrolments_and_moves_at_once_keep_the_figures_exact(on_postgres):
    spine = chain(6)
    left, right = enroll(spine[-1]), enroll(spine[2])
    movers = [enroll(left) for _ in range(4)]
    payers = [enroll(m) for m in movers for _ in range(3)] + spine
    for m in payers[::2]:
        services.payment_mark_paid(member=m, period=JUNE)

    def work(i):
        rng = random.Random(i)
        for round_ in range(6):
            if i < 3:
                member = Member.objects.get(pk=movers[(i + round_) % len(movers)].pk)
                target = right if member.sponsor_id == left.pk else left
                services.member_change_sponsor(member=member, sponsor=target)
            elif i < 5:
                enroll(rng.choice(payers))
            else:
                payer = rng.choice(payers)
                services.payment_set(
                    member=payer,
                    period=rng.choice([JUNE, MAY]),
                    paid=rng.random() < 0.6,
                    amount=rng.choice([None, "9000", "12500.50"]),
                )

    assert run_together(12, work) == []
    assert_figures_exact([APRIL, MAY, JUNE])


def test_concurrent_batches_on_shared_ancestors_do_not_deadlock(on_postgres):
    top = chain(5)[-1]
    groups = [[enroll(enroll(top)) for _ in range(8)] for _ in range(6)]

    def work(i):
        for paid in (True, False, True):
            # Overlapping batches in different orders: the upserts lock rows in key order.
            members = groups[i] + groups[(i + 1) % 6]
            random.Random(i).shuffle(members)
            services.payments_set_batch(members=members, period=JUNE, paid=paid)

    assert run_together(6, work) == []
    assert_figures_exact([JUNE])


def test_payments_of_one_member_in_different_months_at_once_keep_the_first_paid_month(
    on_postgres,
):
    from django.db.models import Min

    from bonuses.models import Payment

    members = [enroll(enroll()) for _ in range(3)]
    months = [APRIL, MAY, JUNE]

    def work(i):
        # Each worker owns one month (as two desks would): only the member's row orders them.
        rng = random.Random(i)
        for _ in range(8):
            services.payment_set(
                member=rng.choice(members), period=months[i % 3], paid=rng.random() < 0.5
            )

    assert run_together(9, work) == []
    firsts = dict(
        Payment.objects.filter(paid=True)
        .values("member")
        .annotate(f=Min("period"))
        .values_list("member", "f")
    )
    for member in members:
        assert Member.objects.get(pk=member.pk).first_paid == firsts.get(member.pk), member
