"""Paths for members inserted in bulk (seed_demo, spreadsheet import).

treebeard's add_child costs a few queries per member; a million members need their
paths handed out in one pass instead. PathAllocator plays treebeard's rules (steplen
characters per level, children numbered after the last existing child) so the result
is a tree treebeard itself would have built; `Member.objects.find_problems()` checks it.
Callers hold `lock_tree_exclusive()` for the whole load.
"""

from collections import Counter, defaultdict

from django.db.models import F, Max

from bonuses.models import Member


class PathAllocator:
    def __init__(self):
        last_root = (
            Member.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        )
        self._last_root = Member._str2int(last_root) if last_root else 0
        self._last_child: dict[str, int] = {}
        self.new_children: Counter[str] = Counter()

    def prime(self, parent_paths) -> None:
        """Learn the last child position of existing members that will get children."""
        wanted = [p for p in set(parent_paths) if p not in self._last_child]
        for start in range(0, len(wanted), 5_000):
            chunk = wanted[start : start + 5_000]
            for path in chunk:
                self._last_child[path] = 0
            last = (
                Member.objects.filter(sponsor__path__in=chunk)
                .values("sponsor__path")
                .annotate(last=Max("path"))
            )
            for row in last:
                self._last_child[row["sponsor__path"]] = Member._str2int(row["last"][-4:])

    def _step(self, position: int) -> str:
        key = Member._int2str(position)
        if len(key) > Member.steplen:
            raise OverflowError("no room for another member at this level of the tree")
        return key.rjust(Member.steplen, Member.alphabet[0])

    def root(self) -> str:
        self._last_root += 1
        path = self._step(self._last_root)
        self._last_child[path] = 0
        return path

    def child(self, parent_path: str) -> str:
        if parent_path not in self._last_child:
            raise KeyError(f"parent {parent_path} is neither new nor primed: call prime() first")
        position = self._last_child[parent_path] + 1
        self._last_child[parent_path] = position
        self.new_children[parent_path] += 1
        path = parent_path + self._step(position)
        self._last_child[path] = 0
        return path

    def numchild(self, path: str) -> int:
        """How many children this load gave `path` (the whole count for a new member)."""
        return self.new_children.get(path, 0)

    def bump_existing_numchild(self, existing_paths) -> None:
        """Add this load's new children to the numchild of members that existed before."""
        by_increment = defaultdict(list)
        for path in existing_paths:
            if self.new_children.get(path):
                by_increment[self.new_children[path]].append(path)
        for increment, paths in by_increment.items():
            for start in range(0, len(paths), 5_000):
                Member.objects.filter(path__in=paths[start : start + 5_000]).update(
                    numchild=F("numchild") + increment
                )
