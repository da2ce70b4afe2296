"""Redirect rules for w3id.org, so that every IRI polegraph mints resolves on the web.

w3id.org keeps one folder per namespace in its repository (perma-id/w3id.org): an Apache `.htaccess`
(mod_rewrite) and a `README.md` naming the maintainers. `w3id_files` writes both for this project's
namespace, generated from the IRI forms of vocab.py, never written by hand: each form is sent, same
path, to the server deployed at a base URL, which answers every IRI at its own path (web/views: pages,
ontology, downloads). The client re-sends its Accept header there, and the server does the content
negotiation and answers 303 for a thing, as it does for its own IRIs. The rules therefore negotiate
nothing; anything under the namespace that polegraph never mints is w3id.org's 404.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from polegraph.errors import PolegraphError
from polegraph.vocab import (
    BASE,
    CATALOG_IRI,
    DATASET_IRI,
    GRAPH,
    ID,
    KINDS,
    ONTOLOGY_IRI,
    ONTOLOGY_VERSION,
    ONTOLOGY_VERSION_RE,
    RELEASE,
    RELEASE_ID_RE,
    SLUG_RE,
)

W3ID = "https://w3id.org/"
HANDLE_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")  # GitHub's user names
BASE_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?/?$")


@dataclass(frozen=True)
class IriForm:
    """One form of IRI under the namespace: the regular expression of its path, its status, what it is."""

    what: str
    example: str  # the form as the README shows it
    pattern: str  # over the path after the namespace (one capturing group: the whole path)
    status: int


def _inner(regex: re.Pattern) -> str:
    """A vocab.py pattern without its anchors, its groups made non-capturing."""
    return regex.pattern.strip("^$").replace("(", "(?:")


def _path(iri: str) -> str:
    assert iri.startswith(BASE), iri
    return re.escape(iri[len(BASE):])


def iri_forms() -> tuple[IriForm, ...]:
    """Every IRI form polegraph mints (vocab.py), as rules: things 303, named graphs (documents) 302."""
    slug, kinds = _inner(SLUG_RE), "|".join(KINDS)
    return (
        IriForm(f"a thing (kinds: {', '.join(KINDS)}); a manifesto section's IRI also names its graph",
                f"{ID}{{kind}}/{{slug}}", f"{_path(ID)}(?:{kinds})/{slug}", 303),
        IriForm("the ontology; its terms (…/ontology#Term) keep their fragment in the client",
                ONTOLOGY_IRI, _path(ONTOLOGY_IRI), 303),
        IriForm("a version of the ontology (its owl:versionIRI)", f"{ONTOLOGY_VERSION}{{version}}",
                _path(ONTOLOGY_VERSION) + _inner(ONTOLOGY_VERSION_RE), 303),
        IriForm("the dataset (its DCAT-AP description)", DATASET_IRI, _path(DATASET_IRI), 303),
        IriForm("the catalogue (the same description)", CATALOG_IRI, _path(CATALOG_IRI), 303),
        IriForm("a release: one version of the dataset", f"{RELEASE}{{release id}}",
                _path(RELEASE) + _inner(RELEASE_ID_RE), 303),
        IriForm("a named graph that is not a section (ontology, vocabulary, manifesto, provenance, inferred)",
                f"{GRAPH}{{name}}", _path(GRAPH) + slug, 302),
    )


def namespace() -> str:
    """The project's folder in w3id.org's repository (`polegraph`)."""
    assert BASE.startswith(W3ID), BASE
    return BASE[len(W3ID):].strip("/")


def check_base_url(url: str) -> str:
    """The server's base URL, ending in "/": http(s), a host, no path (the server answers at the root of
    its host: its own redirects are absolute paths), nothing a rewrite rule would read as syntax."""
    if not BASE_URL_RE.match(url or ""):
        raise PolegraphError(f"--base-url {url!r}: give the server's URL as scheme and host only, e.g. "
                             f"https://data.example.org/ (polegraph is served at the root of a host)")
    return url if url.endswith("/") else url + "/"


def parse_maintainer(text: str) -> tuple[str, str]:
    """`Full Name @github-handle` → (name, handle): whom w3id.org's maintainers contact."""
    name, _, handle = text.strip().rpartition(" @")
    handle = handle.lstrip("@")
    if not name.strip() or not HANDLE_RE.match(handle):
        raise PolegraphError(f"--maintainer {text!r}: write it as 'Full Name @github-handle'")
    return name.strip(), handle


