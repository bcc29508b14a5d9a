"""Member list filters, each a condition an index or a per-month payment lookup answers
(no scan of the tree for distinct values)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from bonuses.models import Payment
from core.periods import add_months, current_period, format_month, format_period, parse_month

MONTHS_OFFERED = 24


class PaidThisMonthFilter(admin.SimpleListFilter):
    title = _("paid this month")
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [("yes", _("Paid")), ("no", _("Not paid"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        paid = Exists(
            Payment.objects.filter(member=OuterRef("pk"), period=current_period(), paid=True)
        )
        return queryset.filter(paid if self.value() == "yes" else ~paid)


class HasSponsorFilter(admin.SimpleListFilter):
    title = _("sponsor")
    parameter_name = "has_sponsor"

    def lookups(self, request, model_admin):
        return [("yes", _("Has a sponsor")), ("no", _("No sponsor"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(sponsor__isnull=False)
        if self.value() == "no":
            return queryset.filter(sponsor__isnull=True)
        return queryset


class JoinedMonthFilter(admin.SimpleListFilter):
    title = _("joined in")
    parameter_name = "joined"

    def lookups(self, request, model_admin):
        now = current_period()
        months = (add_months(now, -i) for i in range(MONTHS_OFFERED))
        return [(format_month(p), format_period(p)) for p in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            start = parse_month(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(joined_on__gte=start, joined_on__lt=add_months(start, 1))
