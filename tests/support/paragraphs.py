"""The manifesto's paragraphs, and which paragraph names which resource: the tool behind data/paragraphs/.

A reader who holds the manifesto finds a statement by its section and the ordinal of its paragraph
("Annexe 02, §7"). This module cuts the text of ../shared/sources/manifeste-phase6.txt into sections
(by line, checked against the text's checksum) and each section into numbered paragraphs, then
proposes, for each section, which of its paragraphs name each resource the section's graph
describes (by any of its labels, longest name first, so "BioValley France" is not also "France").
Only ordinals and IRIs are written; no word of the text enters the project.

    .venv/bin/python -m tests.support.paragraphs            # what would change in data/paragraphs/
    .venv/bin/python -m tests.support.paragraphs --write    # rewrite the generated files

The generated files are data/paragraphs/{section}.trig; mentions a reader had to add by hand (a
pôle named "le pôle", a figure written in words) are in data/paragraphs/reviewed.trig, each with
its reason, and the tool never touches that file. tests/data/test_paragraphs.py checks both
against the text.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tests.support import MANIFESTO, PROJECT

ID = "https://w3id.org/polegraph/id/"
PG = "https://w3id.org/polegraph/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LABELS = (RDFS_LABEL, SKOS + "altLabel", SKOS + "prefLabel")
FOLDER = PROJECT / "data" / "paragraphs"
REVIEWED = FOLDER / "reviewed.trig"
SOURCE_SHA256 = "6185d77ad39fee7ab0d248097791630382a4fde4aa40c9e3e13903fc27f77631"

# Where each section starts in the text (1-based line), and how many of its first blocks are its
# printed heading (not counted as paragraphs). A section ends where the next one starts.
SECTIONS = (
    ("couverture", 1, 0), ("introduction", 27, 0), ("chapitre-01", 64, 2), ("chapitre-02", 94, 1),
    ("chapitre-03", 112, 1), ("chapitre-04", 124, 1), ("chapitre-05", 144, 1), ("chapitre-06", 164, 1),
    ("chapitre-07", 180, 1), ("chapitre-08", 200, 1), ("conclusion", 212, 1), ("signatures", 224, 1),
    ("carte", 494, 0), ("annexe-01", 509, 3), ("annexe-02", 599, 2), ("annexe-03", 695, 2),
    ("annexe-04", 757, 1), ("annexe-05", 815, 1), ("annexe-06", 857, 1), ("annexe-07", 889, 2),
    ("colophon", 935, 1),
)
# Paragraph labels: the section as a reader names it, in French and English.
SECTION_NAMES = {
    "couverture": ("Couverture", "Cover"), "introduction": ("Introduction", "Introduction"),
    "conclusion": ("Conclusion", "Conclusion"), "signatures": ("Signatures", "Signatures"),
    "carte": ("Carte des pôles", "Map of the pôles"), "colophon": ("Bloc final", "Closing block"),
    **{f"chapitre-0{n}": (f"Chapitre 0{n}", f"Chapter 0{n}") for n in range(1, 9)},
    **{f"annexe-0{n}": (f"Annexe 0{n}", f"Annex 0{n}") for n in range(1, 8)},
}
# Things the project composes (their labels are its own words): found through what they link.
COMPOSED_KINDS = ("figure", "mandate", "participation", "role", "signature")
NOT_MENTIONED_KINDS = ("section", "paragraph", "scheme", "measure")
# Auto-found mentions a reviewer rejected: (section, paragraph number, IRI) → why.
REJECTED: dict[tuple[str, int, str], str] = {
    # "Défense" there is a word of the SGDSN's full name, not the defence value chain.
    **{(slug, number, ID + "filiere/defense"): "a word of the SGDSN's name"
       for slug, number in (("chapitre-01", 5), ("annexe-01", 13), ("annexe-01", 14))},
}
LIST_ITEM = re.compile(r"^(- |↗|●)")
NUMBER = re.compile(r"\d(?:[\d\u202f\u00a0 ]*\d)?(?:,\d+)?")


# --------------------------------------------------------------------------------------------- the text

def source_text(path: Path = MANIFESTO) -> str:
    """The manifesto, refused when it is not the text the section lines were read from."""
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != SOURCE_SHA256:
        raise SystemExit(f"{path} is not the text SECTIONS was drawn from: review the section lines first")
    return data.decode("utf-8")


def _blocks(lines: list[str]) -> list[str]:
    """Blocks of consecutive non-blank lines; list items are blocks of their own."""
    blocks: list[list[str]] = []
    previous_blank = True
    for line in lines:
        text = line.strip()
        if not text:
            previous_blank = True
            continue
        if previous_blank or LIST_ITEM.match(text):
            blocks.append([])
        blocks[-1].append(text)
        previous_blank = False
    return [_join(block) for block in blocks]


def _join(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        cut_word = out.endswith("-") and line[:1].islower()  # a word cut at the end of a line
        out = out[:-1] + line if cut_word else f"{out} {line}"
    return out


def _continues(before: str, after: str) -> bool:
    """A paragraph the extraction cut in two: no end of sentence before, a lower-case word after."""
    return bool(re.search(r"[a-zà-ÿ,\-]$", before)) and (after[:1].islower() or re.match(r"\([^\d]", after) is not None)


def paragraphs(text: str) -> dict[str, list[str]]:
    """Each section's paragraphs in order (paragraph n is item n - 1)."""
    lines = text.splitlines()
    out = {}
    for index, (slug, start, heading_blocks) in enumerate(SECTIONS):
        end = SECTIONS[index + 1][1] - 1 if index + 1 < len(SECTIONS) else len(lines)
        merged: list[str] = []
        for block in _blocks(lines[start - 1:end])[heading_blocks:]:
            if merged and _continues(merged[-1], block):
                merged[-1] = _join([merged[-1], block])
            else:
                merged.append(block)
        out[slug] = merged
    return out


