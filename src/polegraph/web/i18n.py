"""French and English for the web pages: the reader's language, the interface's words, localised pages.

The language is `?lang=fr|en` (remembered in a cookie), else the cookie, else the browser's
Accept-Language, else French (the language of the source). The words are in one gettext catalogue
per language (translations/fr.po, en.po), read with Babel, which also writes numbers and dates the
French or English way. A page depends on more than its URL and Accept header; the ETag of the HTTP
layer covers the query string, Accept-Language and Cookie, and `localised_page` says so in Vary, so a
cache never serves French to an English reader.
"""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import Flask, Response, g, render_template, request

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600

CATALOGUES = Path(__file__).parent / "translations"  # one gettext catalogue per language: fr.po, en.po
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@functools.cache
def messages(lang: str) -> dict[str, str]:
    """The interface's words in `lang`, by message key, read once from its catalogue (Babel)."""
    with open(CATALOGUES / f"{lang}.po", "rb") as catalogue:
        return {message.id: message.string for message in read_po(catalogue) if message.id and message.string}


def current_language() -> str:
    """The reader's language for this request (see the module docstring)."""
    if "lang" in g:
        return g.lang
    asked = (request.args.get("lang") or "").lower()
    if asked in LANGUAGES:
        lang = asked
    elif request.cookies.get(COOKIE) in LANGUAGES:
        lang = request.cookies[COOKIE]
    else:
        lang = request.accept_languages.best_match(LANGUAGES) or DEFAULT
    g.lang = lang
    return lang


def translate(key: str, **values) -> str:
    """The interface text `key` in the reader's language (the key itself when unknown, never an error)."""
    text = messages(current_language()).get(key, key)
    return text.format(**values) if values else text


def _mark(response: Response) -> None:
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Accept-Language", "Cookie"))
    asked = (request.args.get("lang") or "").lower()
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_AGE, samesite="Lax", httponly=True)


def localised_page(template: str, status: int = 200, **context) -> Response:
    """Render an HTML template in the reader's language (the HTTP layer's ETag covers the language)."""
    response = Response(render_template(template, **context), status=status,
                        content_type="text/html; charset=utf-8")
    _mark(response)
    return response


def lang_url(lang: str) -> str:
    """This page's URL with `lang` switched."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args, doseq=True)


def number(value) -> str:
    """A figure written the reader's way (Babel, CLDR): 22400000 → "22 400 000" (fr) or "22,400,000" (en)."""
    try:
        return format_decimal(Decimal(str(value)), locale=BABEL_LOCALES[current_language()])
    except (ArithmeticError, ValueError):
        return str(value)


def moment(value: str) -> str:
    """A timestamp (ISO 8601) written the reader's way: "7 déc. 2026, 04:00" (fr), "7 Dec 2026, 04:00" (en)."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return str(value)
    return format_datetime(when, format="medium", locale=BABEL_LOCALES[current_language()])


def filesize(size) -> str:
    """A file's size the reader's way (Babel, CLDR units): 1234567 → "1,2 Mo" (fr) or "1.2 MB" (en)."""
    from babel.units import format_unit

    locale = BABEL_LOCALES[current_language()]
    try:
        size = int(size)
    except (TypeError, ValueError):
        return str(size)
    for unit, scale in (("digital-gigabyte", 1e9), ("digital-megabyte", 1e6), ("digital-kilobyte", 1e3)):
        if size >= scale:
            return format_unit(round(size / scale, 1), unit, length="short", locale=locale)
    return format_unit(size, "digital-byte", length="narrow", locale=locale)


def register(app: Flask) -> None:
    """Make `_`, `lang`, `lang_url` and `languages` available to every template."""
    app.jinja_env.globals.update(_=translate, lang_url=lang_url, languages=LANGUAGES)
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["filesize"] = filesize

    @app.context_processor
    def _language():
        return {"lang": current_language()}
