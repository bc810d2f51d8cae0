"""Every user-facing string goes through Babel and has an English translation.

Chinese is the source language (msgids are Chinese, zh is the default locale);
the English catalog must cover every msgid, and the compiled .mo must match
the .po. Update with (extract, update the en catalog, compile):

    python scripts/i18n.py            # then translate what it lists, and run it again
    python scripts/i18n.py --check    # what still lacks English
"""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.browser.seed import seed_county
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "platform" / "shuzhi" / "translations" / "en" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
CJK = re.compile(r"[\u3400-\u9fff]")


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


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")


def test_translations_keep_placeholders() -> None:
    # ADR 0003: an English string with a missing or renamed %(name)s would drop
    # the value or raise KeyError when rendered; each keeps exactly the msgid's.
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f)
    wrong = [
        (m.id, m.string)
        for m in catalog
        if m.id and m.string and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert not wrong, wrong[:5]


def _nav_labels(html: str) -> list[str]:
    menu = re.search(r'<ul class="navbar-nav[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    assert menu, "no main menu on the page"
    return [
        re.sub(r"\s+", " ", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", menu.group(1), re.S)
    ]


def test_portal_renders_in_english_when_chosen(app, client) -> None:
    # issue 3 item 10: en switch — with session["locale"] = "en" the shell and its
    # navigation come out of the English catalog; without it they stay Chinese.
    county = seed_county(app, "jx")
    login(client, county.users["admin"])
    zh = client.get("/t/jx/orgs").get_data(as_text=True)
    assert {"组织树", "述职关系", "数据导入"} <= set(_nav_labels(zh))

    with client.session_transaction() as sess:
        sess["locale"] = "en"
    r = client.get("/t/jx/orgs")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    labels = _nav_labels(html)
    assert '<html lang="en">' in html
    assert {"Org tree", "Reporting relations", "Data import"} <= set(labels)
    assert not [label for label in labels if CJK.search(label)], labels
    assert "Sign out" in html and "退出登录" not in html
    assert "Work Report Review Platform" in html
