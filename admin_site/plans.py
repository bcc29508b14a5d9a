"""Plan versions. A version is never edited in place once months may have been computed
with it: saving the form creates a new version (services.plan_create_version) from the
month it names, next month by default, so the past keeps the rates it was paid with."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Value, When
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from bonuses import services
from bonuses.models import MonthClose, Package, Plan, PlanLevel
from core.periods import add_months, current_period, period_of

from .history import HistoryAdmin

NEW_VERSION_HELP = _(
    "Saving creates a NEW plan version in force from the month in “Effective from” (next "
    "month by default); "
    "this version stays as it is for the months before, so closed months keep the rates "
    "they were paid with."
)


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = [
            "effective_from",
            "monthly_price",
            "referred_rate",
            "earner_must_be_active",
            "credit_package_bonus",
            "sponsor_requests_at_once",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].help_text = _(
            "The first month of the new version (the 1st of the month)."
        )
        if not self.is_bound:
            self.initial["effective_from"] = add_months(current_period(), 1)

    def clean_effective_from(self):
        month = period_of(self.cleaned_data["effective_from"])
        if MonthClose.objects.filter(period__gte=month).exists():
            raise ValidationError(_("That month is already closed: a new plan must start later."))
        if Plan.objects.filter(effective_from=month).exists():
            raise ValidationError(
                _("A plan version from %(month)s exists already: choose a later month.")
                % {"month": f"{month:%Y-%m}"}
            )
        return month

    def validate_unique(self):
        pass  # checked in clean_effective_from, against every version, before saving any


class LevelFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        levels = sorted(row["level"] for row in _rows(self) if row.get("level"))
        if levels != list(range(1, len(levels) + 1)):
            raise ValidationError(
                _("Levels must run 1, 2, 3… without gaps (got %(levels)s).")
                % {"levels": ", ".join(map(str, levels))}
            )


class PlanLevelInline(TabularInline):
    model = PlanLevel
    formset = LevelFormSet
    fields = ["level", "rate"]
    extra = 0
    min_num = 1


class PackageInline(TabularInline):
    model = Package
    fields = ["name", "threshold", "bonus"]
    extra = 0


def _rows(formset) -> list[dict]:
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE", False)
    ]


@admin.register(Plan)
class PlanAdmin(HistoryAdmin, ModelAdmin):
    form = PlanForm
    inlines = [PlanLevelInline, PackageInline]
    list_display = [
        "effective_from",
        "in_force",
        "monthly_price",
        "referred_rate",
        "earner_must_be_active",
        "credit_package_bonus",
        "created_by",
        "created_at",
    ]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        current = services.plan_for(current_period()).pk
        in_force = Case(
            When(pk=current, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        return super().get_queryset(request).annotate(in_force=in_force)

    @admin.display(description=_("in force now"), boolean=True, ordering="effective_from")
    def in_force(self, obj):
        return obj.in_force

    def has_delete_permission(self, request, obj=None):
        return False  # a version may have paid months; a newer version replaces it

    def get_fieldsets(self, request, obj=None):
        fields = ["effective_from", "monthly_price", "referred_rate"]
        fields += ["earner_must_be_active", "credit_package_bonus", "sponsor_requests_at_once"]
        fields += ["note"]
        fieldsets = [(None, {"fields": fields, "description": NEW_VERSION_HELP})]
        if obj is not None:
            fieldsets.append((_("Record"), {"fields": ["created_by", "created_at"]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        pass  # the version is created with its levels and packages in save_related

    def save_related(self, request, form, formsets, change):
        by_model = {formset.model: formset for formset in formsets}
        levels = sorted(_rows(by_model[PlanLevel]), key=lambda row: row["level"])
        data = form.cleaned_data
        plan = services.plan_create_version(
            effective_from=data["effective_from"],
            monthly_price=data["monthly_price"],
            rates=[row["rate"] for row in levels],
            referred_rate=data["referred_rate"],
            packages=[(r["name"], r["threshold"], r["bonus"]) for r in _rows(by_model[Package])],
            earner_must_be_active=data["earner_must_be_active"],
            credit_package_bonus=data["credit_package_bonus"],
            sponsor_requests_at_once=data["sponsor_requests_at_once"],
            note=data.get("note", ""),
            by=request.user,
        )
        # The admin's log entry, message and redirect then name the new version.
        obj = form.instance
        obj.pk, obj.effective_from, obj.created_by = plan.pk, plan.effective_from, plan.created_by
        obj.created_at = plan.created_at

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines are never saved as such: the log names the version that was made.
        return _("Created the plan version from %(month)s.") % {
            "month": f"{form.cleaned_data['effective_from']:%Y-%m}"
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        plan = self.get_object(request, object_id)
        if request.method == "GET" and plan is not None:
            error = services.plan_change_error(plan)
            if error:
                messages.info(request, error)
        return super().change_view(request, object_id, form_url, extra_context)
