"""Payments: a list with `paid` editable in place (saved through services.payment_set,
never a raw save), month and paid filters, search by member, and a month picker that
shows every member's status for one month with one-click toggles."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.paginator import InfinitePaginator

from bonuses import services
from bonuses.models import Member, Payment
from core.periods import add_months, current_period, format_month, parse_month

from .history import HistoryAdmin
from .member_page import paid_ids
from .member_search import member_search_q
from .member_views import can_change_payments, page_number

MONTHS_OFFERED = 24
MONTH_PAGE = 50


class MonthFilter(admin.SimpleListFilter):
    """The last two years as a short list, not a scan of the payments for their months."""

    title = _("month")
    parameter_name = "month"

    def lookups(self, request, model_admin):
        now = current_period()
        months = (add_months(now, -i) for i in range(MONTHS_OFFERED))
        return [(format_month(p), format_month(p)) for p in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(period=parse_month(self.value()))
        except ValueError:
            return queryset.none()


@admin.register(Payment)
class PaymentAdmin(HistoryAdmin, ModelAdmin):
    list_display = ["member", "period", "amount", "paid", "paid_on", "recorded_by"]
    list_editable = ["paid"]
    list_filter = [MonthFilter, "paid"]
    list_select_related = ["member", "recorded_by"]
    search_fields = ["member__last_name"]  # shows the box; member_search_q does the work
    search_help_text = _("Member: surname, username, email, phone, club number or code.")
    autocomplete_fields = ["member"]
    readonly_fields = ["paid_on", "recorded_by"]
    ordering = ["-pk"]
    list_per_page = 50
    paginator = InfinitePaginator
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # A payment is a member's month: change the month by recording another payment.
        fixed = ["member", "period"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    def get_search_results(self, request, queryset, search_term):
        match = member_search_q(search_term)
        if match is None:
            return queryset, False
        return queryset.filter(member__in=Member.objects.filter(match).values("pk")), False

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
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Payments for %(month)s") % {"month": format_month(period)},
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
