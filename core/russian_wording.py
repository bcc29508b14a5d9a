"""Django admin strings whose Russian puts a model's name after a verb.

Russian declines nouns and a model's verbose name is stored once, in the nominative:
Django's catalogue gives "Добавить оплата", "Изменить участник", "Выберите участник для
изменения". These msgids are named here so that `make messages` keeps them in our
catalogue, which Django reads before its own (settings.LOCALE_PATHS), and they are
worded there with the name after a colon ("Добавление: оплата"), which needs no case.
English keeps Django's wording.
"""

from django.utils.translation import gettext_noop

STRINGS = [
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Add another %(verbose_name)s"),
    # "Выбрать все участники (72)": the plural after "все" needs another case too.
    gettext_noop("Select all %(total_count)s %(module_name)s"),
]
