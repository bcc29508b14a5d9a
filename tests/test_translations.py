"""The Russian catalogue is complete: every string the code and templates mark for
translation has a Russian text that gettext will use (not empty, not fuzzy)."""

import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/ru/LC_MESSAGES/django.po"


def _entries(text: str):
    """(flags, msgid, msgstrs) of every entry but the header and obsolete ones."""
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        msgid, msgstrs, current = [], [], None
        for line in lines:
            if line.startswith("msgid "):
                current = msgid
            elif line.startswith("msgstr"):
                current = []
                msgstrs.append(current)
            elif line.startswith("msgid_plural"):
                current = None
            if current is not None and '"' in line:
                current.append(re.search(r'"(.*)"', line).group(1))
        if msgid and "".join(msgid):
            yield flags, "".join(msgid), ["".join(s) for s in msgstrs]


def test_every_russian_string_is_translated_and_not_fuzzy():
    entries = list(_entries(CATALOGUE.read_text(encoding="utf-8")))
    assert len(entries) > 500
    fuzzy = [msgid for flags, msgid, _ in entries if "fuzzy" in flags]
    empty = [msgid for _, msgid, strs in entries if not all(strs)]
    assert fuzzy == [] and empty == []
