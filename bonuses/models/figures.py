import json

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClosedFigures(models.Model):
    """What a member's statement said when its period was closed, kept so that every
    reader shows a closed month as the close wrote it (DESIGN.md, "A closed month has one
    answer"), whatever the tree or the payments look like since.

    One row per member and closed period for every member with something to show: a
    follower within the plan's levels, or their own paid payment. A member without a row
    had neither, so their closed statement is all zeros and "not active" (members with
    followers but no earnings do have a row: their counts are not zero).

    Written by the close with COPY, up to a million rows at once, so the row is kept
    small and index-light: the composite primary key (period, member) is the only index,
    and there is no database foreign key (its per-row check would cost the close more
    than the COPY). A member deleted later (a mistaken entry whose followers moved away)
    leaves their rows behind, unread: a closed month is never rewritten."""

    pk = models.CompositePrimaryKey("period", "member")
    period = models.DateField(_("month"))
    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=False)
    # Per level 1..n of the plan in force, as JSON lists of integers ("[3, 1, 0, 0]").
    # Text, not jsonb: parsing a million documents made the COPY several times slower,
    # and only Python reads them (parse_levels).
    followers = models.TextField(_("followers per level"))
    actives = models.TextField(_("active followers per level"))
    earned = models.TextField(_("earned per level, cents"))
    referred = models.BigIntegerField(_("referred bonus, cents"), default=0)

    class Meta:
        verbose_name = _("closed month figures")
        verbose_name_plural = _("closed month figures")

    def __str__(self):
        return f"{self.member_id} · {self.period:%Y-%m}"

    def levels(self, count: int) -> list[tuple[int, int, int]]:
        """(followers, active followers, earned cents) for levels 1..count."""
        return parse_levels(self.followers, self.actives, self.earned, count)


def parse_levels(
    followers: str, actives: str, earned: str, count: int
) -> list[tuple[int, int, int]]:
    """The three stored lists as (followers, active followers, earned cents) per level,
    padded with zeros (or cut) to `count` levels."""
    columns = [json.loads(text or "[]") for text in (followers, actives, earned)]
    return [
        tuple(int(column[k]) if k < len(column) else 0 for column in columns) for k in range(count)
    ]
