from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from bonuses.selectors.search import member_search
from core.models import User

admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]

    def get_search_results(self, request, queryset, search_term):
        """Logins by the beginning of the login (its unique index) or by their member,
        found as every member search finds people (bonuses.selectors.search): also the
        login picker of the member form."""
        term = search_term.strip()
        if not term:
            return queryset, False
        logins = member_search(term).filter(user__isnull=False).values("user_id")
        return queryset.filter(Q(username__startswith=term) | Q(pk__in=logins)), False


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass
