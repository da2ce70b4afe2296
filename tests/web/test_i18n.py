"""The interface's words: one gettext catalogue per language (web/translations/), read with Babel; every
message the templates and views use is in both, and numbers and dates are written the reader's way."""

from __future__ import annotations

import re

import pytest

from polegraph.web.i18n import LANGUAGES, messages
from tests.support import PROJECT

WEB = PROJECT / "src" / "polegraph" / "web"
USED = re.compile(r"""(?:\b_|translate)\(\s*['"]([a-z][\w.]*\w)['"]\s*[,)]""")
MONTHS = {"fr": ("janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec")}


def used_keys() -> set[str]:
    keys = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.rglob("*.py")]:
        keys |= set(USED.findall(path.read_text(encoding="utf-8")))
    return keys


def test_both_catalogues_hold_the_same_messages():
    assert set(messages("fr")) == set(messages("en"))
    assert all(text.strip() for lang in LANGUAGES for text in messages(lang).values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_used_is_in_the_catalogue(lang):
    missing = sorted(key for key in used_keys() if key not in messages(lang))
    assert not missing, f"messages missing from {lang}.po: {missing}"


def test_numbers_and_dates_are_written_the_readers_way(settings, release):
    from polegraph.web import create_app

    client = create_app(settings, release).test_client()
    french = client.get("/?lang=fr").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    created = release.metadata["created"]  # e.g. 2026-12-07T04:00:29Z
    year, month = created[:4], int(created[5:7])
    assert re.search(rf"\d+ {MONTHS['fr'][month - 1]}\.? {year}", french)
    assert re.search(rf"\d+ {MONTHS['en'][month - 1]} {year}", english)


def built_keys() -> set[str]:
    """The keys views build from their tables (`translate(f"editor.js.{key}")` and the like)."""
    from polegraph.query.named import TOPICS
    from polegraph.web.views import editor, explorer

    return ({f"editor.js.{key}" for key in editor.SCRIPT_WORDS}
            | {f"explorer.js.{key}" for key in explorer.SCRIPT_WORDS}
            | {f"topic.{topic}" for topic in TOPICS} | {f"group.{group}.one" for group in explorer.GROUPS})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_a_view_builds_is_in_the_catalogue(lang):
    missing = sorted(key for key in built_keys() if key not in messages(lang))
    assert not missing, f"messages missing from {lang}.po: {missing}"
