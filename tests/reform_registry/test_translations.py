"""Every message of the site has its English: the English catalogue has no untranslated or
fuzzy entry, and its compiled form is the one Django reads."""

import ast
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def entries(path: Path) -> list[dict]:
    """The po file's entries: flags, msgctxt, msgid, msgid_plural and msgstr (by form)."""
    found: list[dict] = []
    entry: dict = {}
    key = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                found.append(entry)
            entry, key = {}, None
            continue
        entry.setdefault("flags", set())
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            keyword, _, value = line.partition(" ")
            key = keyword
            entry[key] = ast.literal_eval(value)
    return found


def test_the_reader_reads_entries():
    parsed = entries(PO)
    assert len(parsed) > 400
    header = parsed[0]
    assert header["msgid"] == "" and "Plural-Forms" in header["msgstr"]
    assert "Language: en" in header["msgstr"]


def test_every_message_has_its_english():
    problems = []
    for entry in entries(PO)[1:]:
        name = (entry.get("msgctxt"), entry["msgid"])
        strings = [v for k, v in entry.items() if k.startswith("msgstr")]
        if "fuzzy" in entry["flags"]:
            problems.append(("fuzzy", *name))
        elif not strings or not all(strings):
            problems.append(("untranslated", *name))
        elif "python-format" in entry["flags"]:
            wanted = set(PLACEHOLDER.findall(entry["msgid"]))
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != wanted:
                    problems.append(("placeholders", *name, string))
    assert not problems, f"{len(problems)} entries: {problems[:20]}"


def test_the_compiled_catalogue_is_current():
    """The .mo Django reads gives each entry's English (compile after editing the .po)."""
    stale = []
    with translation.override("en"):
        for entry in entries(PO)[1:]:
            if "fuzzy" in entry["flags"] or "msgid_plural" in entry or not entry.get("msgstr"):
                continue
            if "msgctxt" in entry:
                given = translation.pgettext(entry["msgctxt"], entry["msgid"])
            else:
                given = translation.gettext(entry["msgid"])
            if given != entry["msgstr"]:
                stale.append(entry["msgid"])
    assert not stale, stale[:20]
