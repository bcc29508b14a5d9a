"""The ledger: a read-only, exportable list of every balance movement (with who made it),
and the three pages that add movements through the services: package claims, payouts and
manual adjustments. A refused debit (overdraft) is shown on the field it concerns."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.admin import ExportMixin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import AutocompleteSelectFilter, ChoicesDropdownFilter
from unfold.contrib.import_export.forms import ExportForm
from unfold.paginator import InfinitePaginator
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from bonuses import services
from bonuses.models import LedgerEntry, Member, Package
from bonuses.resources import SafeCSV, SafeXLSX
from bonuses.selectors import member_balance
from core.money import format_money
from core.periods import current_period

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


SEARCH_MEMBERS = 500  # a surname prefix as short as one letter stops here


def ledger_search_members(term: str) -> list[int] | None:
    from django.db.models import Q

    term = (term or "").strip()
    if not term:
        return None
    match = Q(email=term.lower()) | Q(external_id=term) | Q(phone=term)
    surname = term[:1].upper() + term[1:]
    upper = surname[:-1] + chr(ord(surname[-1]) + 1)
    match |= Q(last_name__gte=surname, last_name__lt=upper, last_name__startswith=surname)
    members = Member.objects.filter(match).order_by()  # unordered: stop at the limit
    return list(members.values_list("pk", flat=True)[:SEARCH_MEMBERS])


class PeriodFilter(admin.SimpleListFilter):
    """Months as a short dropdown of the last two years, not a scan of the ledger for its
    distinct periods (millions of rows after a few closes)."""

    title = _("month")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        from core.periods import add_months

        now = current_period()
        return [(f"{p:%Y-%m}", f"{p:%Y-%m}") for p in (add_months(now, -i) for i in range(24))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(period=f"{self.value()}-01")
        return queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ExportMixin, ModelAdmin):
    resource_classes = [LedgerEntryResource]
    export_form_class = ExportForm
    # Never a live formula (member names come from the public sign-up form).
    export_formats = [SafeCSV, SafeXLSX]
    list_display = ["created_at", "member", "kind", "period", "amount", "reason", "created_by"]
    list_filter = [
        ("member", AutocompleteSelectFilter),
        ("kind", ChoicesDropdownFilter),
        PeriodFilter,
    ]
    list_filter_submit = True
    list_select_related = ["member", "created_by"]
    search_fields = ["member__last_name"]  # see get_search_results
    search_help_text = _("Surname (its beginning), email, phone or club member number.")
    autocomplete_fields = ["member"]
    # Newest first by id: a close writes a million entries with one timestamp, so
    # ordering by created_at would sort them all; and no count of millions of rows.
    ordering = ["-id"]
    paginator = InfinitePaginator
    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """The entries of the members the term names, found by index (a surname prefix
        or an exact email, phone or number), instead of a join scanned with icontains."""
        members = ledger_search_members(search_term)
        if members is None:
            return queryset, False
        return queryset.filter(member_id__in=members), False

    readonly_fields = [
        "member",
        "kind",
        "period",
        "amount",
        "breakdown",
        "payment",
        "reason",
        "created_by",
        "created_at",
    ]

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
                messages.success(
                    request,
                    _("%(kind)s of %(amount)s recorded for %(member)s.")
                    % {
                        "kind": entry.get_kind_display(),
                        "amount": format_money(abs(entry.amount)),
                        "member": entry.member,
                    },
                )
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
        widget=AutocompleteSelect(LedgerEntry._meta.get_field("member"), admin.site),
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
    return forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
        help_text=help_text,
    )


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
