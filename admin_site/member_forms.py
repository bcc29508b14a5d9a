"""The member form (a sponsor change is confirmed with the size of the subtree that moves)
and the month field of the member list's bulk actions."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.forms import ActionForm
from unfold.widgets import UnfoldAdminTextInputWidget, UnfoldBooleanWidget

from bonuses import services
from bonuses.models import Member
from bonuses.models.members import path_bounds
from core.periods import current_period, parse_month


def downline_size(member: Member) -> int:
    low, high = path_bounds(member.path)
    rows = Member.objects.filter(path__gte=low)
    return (rows.filter(path__lt=high) if high else rows).count()


class MemberForm(forms.ModelForm):
    confirm_move = forms.BooleanField(
        label=_("Confirm the move"), required=False, widget=forms.HiddenInput
    )

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
        elif not data.get("confirm_move"):
            self._ask_confirmation(member, sponsor)
        return data

    def _ask_confirmation(self, member: Member, sponsor: Member | None) -> None:
        followers = downline_size(member)
        field = self.fields["confirm_move"]
        field.widget = UnfoldBooleanWidget()
        values = {"member": member, "count": followers + 1, "followers": followers}
        if sponsor is None:
            field.label = (
                gettext(
                    "Yes, make %(member)s a member without a sponsor, with their %(followers)s "
                    "followers (%(count)s members move)."
                )
                % values
            )
        else:
            field.label = gettext(
                "Yes, move %(member)s and their %(followers)s followers (%(count)s members) "
                "under %(sponsor)s."
            ) % {**values, "sponsor": sponsor}
        self.add_error(
            "confirm_move",
            gettext(
                "Changing the sponsor moves %(count)s members: tick the box to confirm "
                "and save again."
            )
            % values,
        )


class MonthActionForm(ActionForm):
    """The actions bar with a month for the payment actions (blank: this month)."""

    month = forms.CharField(
        label="",
        required=False,
        widget=UnfoldAdminTextInputWidget(
            attrs={"type": "month", "placeholder": "YYYY-MM", "aria-label": _("Month")}
        ),
    )

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
