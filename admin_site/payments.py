from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from bonuses import services
from bonuses.models import Payment


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["member", "period", "amount", "paid", "paid_on", "recorded_by"]
    list_filter = ["paid", "period"]
    list_select_related = ["member", "recorded_by"]
    search_fields = ["member__last_name", "member__first_name", "member__phone", "member__email"]
    autocomplete_fields = ["member"]
    readonly_fields = ["paid_on", "recorded_by"]
    date_hierarchy = "period"
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        payment = services.payment_set(
            member=form.cleaned_data["member"],
            period=form.cleaned_data["period"],
            paid=form.cleaned_data["paid"],
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data.get("note", ""),
            by=request.user,
        )
        if payment is not None:
            obj.pk = payment.pk
