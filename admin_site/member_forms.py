"""The member form and the month field of the member list's bulk actions."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.forms import ActionForm
from unfold.widgets import UnfoldAdminTextInputWidget

from bonuses import services
from bonuses.models import Member
from core.periods import current_period, parse_month


class MemberForm(forms.ModelForm):
    """Refuses a sponsor the services would refuse, on the field; a sponsor change that is
    allowed is confirmed on its own page first (MemberAdmin.changeform_view)."""

    class Meta:
        model = Member
        fields = ["sponsor"]  # the admin passes its fieldsets' fields

    def clean(self):
        data = super().clean()
        member = self.instance
        if member.pk is None or "sponsor" not in self.changed_data or self.has_error("sponsor"):
            return data
        error = services.sponsor_change_error(member, data.get("sponsor"))
        if error:
            self.add_error("sponsor", error)
        return data

    @property
    def moves(self) -> bool:
        """True when saving changes an existing member's sponsor."""
        return self.instance.pk is not None and "sponsor" in self.changed_data


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
