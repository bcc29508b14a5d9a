"""The ledger: a read-only, exportable list of every balance movement (with who made it),
and the three pages that add movements through the services: package claims, payouts and
manual adjustments. A refused debit (overdraft) is shown on the field it concerns."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.admin import ExportMixin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.contrib.import_export.forms import ExportForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from bonuses import services
from bonuses.models import LedgerEntry, Member, Package
from bonuses.resources import SafeCSV, SafeXLSX
from bonuses.selectors import member_balance
from bonuses.selectors.search import matching_member_ids
from core.money import format_money
from core.periods import current_period, format_month, format_period

from .fields import MoneyField
from .paging import UncountedPages
from .widgets import MemberPicker

OPERATE_PERMISSION = "bonuses.add_ledgerentry"


class LedgerEntryResource(resources.ModelResource):
    member_name = fields.Field(attribute="member", column_name="member_name")
    created_by = fields.Field(attribute="created_by__username", column_name="created_by")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "created_at",
            "member",
            "member_name",
            "kind",
            "period",
            "amount",
            "reason",
            "created_by",
        ]
        export_order = fields
        # Typed values, so the XLSX gets numbers and dates (bonuses.resources.SafeXLSX).
        widgets = {
            name: {"coerce_to_string": False} for name in ("id", "created_at", "period", "amount")
        }

    def dehydrate_member_name(self, entry):
        return str(entry.member)

    def dehydrate_reason(self, entry):
        return entry.reason_text


def _money_or_dash(value) -> str:
    return format_money(value) if value not in (None, "") else "—"


def ledger_breakdown(entry: LedgerEntry) -> str:
    """An entry's breakdown in words and money, not as its stored JSON."""
    data = entry.breakdown or {}
    lines = []
    for number, amount in enumerate(data.get("levels") or [], start=1):
        lines.append(
            gettext("Level %(level)s: %(amount)s")
            % {"level": number, "amount": format_money(amount)}
        )
    part = data.get("part")
    if part == "referred":
        lines.append(gettext("Referred bonus of the payer"))
    elif part == "level":
        lines.append(gettext("Commission at level %(level)s") % {"level": data.get("level")})
    elif part == "own_activity":
        lines.append(gettext("The payer's own earnings from their downline"))
    if "before" in data or "after" in data:
        lines.append(
            gettext("Payment: %(before)s → %(after)s")
            % {
                "before": _money_or_dash(data.get("before")),
                "after": _money_or_dash(data.get("after")),
            }
        )
    if data.get("package"):
        lines.append(
            gettext("Package %(name)s: threshold %(threshold)s, bonus %(bonus)s")
            % {
                "name": data["package"],
                "threshold": _money_or_dash(data.get("threshold")),
                "bonus": _money_or_dash(data.get("bonus")),
            }
        )
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "—"


