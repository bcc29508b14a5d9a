"""The member's downline as a tree the page opens level by level."""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery

from bonuses.models import Member, Payment
from core.periods import current_period

# A level of the tree is cut at this many members, so that a branch of thousands of
# direct followers still renders in one small query; the page says how many are left.
BRANCH_LIMIT = 200


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
    more: int  # followers of this branch beyond BRANCH_LIMIT, not listed


def downline_children(
    *, root: Member, parent: Member, levels: int, period: date | None = None
) -> Branch:
    """Direct followers of `parent` (itself `root` or in root's downline), with their
    active flag for `period` (default this month): one query. Nodes at root's `levels`-th
    level show no children, since the plan does not reach below them."""
    period = period or current_period()
    paid = Payment.objects.filter(member=OuterRef("pk"), period=period, paid=True)
    rows = list(
        # The sponsor is the tree parent (the services keep both in step); its index
        # finds the children without walking the parent's whole downline range.
        Member.objects.filter(sponsor_id=parent.pk)
        # A scalar subquery rather than EXISTS: for EXISTS PostgreSQL may hash every
        # payment of the month, which grows with the club instead of with the branch.
        .annotate(active=Subquery(paid.values("paid")[:1]))
        .order_by("path")
        .values_list("pk", "path", "first_name", "last_name", "depth", "numchild", "active")[
            : BRANCH_LIMIT + 1
        ]
    )
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
    more = max(0, parent.numchild - BRANCH_LIMIT) if len(rows) > BRANCH_LIMIT else 0
    return Branch(nodes=nodes, more=more)


def downline_branch(*, root: Member, key: str, levels: int) -> Branch | None:
    """The branch of `root`'s downline that `key` names (a path below root's own, so it
    can only ever name someone in root's downline): the children of that member, as
    downline_children gives them. None when the key names nobody (a wrong shape, a level
    the plan does not reach, or no such member)."""
    steps, rest = divmod(len(key), Member.steplen)
    if rest or not 1 <= steps < levels or not key.isalnum():
        return None
    parent = Member.objects.filter(path=root.path + key).first()
    if parent is None:
        return None
    return downline_children(root=root, parent=parent, levels=levels)