# ------------------------------------------------------------------------------------------ matching

def fold(text: str) -> str:
    """Accents off, typographic marks off, punctuation as single spaces (case kept)."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe").replace("Œ", "OE"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass(frozen=True)
class Name:
    iri: str
    folded: str
    exact_case: bool  # a short name ("Safe", "État", "UE") must keep its case (or be all capitals)

    def pattern(self) -> re.Pattern:
        body = re.escape(self.folded)
        if self.exact_case:
            return re.compile(rf"(?<!\w)(?:{body}|{re.escape(self.folded.upper())})(?!\w)")
        return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def names_of(labels: dict[str, set[str]]) -> list[Name]:
    """Every name of every resource, longest first (a longer name hides the shorter ones inside it)."""
    names = {Name(iri, fold(label), len(fold(label)) <= 4) for iri, values in labels.items() for label in values
             if fold(label)}
    return sorted(names, key=lambda n: (-len(n.folded), n.folded, n.iri))


def named_in(paragraph: str, names: list[Name]) -> set[str]:
    """The resources `paragraph` names, a span of text counting for the longest name it matches."""
    text = fold(paragraph)
    taken = [False] * len(text)
    found = set()
    for name in names:
        for match in name.pattern().finditer(text):
            if any(taken[match.start():match.end()]):
                continue
            taken[match.start():match.end()] = [True] * (match.end() - match.start())
            found.add(name.iri)
    return found


def names_any(paragraph: str, names: list[Name]) -> bool:
    """True when `paragraph` holds any of `names` (no hiding: the plain question a reader asks)."""
    text = fold(paragraph)
    return any(name.pattern().search(text) for name in names)


def _digits(value: str) -> str:
    """The significant digits of a number as written (4 500 → 45, 1,3 → 13, 43000000 → 43)."""
    return re.sub(r"\D", "", value).strip("0")


def numbers_in(paragraph: str) -> set[str]:
    return {_digits(n) for n in NUMBER.findall(paragraph)} - {""}


def value_digits(value: str) -> str:
    try:
        return _digits(format(Decimal(value).normalize(), "f"))
    except InvalidOperation:
        return ""


# -------------------------------------------------------------------------------------- the proposal

def kind_of(iri: str) -> str:
    return iri[len(ID):].split("/", 1)[0] if iri.startswith(ID) else ""


@dataclass
class SectionGraph:
    """What one section's graph says, as the proposal needs it."""

    subjects: set[str]
    links: dict[str, set[str]]  # resource → the resources it is linked with (either direction)
    values: dict[str, set[str]]  # figure → its pg:value


def read_sections() -> tuple[dict[str, SectionGraph], dict[str, set[str]]]:
    """The section graphs of the project's sources (paragraph data left out) and every resource's labels."""
    from polegraph.pipeline.sources import load_sources
    from polegraph.settings import Settings

    sources = load_sources(Settings(project=PROJECT))
    labels: dict[str, set[str]] = defaultdict(set)
    sections: dict[str, SectionGraph] = {}
    for graph in sources.section_graphs():
        slug = str(graph)[len(ID + "section/"):]
        section = sections[slug] = SectionGraph(set(), defaultdict(set), defaultdict(set))
        for s, p, o in sources.graph(str(graph)):
            s, p = str(s), str(p)
            if kind_of(s) in ("paragraph", "") or p == PG + "mentions":
                continue
            section.subjects.add(s)
            if p in LABELS:
                labels[s].add(str(o))
            elif p == PG + "value":
                section.values[s].add(str(o))
            elif str(o).startswith(ID) and kind_of(str(o)) not in NOT_MENTIONED_KINDS:
                section.links[s].add(str(o))
                section.links[str(o)].add(s)
    return sections, labels


