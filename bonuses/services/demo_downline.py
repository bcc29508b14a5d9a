"""A member with a large random downline, for the member page's benchmark and tests."""

from django.db import connection, transaction

from bonuses.models import Member

from .demo import seed_club
from .figures import figures_add_members
from .locks import lock_tree_exclusive
from .members import member_enroll


@transaction.atomic
def seed_downline(*, members: int, months: int = 3, seed: int | None = None) -> Member:
    """A new member whose downline is a random club of `members` members.

    seed_club builds the club with its own roots (fast bulk paths); hanging those roots
    under one new member is a single path prefix, as a treebeard move would write it,
    without moving the roots one by one."""
    lock_tree_exclusive()
    top = member_enroll(first_name="Bench", last_name="Top")
    seed_club(members=members, months=months, seed=seed, figures=False)
    table = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET sponsor_id = %s WHERE id > %s AND sponsor_id IS NULL",
            [top.pk, top.pk],
        )
        roots = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} SET path = %s || path, depth = depth + 1 WHERE id > %s",
            [top.path, top.pk],
        )
    Member.objects.filter(pk=top.pk).update(numchild=roots)
    figures_add_members(since_id=top.pk + 1)
    return Member.objects.get(pk=top.pk)
