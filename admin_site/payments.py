"""Payments: a list with a one-click paid toggle (saved through services.payment_set,
never a raw save), month and paid filters, search by member, a form whose save of a
closed month's payment first shows the corrections it posts, and a month picker that
shows every member's status for one month with one-click toggles."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from bonuses import services
from bonuses.models import Member, Payment
from bonuses.selectors.corrections import PaymentChange, payment_changes_corrections
from bonuses.selectors.search import matching_member_ids
from bonuses.services.pricing import plan_price
from core.money import format_money
from core.periods import (
    add_months,
    current_period,
    format_month,
    format_period,
    months_between,
    parse_month,
)

from .confirmations import confirmation_page, confirmed
from .fields import MoneyField, MonthField
from .history import HistoryAdmin
from .member_page import paid_ids
from .member_views import can_change_payments, page_number
from .members import paid_toggle
from .paging import UncountedPages

MONTHS_OFFERED = 24
MONTH_PAGE = 50


class MonthFilter(admin.SimpleListFilter):
    """The last two years as a short list, not a scan of the payments for their months."""

    title = _("month")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        now = current_period()
        months = (add_months(now, -i) for i in range(MONTHS_OFFERED))
        return [(format_month(p), format_period(p)) for p in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(period=parse_month(self.value()))
        except ValueError:
            return queryset.none()


class MonthPickForm(forms.Form):
    month = MonthField(label=_("Month"))


class PaymentForm(forms.ModelForm):
    period = MonthField(label=capfirst(_("month")), help_text=_("The month paid for."))
    amount = MoneyField(
        label=capfirst(_("amount")),
        required=False,
        help_text=_("Empty: the plan's monthly price for that month."),
    )

    class Meta:
        model = Payment
        fields = ["member", "period", "amount", "paid", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = current_period()
        if "period" in self.fields:  # read-only once the payment exists
            months = months_between(add_months(now, -23), add_months(now, 1))
            self.fields["period"].months = reversed(months)
            self.initial.setdefault("period", now)

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is None and self.instance.pk is None:
            period = self.cleaned_data.get("period") or current_period()
            return plan_price(period)
        return amount if amount is not None else self.instance.amount


@admin.register(Payment)
class PaymentAdmin(UncountedPages, HistoryAdmin, ModelAdmin):
    form = PaymentForm
    list_display = ["member", "month", "money", "paid_state", "paid_on", "recorded_by"]
    list_filter = [MonthFilter, "paid"]
    list_select_related = ["member", "recorded_by"]
    search_fields = ["member__last_name"]  # shows the box; member_search does the work
    search_help_text = _(
        "Member: name or surname in any order, part of an email or phone, club number or login."
    )
    autocomplete_fields = ["member"]
    readonly_fields = ["paid_on", "recorded_by"]
    ordering = ["-pk"]
    list_per_page = 50
    list_after_template = "admin_site/paid_toggle.html"

    @admin.display(description=_("month"), ordering="period")
    def month(self, payment):
        return format_period(payment.period)

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, payment):
        return format_money(payment.amount)

    @admin.display(description=_("paid"), ordering="paid")
    def paid_state(self, payment):
        return gettext("Paid") if payment.paid else gettext("Not paid")

    @admin.display(description=_("paid"), ordering="paid")
    def paid_button(self, payment):
        return paid_toggle(payment.member_id, payment.period, payment.paid)

    def get_list_display(self, request):
        # The one-click toggle for staff who may change payments; the state for others.
        if can_change_payments(request.user):
            return [c if c != "paid_state" else "paid_button" for c in self.list_display]
        return self.list_display

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Saving a payment of a closed month shows the corrections it will post, to whom
        and how much, and saves only when confirmed."""
        if request.method == "POST" and not confirmed(request):
            page = self._corrections_confirmation(request, object_id)
            if page is not None:
                return page
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _corrections_confirmation(self, request, object_id):
        payment = self.get_object(request, object_id) if object_id else None
        if object_id and payment is None:
            return None
        form = self.get_form(request, payment, change=payment is not None)(
            request.POST,
            request.FILES,
            instance=Payment.objects.filter(pk=payment.pk).first() if payment else None,
        )
        if not form.is_valid():
            return None
        data = form.cleaned_data
        member = data.get("member") or payment.member
        period = data.get("period") or payment.period
        preview = payment_changes_corrections(
            [PaymentChange(member, period, data.get("paid", False), data.get("amount"))]
        )
        if not preview:
            return None
        month = format_period(period)
        return confirmation_page(
            request,
            title=gettext("Corrections for %(month)s") % {"month": month},
            facts=[
                gettext(
                    "%(month)s is closed: its bonuses are in the ledger already. Saving "
                    "this payment of %(member)s posts the corrections below, dated today; "
                    "the closed month itself stays as it was."
                )
                % {"month": month, "member": member}
            ],
            button=gettext("Save and post the corrections"),
            cancel_url=request.get_full_path(),
            corrections=preview,
            opts=self.model._meta,
        )

    def get_readonly_fields(self, request, obj=None):
        # A payment is a member's month: change the month by recording another payment.
        fixed = ["member", "period"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    def get_search_results(self, request, queryset, search_term):
        ids = matching_member_ids(search_term)
        return (queryset if ids is None else queryset.filter(member_id__in=ids)), False

    def save_model(self, request, obj, form, change):
        """Every save, the list's `paid` checkboxes included, goes through the service
        (history, corrections for closed months, the month's lock)."""
        data = form.cleaned_data
        payment = services.payment_set(
            member=data.get("member", obj.member),
            period=data.get("period", obj.period),
            paid=data.get("paid", obj.paid),
            amount=data.get("amount"),
            note=data.get("note", ""),
            by=request.user,
        )
        if payment is not None:
            obj.pk = payment.pk

    def get_urls(self):
        view = self.admin_site.admin_view(self.month_view)
        return [path("month/", view, name="bonuses_payment_month"), *super().get_urls()]

    def month_view(self, request):
        """Every member's status for one month (?month=YYYY-MM), a page at a time."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            period = parse_month(request.GET["month"]) if request.GET.get("month") else None
        except ValueError:
            self.message_user(
                request,
                gettext("“%(value)s” is not a month (YYYY-MM).") % {"value": request.GET["month"]},
                level="error",
            )
            period = None
        period = period or current_period()
        members = Member.objects.select_related("sponsor").order_by("last_name", "first_name", "pk")
        number = page_number(request.GET.get("page"))
        # One row more than the page tells whether there is a next one: no COUNT of the
        # whole club on every page.
        start = (number - 1) * MONTH_PAGE
        rows = list(members[start : start + MONTH_PAGE + 1])
        has_next = len(rows) > MONTH_PAGE
        rows = rows[:MONTH_PAGE]
        paid = paid_ids([m.pk for m in rows], period)
        picker = MonthPickForm(initial={"month": period})
        picker.fields["month"].months = reversed(
            months_between(add_months(current_period(), -(MONTHS_OFFERED - 1)), current_period())
        )
        context = {
            "picker": picker,
            **self.admin_site.each_context(request),
            "title": gettext("Payments for %(month)s") % {"month": format_period(period)},
            "previous_label": format_period(add_months(period, -1)),
            "next_label": format_period(add_months(period, 1)),
            "opts": self.model._meta,
            "period": period,
            "month": format_month(period),
            "previous_month": format_month(add_months(period, -1)),
            "next_month": format_month(add_months(period, 1)),
            "page_number": number,
            "has_next": has_next,
            "rows": [(m, m.pk in paid) for m in rows],
            "toggles": can_change_payments(request.user),
        }
        return TemplateResponse(request, "admin_site/payment_month.html", context)
