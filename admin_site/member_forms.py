"""The member form and the month field of the member list's bulk actions."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.forms import ActionForm
from unfold.widgets import UnfoldAdminSelectWidget

from bonuses import services
from bonuses.models import Member
from core.periods import add_months, current_period, months_between, parse_month

from .fields import MonthField


class MemberForm(forms.ModelForm):
    """Refuses a sponsor the services would refuse, on the field; a sponsor change that is
    allowed is confirmed on its own page first (MemberAdmin.changeform_view)."""

    # The staff user filling the form (MemberAdmin.get_form sets it): what they may do
    # decides whether a sponsor change is allowed (README, "Roles").
    staff = None

    class Meta:
        model = Member
        fields = ["sponsor"]  # the admin passes its fieldsets' fields

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if "user" in self.changed_data and not (
            self.staff is None or self.staff.has_perm("bonuses.link_login")
        ):
            raise ValidationError(gettext("Only an administrator can link a login to a member."))
        error = services.members.login_link_error(self.instance, user)
        if error:
            raise ValidationError(error)
        return user

    def clean(self):
        data = super().clean()
        member = self.instance
        if member.pk is None or "sponsor" not in self.changed_data or self.has_error("sponsor"):
            return data
        sponsor = data.get("sponsor")
        error = services.sponsor_change_error(
            member, sponsor
        ) or services.members.branch_move_error(member, self.staff)
        if error:
            self.add_error("sponsor", error)
        return data

    @property
    def moves(self) -> bool:
        """True when saving changes an existing member's sponsor."""
        return self.instance.pk is not None and "sponsor" in self.changed_data


class MonthActionForm(ActionForm):
    """The actions bar with a month for the payment actions, worded in the interface
    language and styled like the action select beside it (this month by default)."""

    month = MonthField(
        label="",
        required=False,
        widget=UnfoldAdminSelectWidget(
            attrs={
                "aria-label": _("Month"),
                "class": ActionForm.base_fields["action"].widget.attrs["class"],
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = current_period()
        self.fields["month"].months = reversed(months_between(add_months(now, -23), now))
        self.initial.setdefault("month", now)

    @staticmethod
    def month_of(text: str | None) -> date:
        if not text:
            return current_period()
        try:
            return parse_month(text)
        except ValueError as exc:
            raise ValidationError(
                gettext("“%(value)s” is not a month: expected YYYY-MM, e.g. 2026-11.")
                % {"value": text}
            ) from exc
