"""The Chinese catalogue is complete: every UI string has a translation, none is fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    return [block for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n") if "msgid" in block]


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = []
    for block in entries()[1:]:  # the first entry is the header
        if "#, fuzzy" in block or re.search(r'^msgstr(\[\d\])? ""$(?!\n")', block, re.MULTILINE):
            untranslated.append(block.splitlines()[-2] if len(block.splitlines()) > 1 else block)
    assert untranslated == []


def test_the_compiled_catalogue_matches_its_source():
    """django.mo is committed (no gettext needed to run): it must hold what django.po says."""
    import ast
    import gettext

    with CATALOGUE.with_suffix(".mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    checked = 0
    for block in entries()[1:]:
        single = re.search(r'^msgid (".*")\nmsgstr (".*")$', block, re.MULTILINE)
        if single is None or "msgctxt" in block or "#, fuzzy" in block:
            continue
        msgid, msgstr = ast.literal_eval(single.group(1)), ast.literal_eval(single.group(2))
        assert translations.gettext(msgid) == msgstr, msgid
        checked += 1
    assert checked > 100
