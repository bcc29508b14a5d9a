"""The export page: members (with sponsor key, level, downline size, referral link),
payments, a month's statements with the level breakdown, or the ledger, as CSV or XLSX —
the same resources as the export_* commands."""

import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import UnfoldAdminSelectWidget

from bonuses import resources
from core.periods import add_months, current_period, format_month, months_between

from .fields import MonthField

EXPORTS = {
    "members": (gettext_lazy("Members"), "bonuses.view_member"),
    "payments": (gettext_lazy("Payments"), "bonuses.view_payment"),
    "funnel": (gettext_lazy("Referral funnel (last 12 months)"), "bonuses.view_member"),
    "statements": (gettext_lazy("Statements for a month"), "bonuses.view_ledgerentry"),
    "ledger": (gettext_lazy("Ledger"), "bonuses.view_ledgerentry"),
}


def allowed_exports(user) -> list[tuple[str, str]]:
    return [(key, label) for key, (label, perm) in EXPORTS.items() if user.has_perm(perm)]


MONTHS_OFFERED = 36


class ExportForm(forms.Form):
    what = forms.ChoiceField(label=gettext_lazy("Export"), widget=UnfoldAdminSelectWidget)
    month = MonthField(
        label=gettext_lazy("Month"),
        required=False,
        help_text=gettext_lazy("For statements: the month whose statements to export."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("xlsx", "XLSX"), ("csv", "CSV")],
        widget=UnfoldAdminSelectWidget,
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("CSV for"),
        choices=[
            (";", gettext_lazy("Excel in Russian (separator ; and decimal comma)")),
            (",", gettext_lazy("Excel in English (separator , and decimal point)")),
        ],
        required=False,
        help_text=gettext_lazy("Only for CSV: the separator your Excel expects."),
        widget=UnfoldAdminSelectWidget,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = allowed_exports(user)
        now = current_period()
        self.fields["month"].months = reversed(
            months_between(add_months(now, -(MONTHS_OFFERED - 1)), now)
        )
        self.initial.setdefault("month", now)
        self.fields["delimiter"].initial = resources.default_delimiter()

    def clean_month(self):
        return self.cleaned_data["month"] or current_period()


def _write(what: str, period, path: str, delimiter: str | None) -> None:
    if what == "statements":
        resources.export_statements(period, path, delimiter=delimiter)
    else:
        getattr(resources, f"export_{what}")(path, delimiter=delimiter)


def export_view(request):
    if not allowed_exports(request.user):
        raise PermissionDenied
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        what, period, fmt = (form.cleaned_data[k] for k in ("what", "month", "format"))
        suffix = f"-{format_month(period)}" if what == "statements" else ""
        filename = f"bonusdesk-{what}{suffix}.{fmt}"
        folder = Path(tempfile.mkdtemp(prefix="bonusdesk-export-"))
        path = folder / filename
        _write(what, period, str(path), form.cleaned_data["delimiter"] or None)
        # Unlinked at once: the open handle keeps the data until the response is sent.
        handle = path.open("rb")
        path.unlink()
        folder.rmdir()
        return FileResponse(handle, as_attachment=True, filename=filename)
    context = {**admin.site.each_context(request), "title": _("Export"), "form": form}
    return TemplateResponse(request, "admin_site/export.html", context)