def propose(text: str, sections: dict[str, SectionGraph], labels: dict[str, set[str]]) -> dict[str, list[set[str]]]:
    """For each section, the resources each of its paragraphs mentions (list index = paragraph number - 1)."""
    cut = paragraphs(text)
    proposal = {}
    for slug, paras in cut.items():
        section = sections.get(slug)
        mentions: list[set[str]] = [set() for _ in paras]
        if section is not None:
            named = {iri for iri in section.subjects
                     if kind_of(iri) not in COMPOSED_KINDS + NOT_MENTIONED_KINDS and labels.get(iri)}
            names = names_of({iri: labels[iri] for iri in named})
            for number, paragraph in enumerate(paras, 1):
                mentions[number - 1] = {iri for iri in named_in(paragraph, names)
                                        if (slug, number, iri) not in REJECTED}
            composed = sorted(iri for iri in section.subjects if kind_of(iri) in COMPOSED_KINDS)
            for iri in composed:
                for number in _best_for_composed(iri, section, paras, mentions):
                    if (slug, number, iri) not in REJECTED:
                        mentions[number - 1].add(iri)
        proposal[slug] = mentions
    return proposal


def _best_for_composed(iri: str, section: SectionGraph, paras: list[str], mentions: list[set[str]]) -> list[int]:
    """The paragraphs stating a figure, mandate, role or participation: those naming most of what it
    links, a figure's value written there counting double; none when nothing of it is found."""
    linked = section.links.get(iri, set())
    digits = {value_digits(v) for v in section.values.get(iri, ())} - {""}
    scores = []
    for number, paragraph in enumerate(paras, 1):
        score = len(linked & mentions[number - 1])
        if digits & numbers_in(paragraph):
            score += 2
        scores.append(score)
    best = max(scores, default=0)
    return [n for n, score in enumerate(scores, 1) if score == best] if best else []


# ----------------------------------------------------------------------------------------- the files

def paragraph_iri(slug: str, number: int) -> str:
    return f"{ID}paragraph/{slug}-{number}"


def _curie(iri: str) -> str:
    kind = kind_of(iri)
    return f"{kind}:{iri[len(ID) + len(kind) + 1:]}" if kind else f"<{iri}>"


def render(slug: str, mentions: list[set[str]]) -> str:
    """The TriG of one section's paragraphs and their mentions (deterministic)."""
    kinds = sorted({"paragraph", "section"} | {kind_of(i) for found in mentions for i in found})
    head = [f"# Paragraphs of section {slug}: generated by `python -m tests.support.paragraphs --write` from",
            "# the manifesto's text (tests/support/paragraphs.py says how §n is counted). Do not edit by hand:",
            "# add a mention the tool cannot find to reviewed.trig, with its reason.",
            "@prefix pg: <https://w3id.org/polegraph/ontology#> .",
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
            "@prefix dcterms: <http://purl.org/dc/terms/> .",
            *(f"@prefix {kind}: <{ID}{kind}/> ." for kind in kinds), "", f"section:{slug} {{"]
    french, english = SECTION_NAMES[slug]
    body = []
    for number, found in enumerate(mentions, 1):
        lines = [f"    paragraph:{slug}-{number} a pg:Paragraph ;",
                 f'        rdfs:label "{french}, §{number}"@fr , "{english}, §{number}"@en ;',
                 f"        dcterms:isPartOf section:{slug} ; pg:paragraphNumber {number}"]
        if found:
            lines[-1] += " ;"
            lines.extend(_wrapped("        pg:mentions ", [_curie(i) for i in sorted(found)]))
        lines[-1] += " ."
        body.extend(lines)
    return "\n".join(head + body + ["}", ""])


def _wrapped(start: str, items: list[str], width: int = 110) -> list[str]:
    """`start` then the items separated by commas, on lines of at most `width` characters."""
    lines, line = [], start
    for index, item in enumerate(items):
        piece = item + (" ," if index < len(items) - 1 else "")
        if line.strip() and len(line) + len(piece) > width and line != start:
            lines.append(line.rstrip())
            line = " " * 12
        line += piece + " "
    lines.append(line.rstrip())
    return lines


def main(argv: list[str]) -> int:
    text = source_text()
    sections, labels = read_sections()
    proposal = propose(text, sections, labels)
    FOLDER.mkdir(exist_ok=True)
    changed = []
    for slug, mentions in proposal.items():
        path = FOLDER / f"{slug}.trig"
        wanted = render(slug, mentions)
        if not path.is_file() or path.read_text(encoding="utf-8") != wanted:
            changed.append(path.name)
            if "--write" in argv:
                path.write_text(wanted, encoding="utf-8")
    verb = "rewrote" if "--write" in argv else "would rewrite"
    print(f"{verb} {len(changed)} file(s): {', '.join(changed)}" if changed else "data/paragraphs/ is up to date")
    return 1 if changed and "--write" not in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
