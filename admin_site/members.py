from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from bonuses import services
from bonuses.models import Member


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Members as a paginated list; never treebeard's whole-tree changelist."""

    list_display = ["__str__", "phone", "email", "external_id", "sponsor", "depth", "joined_on"]
    list_select_related = ["sponsor"]
    search_fields = [
        "last_name",
        "first_name",
        "middle_name",
        "email",
        "phone",
        "external_id",
        "referral_code",
        "user__username",
    ]
    autocomplete_fields = ["sponsor", "user"]
    readonly_fields = ["referral_code", "depth", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["last_name", "first_name", "middle_name", "sponsor", "user"]}),
        (_("Contact"), {"fields": ["phone", "email", "address", "birth_date"]}),
        (_("Club"), {"fields": ["external_id", "joined_on", "referral_code", "depth"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    list_per_page = 50
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        original_clean = form.clean

        def clean(form_self):
            data = original_clean(form_self)
            if obj is not None and "sponsor" in data:
                error = services.sponsor_change_error(obj, data["sponsor"])
                if error:
                    form_self.add_error("sponsor", error)
            return data

        form.clean = clean
        return form

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in services.members.MEMBER_FIELDS
            if name in form.cleaned_data
        }
        try:
            if not change:
                saved = services.member_enroll(
                    sponsor=form.cleaned_data.get("sponsor"), by=request.user, **fields
                )
                obj.pk = saved.pk
                return
            services.member_update(member=obj, by=request.user, **fields)
            if "sponsor" in form.changed_data:
                services.member_change_sponsor(
                    member=obj, sponsor=form.cleaned_data["sponsor"], by=request.user
                )
        except ValidationError as exc:  # raced with another change after clean()
            self.message_user(request, "; ".join(exc.messages), level="error")
            raise
