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
    # Per level 1..n of the plan in force: [followers, active followers, earned cents].
    levels = models.JSONField(_("levels"), default=list)
    referred = models.BigIntegerField(_("referred bonus, cents"), default=0)

    class Meta:
        verbose_name = _("closed month figures")
        verbose_name_plural = _("closed month figures")

    def __str__(self):
        return f"{self.member_id} · {self.period:%Y-%m}"
