from django.contrib.auth.management import create_permissions
from django.db import migrations

from admin_site.roles import sync_groups


def create_groups(apps, schema_editor):
    # On a fresh database permissions are only created after every migration has run
    # (post_migrate): create them now so that the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    from admin_site.roles import ADMINISTRATOR, FRONT_DESK

    apps.get_model("auth", "Group").objects.filter(name__in=[ADMINISTRATOR, FRONT_DESK]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_cache_table"),
        ("bonuses", "0005_statement_indexes"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
