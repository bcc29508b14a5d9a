"""The member's downline as a tree the page opens level by level."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q

from bonuses.models import Member, Payment
from bonuses.models.members import path_bounds
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
    low, high = path_bounds(parent.path)
    in_range = Q(path__gte=low) & (Q(path__lt=high) if high else Q())
    paid = Payment.objects.filter(member=OuterRef("pk"), period=period, paid=True)
    rows = list(
        Member.objects.filter(in_range, depth=parent.depth + 1)
        .annotate(active=Exists(paid))
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
                active=active,
                children=numchild if level < levels else 0,
            )
        )
    more = max(0, parent.numchild - BRANCH_LIMIT) if len(rows) > BRANCH_LIMIT else 0
    return Branch(nodes=nodes, more=more)
