"""What changed between two releases: the statements added and removed, grouped by the named graph
holding them (a manifesto section, or the ontology, vocabulary, manifesto, provenance and inferred
graphs) and by resource, with labels; and the summary each release records of its changes.

Both releases are read as quads with canonical blank-node labels (pipeline/canonical.py), so the same
sources always compare equal, and releases built before canonical labelling compare the same way. Blank
nodes exist only in the ontology (OWL class expressions): a changed expression shows as its statements
removed and added. A value replaced by another (same resource, same property) is a correction; for a
pg:Figure it is counted as a figure corrected, the count version notes give.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from polegraph.pipeline.canonical import canonical_dataset
from polegraph.pipeline.release import Release
from polegraph.vocab import (
    ALIGNMENT_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PG,
    PREFIXES,
    PROVENANCE_GRAPH,
    RDF,
    RDFS,
    XSD,
    graph_iri_for_file,
)

LABEL = RDFS + "label"
TYPE = RDF + "type"
FIGURE = str(PG) + "Figure"
SECTION = str(PG) + "ManifestoSection"
ORDER = str(PG) + "order"
DERIVED = (PROVENANCE_GRAPH, INFERRED_GRAPH, ALIGNMENT_GRAPH)
# Graphs that are not sections, in the order a reader meets them after the sections.
OTHER_GRAPHS = {
    graph_iri_for_file("manifesto"): {"fr": "Le manifeste et ses sections", "en": "The manifesto and its sections"},
    graph_iri_for_file("vocabulary"): {"fr": "Vocabulaires contrôlés", "en": "Controlled vocabularies"},
    ONTOLOGY_GRAPH: {"fr": "Ontologie", "en": "Ontology"},
    PROVENANCE_GRAPH: {"fr": "Provenance (calculée)", "en": "Provenance (derived)"},
    INFERRED_GRAPH: {"fr": "Inférences (calculées)", "en": "Inferences (derived)"},
    ALIGNMENT_GRAPH: {"fr": "Alignements sur les vocabulaires publics (calculés)",
                      "en": "Alignments with public vocabularies (derived)"},
}
COMPACT = dict(sorted({**PREFIXES, "xsd": XSD}.items(), key=lambda item: -len(item[1])))


def read_quads(source: Path | bytes) -> ox.Dataset:
    """A release's quads (its dataset.nq path, or N-Quads bytes) with canonical blank-node labels."""
    if isinstance(source, Path):
        return canonical_dataset(ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS))
    return canonical_dataset(ox.parse(source, format=ox.RdfFormat.N_QUADS))


def term_key(term) -> str:
    """An IRI's value, a blank node's `_:label`, a literal's N-Triples form: how a term is named in JSON."""
    return term.value if isinstance(term, ox.NamedNode) else str(term)


class Facts:
    """What the two releases say about the terms a diff shows: labels, sections, figures (new one first)."""

    def __init__(self, *datasets: ox.Dataset):
        self.labels: dict[str, dict[str, str]] = {}
        self.sections: dict[str, int] = {}
        self.figures: set[str] = set()
        for dataset in datasets:
            for quad in dataset:
                subject, predicate = term_key(quad.subject), quad.predicate.value
                if predicate == LABEL and isinstance(quad.object, ox.Literal):
                    self.labels.setdefault(subject, {}).setdefault(quad.object.language or "", quad.object.value)
                elif predicate == TYPE and quad.object == ox.NamedNode(SECTION):
                    self.sections.setdefault(subject, 10_000)
                elif predicate == TYPE and quad.object == ox.NamedNode(FIGURE):
                    self.figures.add(subject)
                elif predicate == ORDER and isinstance(quad.object, ox.Literal) and quad.object.value.isdigit():
                    self.sections[subject] = int(quad.object.value)

    def label(self, iri: str) -> dict[str, str]:
        """{"fr": …, "en": …} (a missing language takes the other's label; {} when none)."""
        known = self.labels.get(iri, {}) or OTHER_GRAPHS.get(iri, {})
        fallback = known.get("") or next(iter(known.values()), None)
        return {lang: known.get(lang) or fallback for lang in ("fr", "en")} if fallback else {}


