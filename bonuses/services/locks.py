"""Locks that keep the referral tree consistent under concurrent writers.

treebeard computes a new node's path from its last sibling, so two inserts under the
same sponsor, or two new roots, would pick the same path. An insert under a sponsor is
serialised by the sponsor's row lock (treebeard's add_child takes it). New roots and
moves have no single row to lock, so they take a transaction-level advisory lock on
PostgreSQL: inserts hold the tree lock shared, moves and bulk loads hold it exclusive.
SQLite needs none of this: its IMMEDIATE transactions already admit one writer at a time.
"""

from django.db import connection

TREE_LOCK = 7_261_001
ROOTS_LOCK = 7_261_002


def _advisory(key: int, *, shared: bool = False) -> None:
    if connection.vendor != "postgresql":
        return
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fn}(%s)", [key])


def lock_tree_for_insert() -> None:
    """Taken by every insert: lets inserts run together but not beside a move."""
    _advisory(TREE_LOCK, shared=True)


def lock_roots() -> None:
    """Serialises the creation of new roots (no sponsor row to lock)."""
    _advisory(ROOTS_LOCK)


def lock_tree_exclusive() -> None:
    """Taken by moves and bulk loads, which rewrite or hand out many paths at once."""
    _advisory(TREE_LOCK)
