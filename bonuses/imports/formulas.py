"""Cells a spreadsheet would run as a formula, made harmless in CSV exports and read back.

OWASP's advice for CSV injection: a cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe (and is quoted, which the csv module does for
any cell that needs it). A cell that already begins with an apostrophe gets one more, so
that `restore(neutralise(x)) == x` for every text. Imports call `restore`, so a phone like
`+77011112233` or a name like `=Dana` exported to CSV comes back as it was.
https://owasp.org/www-community/attacks/CSV_Injection
"""

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def neutralise(text: str) -> str:
    """A text cell as it may safely stand in a CSV file (str in, str out)."""
    if text.startswith(TRIGGERS) or text.startswith(PREFIX):
        return PREFIX + text
    return text


def restore(text: str) -> str:
    """The original text of a cell `neutralise` wrote; any other text is returned as is."""
    if text.startswith(PREFIX) and text[1:].startswith((*TRIGGERS, PREFIX)):
        return text[1:]
    return text
