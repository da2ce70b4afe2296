"""The OWL 2 DL checks of a release: consistency (HermiT) and the DL profile (the OWL API).

* :func:`check_consistency` runs HermiT (bundled with owlready2) on ontology + data. HermiT only
  knows the OWL 2 datatype map and stops on ``xsd:gYear``/``xsd:date`` (docs/known-limitations.md),
  so literals and axioms using other datatypes are removed first — their lexical form is SHACL's
  job anyway. owlready2 itself runs HermiT without a time limit; here the same command runs under
  ``subprocess.run(timeout=…)``, which kills the JVM when the limit is reached.
* :func:`dl_profile_violations` asks the OWL API (inside owlready2's HermiT.jar) whether a graph
  stays in the OWL 2 DL profile (declarations, no punning between properties…).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import OWL, RDF, RDFS, XSD, Literal, URIRef
from rdflib.term import Node

from polegraph.pipeline.reason import all_triples

__all__ = ["ConsistencyReport", "check_consistency", "dl_profile_violations", "hermit_ready"]


# The OWL 2 datatype map (OWL 2 Structural Specification, section 4), all HermiT accepts.
_OWL2_DATATYPES = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, OWL.real, OWL.rational]
    + [
        XSD[name]
        for name in (
            "decimal",
            "integer",
            "nonNegativeInteger",
            "nonPositiveInteger",
            "positiveInteger",
            "negativeInteger",
            "long",
            "int",
            "short",
            "byte",
            "unsignedLong",
            "unsignedInt",
            "unsignedShort",
            "unsignedByte",
            "double",
            "float",
            "string",
            "normalizedString",
            "token",
            "language",
            "Name",
            "NCName",
            "NMTOKEN",
            "boolean",
            "hexBinary",
            "base64Binary",
            "anyURI",
            "dateTime",
            "dateTimeStamp",
        )
    ]
)


def _unsupported_datatype(term: Node) -> bool:
    if isinstance(term, Literal):
        return term.datatype is not None and term.datatype not in _OWL2_DATATYPES
    return isinstance(term, URIRef) and str(term).startswith(str(XSD)) and term not in _OWL2_DATATYPES


def hermit_ready(graph: rdflib.Graph) -> rdflib.Graph:
    """A copy of ``graph`` without what HermiT rejects: literals of datatypes outside the OWL 2
    datatype map (``xsd:gYear``, ``xsd:date``…) and axioms naming such datatypes (``rdfs:range``)."""
    clean = rdflib.Graph()
    for s, p, o in all_triples(graph):
        if not (_unsupported_datatype(o) or _unsupported_datatype(s)):
            clean.add((s, p, o))
    return clean


@dataclass
class ConsistencyReport:
    """What HermiT said about ontology + data."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    message: str = ""
    #: False when HermiT was killed or failed: then ``consistent`` is False but proves nothing.
    completed: bool = True

    @property
    def ok(self) -> bool:
        """Consistent and every class can have instances."""
        return self.consistent and not self.unsatisfiable


_EQUIVALENT_CLASSES = re.compile(r"^EquivalentClasses\(\s*((?:<[^>]+>\s*)+)\)", re.MULTILINE)
_NOTHING = str(OWL.Nothing)


def _hermit_command(ontology_file: Path) -> list[str]:
    import owlready2  # imported lazily: it is heavy and only the check needs it

    here = Path(owlready2.__file__).parent / "hermit"
    java = shutil.which(owlready2.JAVA_EXE) or owlready2.JAVA_EXE
    classpath = os.pathsep.join([str(here), str(here / "HermiT.jar")])
    return [
        java,
        f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M",
        "-cp",
        classpath,
        "org.semanticweb.HermiT.cli.CommandLine",
        "-c",
        "-O",
        "-D",
        "-I",
        ontology_file.as_uri(),
    ]


def _with_ontology(graph: rdflib.Graph, ontology: rdflib.Graph | None) -> rdflib.Graph:
    merged = rdflib.Graph()
    for source in (graph, ontology) if ontology is not None else (graph,):
        for triple in all_triples(source):
            merged.add(triple)
    return merged


