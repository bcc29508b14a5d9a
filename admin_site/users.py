from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from bonuses.models import LedgerEntry
from bonuses.selectors.search import member_search
from core.models import User

admin.site.unregister(Group)


_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission in the reader's language. Django keeps permission names as English
    text in the database (`Can add member`); the four default ones are worded here from
    the model's translated name, any other keeps its stored name."""
    action, _sep, model = permission.codename.partition("_")
    model_class = permission.content_type.model_class()
    if action in _ACTIONS and model_class and model == model_class._meta.model_name:
        name = _ACTIONS[action] % {"model": model_class._meta.verbose_name}
    else:
        name = permission.name
    app = apps.get_app_config(permission.content_type.app_label).verbose_name
    return f"{app} | {name}"


def _without_links(items, names: set[str]) -> list:
    """The delete page's nested list without the rows of many-to-many link tables."""
    kept = []
    for item in items:
        if isinstance(item, list):
            kept.append(_without_links(item, names))
        elif not any(str(item).startswith(f"{name}:") for name in names):
            kept.append(item)
    return kept


class TranslatedPermissions:
    """The permission pickers of users and groups, worded by permission_label; their
    delete pages leave out the link rows (Django names them "User_groups object (3)",
    untranslated and meaningless to staff: the links go with the user or group)."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        links = [
            model._meta
            for model in apps.get_models(include_auto_created=True)
            if model._meta.auto_created
            and any(f.related_model is self.model for f in model._meta.fields)
        ]
        names = {capfirst(opts.verbose_name) for opts in links}
        plural = {str(opts.verbose_name_plural) for opts in links}
        counts = {k: v for k, v in counts.items() if str(k) not in plural}
        return _without_links(deleted, names), counts, perms, protected

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        return field


@admin.register(User)
class UserAdmin(TranslatedPermissions, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]

    def get_deleted_objects(self, objs, request):
        """A login that made ledger entries (a payout, an adjustment, a close) is kept:
        deleting it would empty the entries' "created by" and the ledger would no longer
        say who moved the money. The delete page names the reason as a protected object,
        which makes Django refuse the deletion; deactivating the login is the way out."""
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        authors = (
            LedgerEntry.objects.filter(created_by__in=objs)
            .values_list("created_by__username", flat=True)
            .order_by()
            .distinct()
        )
        protected = list(protected) + [
            _(
                "Ledger entries made by %(login)s: they keep the name of who made them. "
                "Deactivate the login instead (untick “Active”)."
            )
            % {"login": login}
            for login in authors
        ]
        return deleted, counts, perms, protected

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
class GroupAdmin(TranslatedPermissions, BaseGroupAdmin, ModelAdmin):
    pass