class PeriodFilter(admin.SimpleListFilter):
    """Months as a short dropdown of the last two years, not a scan of the ledger for its
    distinct periods (millions of rows after a few closes)."""

    title = _("month")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        from core.periods import add_months

        now = current_period()
        months = (add_months(now, -i) for i in range(24))
        return [(format_month(p), format_period(p)) for p in months]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(period=f"{self.value()}-01")
        return queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(UncountedPages, ExportMixin, ModelAdmin):
    resource_classes = [LedgerEntryResource]
    export_form_class = ExportForm
    # Never a live formula (member names come from the public sign-up form).
    export_formats = [SafeCSV, SafeXLSX]
    list_display = ["created", "member", "kind", "month", "money", "why", "created_by"]
    list_filter = [
        ("member", AutocompleteSelectFilter),
        ("kind", ChoicesDropdownFilter),
        PeriodFilter,
    ]
    list_filter_submit = True
    list_select_related = ["member", "created_by"]
    search_fields = ["member__last_name"]  # see get_search_results
    search_help_text = _(
        "Member: name or surname in any order, part of an email or phone, club number or login."
    )
    autocomplete_fields = ["member"]
    # Newest first by id: a close writes a million entries with one timestamp, so
    # ordering by created_at would sort them all; and no count of millions of rows.
    ordering = ["-id"]
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        """The entries of the members the term finds (bonuses.selectors.search), by
        member id rather than a join scanned with icontains."""
        ids = matching_member_ids(search_term)
        return (queryset if ids is None else queryset.filter(member_id__in=ids)), False

    readonly_fields = [
        "member",
        "kind",
        "month",
        "money",
        "parts",
        "payment",
        "why",
        "created_by",
        "created_at",
    ]
    fields = readonly_fields

    # Sorted by id, the order entries were written in: the index by time leaves out the
    # close's entries (migration 0019), and sorting millions of rows by created_at per
    # click would take seconds.
    @admin.display(description=_("created"), ordering="id")
    def created(self, entry):
        return entry.created_at

    @admin.display(description=_("month"), ordering="period")
    def month(self, entry):
        return format_period(entry.period) if entry.period else "—"

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, entry):
        return format_money(entry.amount)

    @admin.display(description=_("reason"))
    def why(self, entry):
        return entry.reason_text

    @admin.display(description=_("breakdown"))
    def parts(self, entry):
        return ledger_breakdown(entry)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False  # movements are made by closes and the three pages below

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the balance is the sum of the entries: they are never removed

    def get_urls(self):
        pages = [
            path(
                f"{kind}/",
                self.admin_site.admin_view(self.operation_view),
                {"kind": kind},
                name=f"bonuses_ledgerentry_{kind}",
            )
            for kind in OPERATIONS
        ]
        return pages + super().get_urls()

    def operation_view(self, request, kind):
        if not request.user.has_perm(OPERATE_PERMISSION):
            raise PermissionDenied
        operation = OPERATIONS[kind]
        chosen = request.GET.get("member", "")
        initial = {"member": int(chosen)} if chosen.isdigit() else {}
        form = operation.form(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                entry = operation.run(form.cleaned_data, request.user)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                # The kind's name is lowercase (it sits mid-sentence elsewhere).
                message = _("%(kind)s of %(amount)s recorded for %(member)s.") % {
                    "kind": entry.get_kind_display(),
                    "amount": format_money(abs(entry.amount)),
                    "member": entry.member,
                }
                messages.success(request, capfirst(message))
                url = reverse(f"admin:bonuses_ledgerentry_{kind}")
                return redirect(f"{url}?member={entry.member_id}")
        member = _chosen_member(form)
        context = {
            **self.admin_site.each_context(request),
            "title": operation.title,
            "opts": self.model._meta,
            "form": form,
            "member": member,
            "balance": member_balance(member=member) if member else None,
            "operation": kind,
        }
        return TemplateResponse(request, "admin_site/ledger_operation.html", context)


def _chosen_member(form) -> Member | None:
    value = form.data.get("member") if form.is_bound else form.initial.get("member")
    if not value:
        return None
    try:
        return Member.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _member_field():
    return forms.ModelChoiceField(
        label=_("Member"),
        queryset=Member.objects.all(),
        widget=MemberPicker(LedgerEntry._meta.get_field("member")),
    )


def _reason_field(required=True):
    return forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=required,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Kept in the ledger with your name."),
    )


def _amount_field(help_text):
    return MoneyField(label=_("Amount"), max_digits=14, help_text=help_text)


class ClaimForm(forms.Form):
    member = _member_field()
    package = forms.ModelChoiceField(
        label=_("Package"), queryset=Package.objects.none(), widget=UnfoldAdminSelectWidget
    )
    reason = _reason_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = services.plan_for(current_period())
        self.fields["package"].queryset = plan.packages.order_by("threshold")
        self.fields["package"].help_text = _(
            "Packages of the plan in force; the threshold is debited from the balance."
        )


class PayoutForm(forms.Form):
    member = _member_field()
    amount = _amount_field(_("Paid out from the balance of closed months."))
    reason = _reason_field()


class AdjustForm(forms.Form):
    member = _member_field()
    amount = _amount_field(_("Positive credits the balance, negative debits it."))
    reason = _reason_field()


class Operation:
    def __init__(self, title, form, run):
        self.title, self.form, self.run = title, form, run


OPERATIONS = {
    "claim": Operation(
        _("Package claim"),
        ClaimForm,
        lambda data, by: services.package_claim(
            member=data["member"], package=data["package"], reason=data["reason"], by=by
        ),
    ),
    "payout": Operation(
        _("Payout"),
        PayoutForm,
        lambda data, by: services.ledger_payout(
            member=data["member"], amount=data["amount"], reason=data["reason"], by=by
        ),
    ),
    "adjust": Operation(
        _("Manual adjustment"),
        AdjustForm,
        lambda data, by: services.ledger_adjust(
            member=data["member"], amount=data["amount"], reason=data["reason"], by=by
        ),
    ),
}
