"""The member's downline as a tree the page opens level by level."""

from dataclasses import dataclass
from datetime import date

from django.db import connection

from bonuses.models import Member, Payment
from core import prepared
from core.periods import current_period

# A level of the tree is listed this many members at a time ("Show more" asks for the
# next ones): a branch of thousands of direct followers renders in one small query, and
# the page costs the same for a founder as for a newcomer (docs/benchmarks.md).
BRANCH_LIMIT = 50


@dataclass(frozen=True)
class DownlineNode:
    member_id: int
    path: str
    name: str  # first name and last initial: all a member may see of another
    level: int
    active: bool
    children: int  # direct followers; 0 at the plan's last level (not expandable)


@dataclass(frozen=True)
class Branch:
    nodes: list[DownlineNode]
    more: int  # followers of this branch after the listed ones, not listed yet
    parent_path: str = ""  # the member whose followers these are
    # The path of the last listed node when `more` is not zero: where the next ones start.
    last_path: str = ""


def downline_children(
    *,
    root: Member,
    parent: Member,
    levels: int,
    period: date | None = None,
    after: str = "",
) -> Branch:
    """Direct followers of `parent` (itself `root` or in root's downline), BRANCH_LIMIT
    at a time in path order (the order they joined in), with their active flag for
    `period` (default this month): one query, and one more to count what is left when
    `after` (the path of the last node already listed) asks for a later page. Nodes at
    root's `levels`-th level show no children, since the plan does not reach below them."""
    period = period or current_period()
    quote = connection.ops.quote_name
    members, payments = quote(Member._meta.db_table), quote(Payment._meta.db_table)
    # By hand: every member page lists a branch, and the ORM's building of this query
    # was its most expensive selector (0.9 ms of CPU). The sponsor is the tree parent
    # (the services keep both in step): its index finds the children without walking
    # the parent's whole downline range. A scalar subquery rather than EXISTS: for
    # EXISTS PostgreSQL may hash every payment of the month, which grows with the club
    # instead of with the branch.
    sql = (
        f"SELECT m.id, m.path, m.first_name, m.last_name, m.depth, m.numchild, "
        f"(SELECT p.paid FROM {payments} p WHERE p.member_id = m.id AND p.period = %s "
        f"AND p.paid = %s LIMIT 1) FROM {members} m WHERE m.sponsor_id = %s"
        + (" AND m.path > %s" if after else "")
        + " ORDER BY m.path LIMIT %s"
    )
    params = [period, True, parent.pk, *([after] if after else []), BRANCH_LIMIT + 1]
    rows = prepared.fetchall("downline_children", sql, params)
    nodes = []
    for pk, path, first, last, depth, numchild, active in rows[:BRANCH_LIMIT]:
        level = depth - root.depth
        initial = f" {last[:1]}." if last else ""
        nodes.append(
            DownlineNode(
                member_id=pk,
                path=path,
                name=f"{first}{initial}",
                level=level,
                active=bool(active),
                children=numchild if level < levels else 0,
            )
        )
    if len(rows) <= BRANCH_LIMIT:
        return Branch(nodes=nodes, more=0, parent_path=parent.path)
    last_path = nodes[-1].path
    if after:
        more = Member.objects.filter(sponsor_id=parent.pk, path__gt=last_path).count()
    else:
        more = max(1, parent.numchild - BRANCH_LIMIT)
    return Branch(nodes=nodes, more=more, parent_path=parent.path, last_path=last_path)


def downline_branch(*, root: Member, key: str, levels: int, after: str = "") -> Branch | None:
    """The branch of `root`'s downline that `key` names (a path below root's own, so it
    can only ever name someone in root's downline; "" names root itself): the children
    of that member, as downline_children gives them, from after the child that `after`
    names (a key too, one step below `key`; "" from the first). None when a key names
    nobody (a wrong shape, a level the plan does not reach, or no such member)."""
    steps, rest = divmod(len(key), Member.steplen)
    if rest or not 0 <= steps < levels or (key and not key.isalnum()):
        return None
    if after and (
        len(after) != len(key) + Member.steplen or not after.startswith(key) or not after.isalnum()
    ):
        return None
    parent = root if not key else Member.objects.filter(path=root.path + key).first()
    if parent is None:
        return None
    return downline_children(
        root=root, parent=parent, levels=levels, after=root.path + after if after else ""
    )