@dataclass
class ResourceChanges:
    """The statements about one resource (subject) added and removed in one graph."""

    subject: str
    label: dict[str, str]
    added: list[ox.Quad]
    removed: list[ox.Quad]

    @property
    def corrected(self) -> bool:
        """A value replaced: some property lost a value and gained another."""
        return bool({q.predicate for q in self.added} & {q.predicate for q in self.removed})


@dataclass
class GraphChanges:
    """The changes of one named graph, resource by resource."""

    graph: str
    kind: str  # "section", "source" (ontology, vocabulary, manifesto) or "derived" (provenance, inferred, alignment)
    label: dict[str, str]
    resources: list[ResourceChanges]
    figures_corrected: int
    values_changed: int

    @property
    def added(self) -> int:
        return sum(len(r.added) for r in self.resources)

    @property
    def removed(self) -> int:
        return sum(len(r.removed) for r in self.resources)

    def summary(self) -> dict:
        """Counts, and per resource (not for derived graphs) its label and counts: what a release records."""
        entry = {"graph": self.graph, "kind": self.kind, "label": self.label, "added": self.added,
                 "removed": self.removed, "figures_corrected": self.figures_corrected,
                 "values_changed": self.values_changed}
        if self.kind != "derived":
            entry["resources"] = [{"iri": r.subject, "label": r.label, "added": len(r.added),
                                   "removed": len(r.removed)} for r in self.resources]
        return entry


