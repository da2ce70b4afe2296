"""The coverage sweep: is every name the manifesto states a label of the graph, or a listed omission?

The graph is checked for what it says (SHACL, HermiT); this checks it for what it leaves out. The text
is cut into the manifesto's sections, each paragraph is read for names (pipeline/names.py), and a name
no label of the graph matches is reported under its section — unless `data/coverage.toml` lists it
with the reason it is not a thing of the graph. The same sweep runs with a contributor's files added
to the graph, so a contribution sees which names of its sections it still leaves out.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef

from polegraph.errors import SourceError
from polegraph.pipeline.names import Candidate, LabelIndex, candidates, normal
from polegraph.pipeline.sources import load_sources
from polegraph.settings import Settings
from polegraph.vocab import DCTERMS, ONTOLOGY_GRAPH, PG, RDFS, SECTION, SKOS

# Where the graph writes a name as printed: its labels, and the literals that record printed text.
LABEL_PROPERTIES = tuple(URIRef(iri) for iri in (
    RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel", DCTERMS + "alternative",
    PG.titleAsWritten, PG.slogan,
))


@dataclass(frozen=True)
class Omission:
    name: str
    reason: str


@dataclass(frozen=True)
class CoverageConfig:
    """`data/coverage.toml`: where each section of the text begins, and the reviewed omissions."""

    sections: dict[str, str]
    omissions: dict[str, Omission]  # by normal form

    @classmethod
    def read(cls, path: Path) -> CoverageConfig:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls({}, {})
        except tomllib.TOMLDecodeError as exc:
            raise SourceError(str(path), str(exc)) from None
        omissions: dict[str, Omission] = {}
        for group in raw.get("omit", []):
            reason = str(group.get("reason", "")).strip()
            if not reason:
                raise SourceError(str(path), f"an [[omit]] group without a reason: {group.get('names')}")
            for name in group.get("names", []):
                if normal(name) in omissions:
                    raise SourceError(str(path), f"{name!r} is listed twice")
                omissions[normal(name)] = Omission(name, reason)
        return cls({str(k): str(v) for k, v in raw.get("sections", {}).items()}, omissions)


@dataclass(frozen=True)
class Part:
    """A stretch of the text: a manifesto section (its slug), or the whole of another text."""

    name: str
    first_line: int  # 1-based, inclusive
    lines: list[str]


def split_sections(text: str, markers: dict[str, str], fallback: str) -> list[Part]:
    """The text cut where each section's first line (a pattern, in order) is found; one part otherwise."""
    lines = text.splitlines()
    starts: list[tuple[str, int]] = []
    at = 0
    for slug, pattern in markers.items():
        found = next((i for i in range(at, len(lines)) if not pattern or re.search(pattern, lines[i].strip())), None)
        if found is None:
            return [Part(fallback, 1, lines)]
        starts.append((slug, found))
        at = found + 1 if pattern else found
    if not starts:
        return [Part(fallback, 1, lines)]
    bounds = [start for _slug, start in starts[1:]] + [len(lines)]
    return [Part(slug, start + 1, lines[start:end]) for (slug, start), end in zip(starts, bounds, strict=True)]


def graph_labels(graph: Graph | Dataset) -> set[str]:
    """Every printed form the graph holds, outside the ontology (its class names are not names of things)."""
    quads = graph.quads((None, None, None, None)) if isinstance(graph, Dataset) else (
        (s, p, o, None) for s, p, o in graph)
    return {str(o) for _s, p, o, g in quads
            if p in LABEL_PROPERTIES and isinstance(o, Literal)
            and getattr(g, "identifier", g) != URIRef(ONTOLOGY_GRAPH)}


def sections_named(dataset: Dataset) -> set[str]:
    """The slugs of the manifesto sections a contributor's TriG file writes into."""
    return {str(g.identifier)[len(str(SECTION)):] for g in dataset.graphs()
            if str(g.identifier).startswith(str(SECTION)) and len(g)}


@dataclass
class SectionCoverage:
    section: str
    found: int = 0  # names met, label or not
    omitted: list[Candidate] = field(default_factory=list)
    unmatched: list[Candidate] = field(default_factory=list)


@dataclass
class CoverageReport:
    source: str
    sections: list[SectionCoverage]
    stale: list[Omission]  # listed, but no longer met unmatched anywhere (only when the whole text is swept)

    @property
    def unmatched(self) -> list[tuple[str, Candidate]]:
        return [(s.section, c) for s in self.sections for c in s.unmatched]

    @property
    def ok(self) -> bool:
        return not self.unmatched and not self.stale

    def to_text(self) -> str:
        lines = [f"coverage of {self.source}: the names each section states, against every label of the graph"]
        for sc in self.sections:
            lines.append(f"{sc.section}: {sc.found} name(s), {len(sc.omitted)} omitted on purpose, "
                         f"{len(sc.unmatched)} unmatched")
            lines += [f"  line {c.line}: {c.name}  ({c.rule})" for c in sc.unmatched]
        for omission in self.stale:
            lines.append(f"listed as an omission but no longer met unmatched: {omission.name!r}")
        omitted = sum(len(sc.omitted) for sc in self.sections)
        verdict = "every name is a label of the graph or a listed omission" if self.ok else (
            f"{len(self.unmatched)} unmatched name(s), {len(self.stale)} stale omission(s)")
        lines.append(f"{verdict} ({omitted} omitted on purpose)")
        return "\n".join(lines)


def sweep(text: str, labels: Iterable[str], config: CoverageConfig, source: str,
          only: set[str] | None = None) -> CoverageReport:
    """Every name of `text`, section by section, matched against `labels` and the listed omissions.

    `only` keeps the sections with those slugs (a contribution's sections); stale omissions are then
    not judged, since the rest of the text was not read.
    """
    index = LabelIndex(labels)
    met: set[str] = set()
    report = CoverageReport(source, [], [])
    for part in split_sections(text, config.sections, Path(source).stem):
        if only is not None and part.name not in only:
            continue
        coverage = SectionCoverage(part.name)
        seen: set[str] = set()
        heading = 1 if config.sections.get(part.name) else 0  # a section's title line is not a name
        for offset, line in enumerate(part.lines[heading:], start=part.first_line + heading):
            found, names = candidates(line, offset, index)
            coverage.found += found
            for candidate in names:
                form = normal(candidate.name)
                if not form or form in seen:
                    continue
                seen.add(form)
                met.add(form)
                (coverage.omitted if form in config.omissions else coverage.unmatched).append(candidate)
        report.sections.append(coverage)
    if only is None:
        report.stale = [o for form, o in config.omissions.items() if form not in met]
    return report


def project_coverage(settings: Settings, dataset: Dataset | None = None,
                     contribution: Dataset | None = None) -> CoverageReport:
    """The sweep of the manifesto against the project's graph, plus a contribution's labels if given
    (then only the sections the contribution writes into, when it names any)."""
    if dataset is None:
        dataset = load_sources(settings).dataset
    labels = graph_labels(dataset)
    only = None
    if contribution is not None:
        labels |= graph_labels(contribution)
        only = sections_named(contribution) or None
    path = settings.manifesto_path
    return sweep(read_text(path), labels, CoverageConfig.read(settings.coverage_file), str(path), only)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(str(path), "the manifesto's text is not there (set POLEGRAPH_MANIFESTO)") from None
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), f"not UTF-8 text ({exc.reason})") from None
