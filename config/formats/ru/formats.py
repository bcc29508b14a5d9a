# Russian as the club writes it (settings.FORMAT_MODULE_PATH): `30.11.2026`,
# `ноябрь 2026` (core.periods.format_period lower-cases the month), `15 000 ₸`.
# Anything not set here comes from Django's own Russian formats.
DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
