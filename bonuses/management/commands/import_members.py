from ._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import members from a CSV or XLSX file (all rows or none)."
    kind = "members"
