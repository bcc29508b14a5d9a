import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager

from core.search import normalise


def new_referral_code() -> str:
    """11 URL-safe characters from the OS's CSPRNG: ~64 bits, not guessable.

    Never starting with "-", which `manage.py statement CODE` would read as an option."""
    while (code := secrets.token_urlsafe(8)).startswith("-"):
        pass
    return code


# The member fields a staff search matches, in the order the key lists them.
SEARCH_KEY_FIELDS = ("last_name", "first_name", "middle_name", "email", "phone", "external_id")


def member_search_key(**fields) -> str:
    """The normalised text a staff search matches (Member.search_key): surname, first and
    middle name, email, the phone's digits and the club number, casefolded with ё read as
    е (core.search.normalise). Every writer of members calls this: the member services
    and the bulk writers (imports, seed_demo), with the fields named in
    SEARCH_KEY_FIELDS (missing ones count as empty).

    Words are matched by substring in any order, so "Иванова Анна", "анна иванова",
    "ИВАНОВА" and "701 123" all find the member (bonuses.selectors.search)."""
    unknown = set(fields) - set(SEARCH_KEY_FIELDS)
    if unknown:
        raise TypeError(f"member_search_key() got unexpected fields: {', '.join(sorted(unknown))}")
    parts = []
    for name in SEARCH_KEY_FIELDS:
        value = fields.get(name) or ""
        if name == "phone":
            value = "".join(c for c in str(value) if c.isdigit())
        parts.append(str(value))
    return normalise(" ".join(parts))


class MemberManager(MP_NodeManager):
    pass


class Member(MP_Node):
    """A club member and their place in the referral tree.

    The sponsor is the tree parent. The tree is a materialized path (treebeard): a
    member's downline is every path that starts with theirs, and the level of a follower
    is the difference of depths. `sponsor` repeats the parent as a foreign key so that
    the audit history records who changed it; the services keep both in step.
    """

    # 4 characters a level: 1 020 allows 255 levels, far beyond any real club.
    path = models.CharField(max_length=1020, unique=True)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    sponsor = models.ForeignKey(
        "self",
        verbose_name=_("sponsor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text=_("The member who referred this one."),
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    external_id = models.CharField(
        _("club member number"),
        max_length=64,
        blank=True,
        help_text=_("The club's own member number, from its spreadsheets."),
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    # 40: the codes of pinax-referrals (the 2018 programme) are 40 characters, and a club
    # switching over keeps them (DESIGN.md) so that links already shared still work.
    referral_code = models.CharField(
        _("referral code"), max_length=40, unique=True, default=new_referral_code, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # member_search_key() of the fields above; a trigram index serves substring search
    # on PostgreSQL (migration 0010).
    search_key = models.TextField(_("search key"), blank=True, default="", editable=False)
    # The language the member last chose on their page (one of settings.LANGUAGES; empty:
    # the club's default): their statements are written in it.
    # Database defaults too: seed_demo and the members import write rows with COPY,
    # naming only the columns they fill.
    language = models.CharField(_("language"), max_length=10, blank=True, default="", db_default="")
    statement_emails = models.BooleanField(
        _("statements by email"),
        default=True,
        db_default=True,
        help_text=_("Send the member a statement by email when a month closes."),
    )
    # The first period the member paid for: the referral funnel's "paid their first month",
    # one index range per sponsor instead of a probe of every referral's payments. Kept by
    # the payment services in SQL (bonuses.services.first_paid), never by a form or save().
    first_paid = models.DateField(_("first paid month"), null=True, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "path",
            "depth",
            "numchild",
            "updated_at",
            "search_key",
            "language",
            "first_paid",
        ]  # fmt: skip
    )

    objects = MemberManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        # Beyond add/change: what the front desk may not do (README, "Roles").
        permissions = [
            ("move_branch", _("Can move a member who has followers")),
            ("link_login", _("Can link a login to a member")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="member_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="member_email_unique"
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="member_phone_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="member_name_idx"),
            # Covers the downline range scans of statements and closes (path range, depth
            # filter, id for the payment join) so they never touch the table itself.
            models.Index(fields=["path", "depth", "id"], name="member_path_depth_idx"),
            # The funnel's sign-ups and first paid months of a sponsor's referrals, read
            # from the indexes alone (a founder has thousands of direct referrals).
            models.Index(fields=["sponsor", "joined_on"], name="member_sponsor_joined_idx"),
            models.Index(fields=["sponsor", "first_paid"], name="member_sponsor_first_paid_idx"),
        ]

    def save(self, *args, **kwargs):
        # first_paid is written by SQL when payments change; a member loaded before that
        # and saved whole must not write its stale copy back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "first_paid" and f.attname not in deferred
            ]
        super().save(*args, **kwargs)

    def __str__(self):
        return self.full_name or self.email or str(self.phone) or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """First name and last initial: what other members may see."""
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}"

    def refresh_search_key(self) -> str:
        """Set search_key from the member's own fields (before a save); returns it."""
        self.search_key = member_search_key(
            **{name: getattr(self, name) for name in SEARCH_KEY_FIELDS}
        )
        return self.search_key

    def downline_bounds(self) -> tuple[str, str | None]:
        return path_bounds(self.path)


def path_bounds(path: str) -> tuple[str, str | None]:
    """[low, high) bounds of the paths strictly below `path`, for an index range scan.

    A range works with the plain unique index on both PostgreSQL and SQLite (SQLite's
    LIKE is case-insensitive and never uses it). `high` is the next path of the same
    length; None when `path` is the last one possible (no upper bound needed).
    """
    alphabet = Member.alphabet
    chars = list(path)
    for i in range(len(chars) - 1, -1, -1):
        pos = alphabet.index(chars[i])
        if pos + 1 < len(alphabet):
            chars[i] = alphabet[pos + 1]
            return path + alphabet[0], "".join(chars[: i + 1])
    return path + alphabet[0], None