def check_consistency(
    graph: rdflib.Graph, timeout_s: float = 120, *, ontology: rdflib.Graph | None = None
) -> ConsistencyReport:
    """Run HermiT over ``graph`` plus the ontology and report consistency and unsatisfiable classes.

    ``graph`` holds the ontology, or ``ontology`` is given beside it. The graph
    goes through a throw-away owlready2 world in a temporary directory; HermiT is killed when it
    runs longer than ``timeout_s`` (the report then says so, with ``consistent=False``).
    """
    import owlready2

    started = time.monotonic()
    clean = hermit_ready(_with_ontology(graph, ontology))
    with tempfile.TemporaryDirectory(prefix="polegraph-hermit-") as tmp:
        tmpdir = Path(tmp)
        source = tmpdir / "input.nt"
        clean.serialize(source, format="nt", encoding="utf-8")
        world = owlready2.World(filename=str(tmpdir / "world.sqlite3"))
        try:
            world.get_ontology(source.as_uri()).load()
            normalised = tmpdir / "reasoner-input.nt"
            world.save(str(normalised), format="ntriples")
        finally:
            world.close()
        remaining = max(1.0, timeout_s - (time.monotonic() - started))
        try:
            run = subprocess.run(_hermit_command(normalised), capture_output=True, timeout=remaining)
        except subprocess.TimeoutExpired:
            return ConsistencyReport(
                False, [], f"HermiT did not finish within {timeout_s:g} s; killed", completed=False
            )
        except OSError as error:  # no Java on the machine
            return ConsistencyReport(
                False, [], f"HermiT could not start (Java 11+ is required): {error}", completed=False
            )
    output = (run.stdout + run.stderr).decode("utf-8", errors="replace")
    if run.returncode != 0:
        if "Inconsistent ontology" in output or "InconsistentOntologyException" in output:
            return ConsistencyReport(False, [], "HermiT: the ontology and data are inconsistent")
        return ConsistencyReport(False, [], f"HermiT failed (exit {run.returncode}): {output[-2000:]}", completed=False)
    unsatisfiable: set[str] = set()
    for group in _EQUIVALENT_CLASSES.findall(output):
        iris = re.findall(r"<([^>]+)>", group)
        if _NOTHING in iris:
            unsatisfiable.update(iri for iri in iris if iri != _NOTHING)
    elapsed = time.monotonic() - started
    if unsatisfiable:
        message = f"HermiT: consistent, {len(unsatisfiable)} unsatisfiable class(es) ({elapsed:.1f} s)"
    else:
        message = f"HermiT: consistent, every class satisfiable ({elapsed:.1f} s)"
    return ConsistencyReport(True, sorted(unsatisfiable), message)


# --------------------------------------------------------------------------------------------
# OWL 2 DL profile check
# --------------------------------------------------------------------------------------------

# Run with `java -cp HermiT.jar ProfileCheck.java FILE` (Java 11+ single-file programs): the OWL API
# bundled in owlready2's HermiT.jar checks the OWL 2 DL profile (declarations, punning between
# properties, non-simple properties in cardinalities…), which rdflib cannot.
_PROFILE_CHECK_JAVA = r"""
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.*;
import org.semanticweb.owlapi.profiles.*;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(ontology).getViolations()) {
            System.out.println("VIOLATION\t" + v.toString().replace('\n', ' '));
        }
        System.out.println("DONE");
    }
}
"""


def dl_profile_violations(graph: rdflib.Graph, timeout_s: float = 60) -> list[str]:
    """OWL 2 DL profile violations of ``graph`` (prepared by :func:`hermit_ready`), per the OWL API.

    Needs a JDK (the ``jdk.compiler`` module, to run the checker from source); raises
    ``RuntimeError`` when Java cannot run it.
    """
    import owlready2

    jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    java = shutil.which(owlready2.JAVA_EXE) or owlready2.JAVA_EXE
    with tempfile.TemporaryDirectory(prefix="polegraph-profile-") as tmp:
        source = Path(tmp) / "ProfileCheck.java"
        source.write_text(_PROFILE_CHECK_JAVA, encoding="utf-8")
        document = Path(tmp) / "input.nt"
        hermit_ready(graph).serialize(document, format="nt", encoding="utf-8")
        try:
            run = subprocess.run(
                [java, "-cp", str(jar), str(source), str(document)], capture_output=True, timeout=timeout_s
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RuntimeError(f"the OWL API profile checker could not run: {error}") from error
    output = run.stdout.decode("utf-8", errors="replace")
    if run.returncode != 0 or "DONE" not in output:
        raise RuntimeError("the OWL API profile checker failed: " + run.stderr.decode(errors="replace")[-1500:])
    return [line.split("\t", 1)[1] for line in output.splitlines() if line.startswith("VIOLATION\t")]
