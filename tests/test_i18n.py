"""Every user-facing string goes through Babel and has an English translation.

Chinese is the source language (msgids are Chinese, zh is the default locale);
the English catalog must cover every msgid, and the compiled .mo must match
the .po. Update with:

    pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/messages.pot .
    pybabel update -i /tmp/messages.pot -d platform/shuzhi/translations -l en
    pybabel compile -d platform/shuzhi/translations
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "platform" / "shuzhi" / "translations" / "en" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _extracted() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "platform"), METHODS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_an_english_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_extracted() - translated)
    assert not missing, f"{len(missing)} strings lack an English translation, e.g. {missing[:5]}"


def test_compiled_catalog_matches_po() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
    mo = {m.id: m.string for m in read_mo(BytesIO((CATALOG / "messages.mo").read_bytes())) if m.id}
    assert po == mo, "run: pybabel compile -d platform/shuzhi/translations"
