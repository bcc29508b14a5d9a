from ._import_base import ImportCommand


class Command(ImportCommand):
    help = "Import payments (member, month, amount, paid) from a CSV or XLSX file."
    kind = "payments"