@dataclass
class ReleaseDiff:
    """The statements added and removed from release `old` to release `new`, grouped."""

    old: dict  # {"id", "created", "content_sha256"} of each release
    new: dict
    added: list[ox.Quad]
    removed: list[ox.Quad]
    graphs: list[GraphChanges]
    facts: Facts

    @classmethod
    def between(cls, old: Release, new: Release) -> ReleaseDiff:
        return cls.of(_about(old), read_quads(old.dataset_path), _about(new), read_quads(new.dataset_path))

    @classmethod
    def of(cls, old: dict, old_quads: ox.Dataset, new: dict, new_quads: ox.Dataset) -> ReleaseDiff:
        before, after = set(old_quads), set(new_quads)
        added, removed = sorted(after - before, key=str), sorted(before - after, key=str)
        facts = Facts(new_quads, old_quads)
        return cls(old, new, added, removed, _group(added, removed, facts), facts)

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed

    def record(self) -> dict:
        """What the new release keeps of its changes (changes.json): the previous release and the counts."""
        return {"previous": self.old, "added": len(self.added), "removed": len(self.removed),
                "graphs": [g.summary() for g in self.graphs]}

    def to_json(self) -> dict:
        """Every statement, for programs: terms by value (IRIs) or N-Triples form, with the N-Quads line."""
        def statement(quad: ox.Quad) -> dict:
            return {"predicate": quad.predicate.value, "object": term_key(quad.object),
                    "object_label": self.facts.label(term_key(quad.object)) or None, "nquad": f"{quad} ."}

        graphs = []
        for g in self.graphs:
            entry = {k: v for k, v in g.summary().items() if k != "resources"}
            entry["resources"] = [{"iri": r.subject, "label": r.label, "added": [statement(q) for q in r.added],
                                   "removed": [statement(q) for q in r.removed]} for r in g.resources]
            graphs.append(entry)
        return {"old": self.old, "new": self.new, "added": len(self.added), "removed": len(self.removed),
                "graphs": graphs}

    def to_text(self, lang: str = "en") -> str:
        """A reader's listing: per graph, per resource, `-` removed and `+` added statements."""
        lines = [f"{self.old['id']} → {self.new['id']}: {len(self.added)} statement(s) added, "
                 f"{len(self.removed)} removed"]
        for g in self.graphs:
            counts = f"+{g.added} −{g.removed}"
            if g.figures_corrected:
                counts += f", {g.figures_corrected} figure(s) corrected"
            lines += ["", f"{g.label.get(lang, g.graph)} <{g.graph}>: {counts}"]
            for r in g.resources:
                name = r.label.get(lang)
                lines.append(f"  {name} <{r.subject}>" if name else f"  {r.subject}")
                changes = [("-", q) for q in r.removed] + [("+", q) for q in r.added]
                for sign, quad in sorted(changes, key=lambda c: (str(c[1].predicate), c[0] == "+", str(c[1]))):
                    lines.append(f"    {sign} {self._compact(quad.predicate)} {self._shown(quad.object, lang)}")
        return "\n".join(lines) + "\n"

    def write_nquads(self, folder: Path) -> tuple[Path, Path]:
        """added.nq and removed.nq in `folder`: the quads as N-Quads, one a line, sorted."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = folder / "added.nq", folder / "removed.nq"
        for path, quads in zip(paths, (self.added, self.removed), strict=True):
            path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) if quads else b"")
        return paths

    def _compact(self, term) -> str:
        if isinstance(term, ox.NamedNode):
            for prefix, namespace in COMPACT.items():
                local = term.value[len(namespace):]
                if term.value.startswith(namespace) and local and all(c.isalnum() or c in "-_" for c in local):
                    return f"{prefix}:{local}"
        if isinstance(term, ox.Literal) and not term.language and term.datatype.value != XSD + "string":
            return f"{ox.Literal(term.value)}^^{self._compact(term.datatype)}"
        return str(term)

    def _shown(self, term, lang: str) -> str:
        label = self.facts.label(term_key(term)).get(lang) if isinstance(term, ox.NamedNode) else None
        return f"{self._compact(term)} ({label})" if label else self._compact(term)


def _about(release: Release) -> dict:
    meta = release.metadata
    return {"id": release.id, "created": meta.get("created"), "content_sha256": meta.get("content_sha256")}


def _group(added: list[ox.Quad], removed: list[ox.Quad], facts: Facts) -> list[GraphChanges]:
    by_graph: dict[str, dict[str, tuple[list, list]]] = defaultdict(lambda: defaultdict(lambda: ([], [])))
    for index, quads in enumerate((added, removed)):
        for quad in quads:
            by_graph[term_key(quad.graph_name)][term_key(quad.subject)][index].append(quad)
    groups = []
    for graph, subjects in by_graph.items():
        kind = "derived" if graph in DERIVED else "section" if graph in facts.sections else "source"
        resources = [ResourceChanges(s, facts.label(s), a, r) for s, (a, r) in sorted(subjects.items())]
        corrected = [r for r in resources if r.corrected] if kind != "derived" else []
        figures = sum(1 for r in corrected if r.subject in facts.figures)
        groups.append(GraphChanges(graph, kind, facts.label(graph) or {"fr": graph, "en": graph}, resources,
                                   figures, len(corrected) - figures))
    others = list(OTHER_GRAPHS)

    def order(g: GraphChanges) -> tuple:
        if g.kind == "section":
            return (0, facts.sections.get(g.graph, 10_000), g.graph)
        return (1, others.index(g.graph) if g.graph in others else len(others), g.graph)

    return sorted(groups, key=order)


def record_changes(previous: Release | None, nquads: bytes) -> dict:
    """The change record of a release being built from `nquads`, against `previous` (the current release
    before this build; None for the first)."""
    if previous is None:
        return {"previous": None}
    try:
        old = read_quads(previous.dataset_path)
    except (OSError, SyntaxError, ValueError) as exc:
        return {"previous": _about(previous), "unavailable": f"its dataset cannot be read ({exc})"}
    return ReleaseDiff.of(_about(previous), old, {"id": None}, read_quads(nquads)).record()
