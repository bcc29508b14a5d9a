"""The staff roles: groups "Administrator" (everything) and "Front desk" (members,
payments and their import; no plan, ledger, closes or users).

Used by the data migration that creates the groups and by post_migrate, which gives the
Administrator group the permissions of models added later.
"""

ADMINISTRATOR = "Administrator"
FRONT_DESK = "Front desk"

# (app label, model) -> actions the front desk may take. No delete: a member or payment
# leaves the club's history only through an administrator.
FRONT_DESK_PERMISSIONS = {
    ("bonuses", "member"): ("view", "add", "change"),
    ("bonuses", "payment"): ("view", "add", "change"),
}


def front_desk_codenames() -> list[tuple[str, str]]:
    return [
        (app, f"{action}_{model}")
        for (app, model), actions in FRONT_DESK_PERMISSIONS.items()
        for action in actions
    ]


def sync_groups(group_model, permission_model) -> None:
    """Create both groups (idempotent) and give them their permissions."""
    from django.db.models import Q

    admin, _ = group_model.objects.get_or_create(name=ADMINISTRATOR)
    admin.permissions.set(permission_model.objects.all())
    desk, _ = group_model.objects.get_or_create(name=FRONT_DESK)
    match = Q(pk__in=[])
    for app, codename in front_desk_codenames():
        match |= Q(content_type__app_label=app, codename=codename)
    desk.permissions.set(permission_model.objects.filter(match))


def grant_administrator_everything(sender, using="default", **kwargs) -> None:
    """post_migrate: permissions of models added after 0001 join the Administrator group."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.using(using).filter(name=ADMINISTRATOR).first()
    if group is not None:
        group.permissions.set(Permission.objects.using(using).all())
