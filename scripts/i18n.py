"""Keep the English catalog in step with the Chinese msgids, in one command.

    python scripts/i18n.py           # extract, update the en catalog, compile the .mo
    python scripts/i18n.py --check   # change nothing; exit 1 listing what lacks English

Messages are extracted from platform/ as babel.cfg says, with the keywords
tests/test_i18n.py uses. Updating keeps every existing translation; a msgid
that was edited a little comes back marked fuzzy with the old English and a
"was:" comment as a hint (fuzzy counts as untranslated until someone reviews
it and removes the flag and the comment).
Messages no longer in the code are dropped (git keeps them). The .po is only
rewritten when its messages changed, so a run with nothing new leaves no diff.
"""

from __future__ import annotations

import argparse
import sys
from difflib import get_close_matches
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "platform" / "shuzhi" / "translations"
LOCALE = "en"
#: The same keywords as tests/test_i18n.py: gettext's defaults plus the lazy ones.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
#: How close (difflib ratio) and how long an edited msgid must be to inherit a fuzzy hint.
FUZZY_CUTOFF = 0.75
MIN_FUZZY_LEN = 8


def po_path(locale: str = LOCALE) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """A template catalog of every msgid under platform/ (paths relative to the repo)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, filename="babel.cfg")
    template = Catalog(project="shuzhi", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if not filename.startswith("platform/"):
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def updated(template: Catalog, locale: str = LOCALE) -> Catalog:
    """The locale's catalog updated to the template, keeping existing translations.

    Babel's own fuzzy matching pairs short Chinese msgids badly ("本单位" with
    "单位"), so a new msgid only gets a hint from a msgid that just left the
    code and is very close to it (an edited sentence), marked fuzzy.
    """
    path = po_path(locale)
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="shuzhi", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    gone = {m.id: m.string for m in catalog.obsolete.values() if isinstance(m.id, str) and m.string}
    catalog.obsolete.clear()
    for m in catalog:
        if not m.id or m.string or not isinstance(m.id, str) or len(m.id) < MIN_FUZZY_LEN:
            continue
        close = get_close_matches(m.id, list(gone), n=1, cutoff=FUZZY_CUTOFF)
        if close:
            m.string = gone[close[0]]
            m.flags.add("fuzzy")
            m.user_comments.append(f"was: {close[0]}")
    return catalog


def untranslated(catalog: Catalog) -> list[tuple[str, bool]]:
    """(msgid, is_fuzzy) for every message without a usable translation."""
    out = []
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        if m.fuzzy or not all(strings):
            msgid = m.id[0] if isinstance(m.id, (list, tuple)) else m.id
            out.append((msgid, bool(m.fuzzy and all(strings))))
    return out


def po_bytes(catalog: Catalog) -> bytes:
    buf = BytesIO()
    # No line numbers: they move with every edit of the code and would churn the file.
    write_po(buf, catalog, width=0, ignore_obsolete=True, include_lineno=False)
    return buf.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def _body(po: bytes) -> list[bytes]:
    """A .po without the header's dates, which change on every run."""
    return [
        line
        for line in po.splitlines()
        if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:', b"# Copyright (C)"))
    ]


def _mo_map(data: bytes) -> dict:
    return {m.id: m.string for m in read_mo(BytesIO(data)) if m.id}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if anything lacks English"
    )
    parser.add_argument("--locale", default=LOCALE, help="catalog to update (default: en)")
    args = parser.parse_args(argv)

    template = extract()
    catalog = updated(template, args.locale)
    missing = untranslated(catalog)
    po_file = po_path(args.locale)
    mo_file = po_file.with_suffix(".mo")
    new_po = po_bytes(catalog)
    old_po = po_file.read_bytes() if po_file.exists() else b""
    po_changed = _body(new_po) != _body(old_po)

    if args.check:
        mo_stale = not mo_file.exists() or _mo_map(mo_file.read_bytes()) != _mo_map(mo_bytes(catalog))
        for msgid, fuzzy in missing:
            print(f"{'fuzzy' if fuzzy else 'missing'}\t{msgid}")
        if po_changed:
            print(f"{po_file.relative_to(ROOT)} is behind the code: run python scripts/i18n.py")
        if mo_stale:
            print(f"{mo_file.relative_to(ROOT)} is stale: run python scripts/i18n.py")
        print(f"{len(template)} msgids, {len(missing)} without English ({args.locale})", file=sys.stderr)
        return 1 if missing or po_changed or mo_stale else 0

    po_file.parent.mkdir(parents=True, exist_ok=True)
    if po_changed:
        po_file.write_bytes(new_po)
    # Compile the file itself (not the in-memory update, whose header dates move on every run).
    with po_file.open("rb") as f:
        catalog = read_po(f, locale=args.locale)
    new_mo = mo_bytes(catalog)
    if not mo_file.exists() or mo_file.read_bytes() != new_mo:
        mo_file.write_bytes(new_mo)
    print(
        f"{po_file.relative_to(ROOT)}: {len(template)} msgids, {len(missing)} to translate"
        f"{'' if po_changed else ' (unchanged)'}"
    )
    for msgid, fuzzy in missing:
        print(f"  {'fuzzy' if fuzzy else 'missing'}\t{msgid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