def htaccess(base_url: str, command: str) -> str:
    """The `.htaccess` of the namespace: one RewriteRule per IRI form, to the same path under base_url."""
    base = check_base_url(base_url)
    lines = [
        f"# {W3ID}{namespace()}/ — permanent IRIs of polegraph, the knowledge graph of France's pôles de "
        "compétitivité.",
        "# Generated from the IRI forms polegraph mints (src/polegraph/vocab.py): regenerate, do not edit:",
        f"#   {command}",
        f"# Each IRI goes to the same path under {base}; the client re-sends its Accept header there and the",
        "# server negotiates (HTML, Turtle, JSON-LD, RDF/XML, N-Triples). Other paths: not found.",
        "Options +FollowSymLinks",
        "RewriteEngine on",
        "# Scripts on other sites may follow these redirects (CORS on the redirect itself).",
        'Header always set Access-Control-Allow-Origin "*"',
        "",
        "# the namespace itself: the site's home page",
        f"RewriteRule ^$ {base} [R=302,L]",
    ]
    for form in iri_forms():
        lines += [f"# {form.what}", f"RewriteRule ^({form.pattern})$ {base}$1 [R={form.status},L]"]
    return "\n".join(lines) + "\n"


def readme(base_url: str, maintainers: list[tuple[str, str]], command: str) -> str:
    """The namespace's README.md: what it identifies, where it redirects, who maintains it."""
    base = check_base_url(base_url)
    rows = [f"| `{form.example}` | `{base}{form.example[len(BASE):]}` | {form.status} | {form.what} |"
            for form in iri_forms()]
    contacts = [f"- {name} (GitHub: [@{handle}](https://github.com/{handle}))" for name, handle in maintainers]
    return "\n".join([
        "# polegraph",
        "",
        "Permanent identifiers of polegraph, the knowledge graph of France's *pôles de compétitivité* built "
        "from the AFPC's *Manifeste Phase 6*, published as RDF with a SPARQL endpoint.",
        "",
        f"Every IRI below redirects to the same path on the polegraph server at <{base}>, which answers by "
        "content negotiation (HTML, Turtle, JSON-LD, RDF/XML, N-Triples): 303 See Other for things, as "
        "the W3C's *Cool URIs for the Semantic Web* recommend.",
        "",
        "| IRI | redirects to | status | what |",
        "| --- | --- | --- | --- |",
        f"| `{BASE}` | `{base}` | 302 | the namespace: the site's home page |",
        *rows,
        "",
        "The `.htaccess` is generated by polegraph from the IRI forms it mints; regenerate it rather than "
        "editing it:",
        "",
        "```sh",
        command,
        "```",
        "",
        "## Contacts",
        "",
        *contacts,
        "",
    ])


def w3id_files(out: Path, base_url: str, maintainers: list[str]) -> list[Path]:
    """Write <out>/<namespace>/.htaccess and README.md, ready for a pull request to w3id.org."""
    if not maintainers:
        raise PolegraphError("name at least one maintainer: --maintainer 'Full Name @github-handle'")
    people = [parse_maintainer(m) for m in maintainers]
    base = check_base_url(base_url)
    command = " ".join(["polegraph publish --to w3id", f"--base-url {base}",
                        *(f"--maintainer {shlex.quote(f'{name} @{handle}')}" for name, handle in people), "--out DIR"])
    folder = Path(out) / namespace()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((".htaccess", htaccess(base, command)), ("README.md", readme(base, people, command))):
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written
