"""The `polegraph` command line.

Exit codes: 0 success; 1 the graph does not conform to the shapes; 2 usage or input error
(bad option, unreadable or malformed file, bad query).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from polegraph.errors import PolegraphError, ValidationFailed
from polegraph.settings import Settings


class _Context:
    def __init__(self, settings: Settings):
        self.settings = settings


pass_ctx = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder holding ontology/, data/, shapes/, queries/ (default: current folder).")
@click.option("--var", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where releases are written (default: <project>/var).")
@click.version_option(package_name="polegraph")
@click.pass_context
def cli(ctx: click.Context, project: Path | None, var: Path | None) -> None:
    """polegraph: the knowledge graph of France's pôles de compétitivité."""
    ctx.obj = _Context(Settings.from_environment(project=project, var=var))


@cli.command()
@pass_ctx
def build(ctx: _Context) -> None:
    """Build and validate a release of the graph, then make it current."""
    from polegraph.pipeline.build import build_release

    release = build_release(ctx.settings)
    stats = release.metadata["statistics"]
    click.echo(f"release {release.id}: {stats['triples']} triples in {len(stats['graphs'])} graphs "
               f"({release.metadata['validation']['Warning']} warning(s)) → {release.path}")


@cli.command()
@click.option("--keep", type=int, default=3, show_default=True,
              help="How many of the newest releases to keep; the current one is always kept.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, and remove nothing.")
@pass_ctx
def prune(ctx: _Context, keep: int, dry_run: bool) -> None:
    """Remove old releases and their exports; the current one and those running servers serve stay."""
    from polegraph.pipeline.release import prune_releases

    pruned = prune_releases(ctx.settings, keep, dry_run)
    for name in pruned.removed:
        click.echo(f"{'would remove' if dry_run else 'removed'} release {name}")
    click.echo(f"{len(pruned.removed)} release(s) {'to remove' if dry_run else 'removed'}, "
               f"{pruned.freed_bytes / 1e6:.1f} MB {'to free' if dry_run else 'freed'}; "
               f"kept: {', '.join(pruned.kept) or 'none'}")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="Language of the messages in the text report.")
@pass_ctx
def validate(ctx: _Context, files: tuple[Path, ...], fmt: str, lang: str) -> None:
    """Validate the project's graph, or FILES together with it, against the SHACL shapes.

    Each FILE (.ttl, .trig, .nt, .nq, .rdf, .jsonld) is checked together with the project's graph, so
    its references resolve; a TriG graph named after a manifesto section counts as its provenance.
    The report is grouped by focus node. Exit codes: 0 conforms (warnings allowed), 1 at least
    one violation, 2 a file cannot be read or parsed (the message gives file:line).
    """
    from rdflib import URIRef

    from polegraph.pipeline.build import check, union
    from polegraph.pipeline.shacl import validate_document
    from polegraph.vocab import ONTOLOGY_GRAPH

    dataset, sources, report = check(ctx.settings)
    if files:
        document = _read_documents(files)
        report = validate_document(union(dataset), document, sources.shapes,
                                   dataset.graph(URIRef(ONTOLOGY_GRAPH)))
    output = {"text": lambda: report.to_text(lang), "turtle": report.to_turtle, "json": report.to_json}[fmt]()
    click.echo(output)
    if files and fmt == "text":
        click.echo("\n" + _coverage_text(ctx.settings, dataset, document))
    if not report.conforms:
        sys.exit(ValidationFailed.exit_code)


def _read_documents(files: tuple[Path, ...]):
    """FILES parsed into one Dataset (each screened as every parsed file is)."""
    from rdflib import Dataset

    from polegraph.pipeline.sources import parse_file

    document = Dataset()
    for path in files:
        parse_file(path, document)
    return document


def _coverage_text(settings: Settings, dataset, document) -> str:
    """The coverage sweep of a contribution's sections, as `validate` shows it (never its verdict)."""
    from polegraph.pipeline.coverage import project_coverage

    try:
        return project_coverage(settings, dataset, document).to_text()
    except PolegraphError as exc:
        return f"coverage: not swept ({exc.message})"


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def coverage(ctx: _Context, files: tuple[Path, ...]) -> None:
    """Sweep the manifesto for every name it states, and list per section those no label of the graph matches.

    A name that is deliberately not a thing of the graph is listed, with its reason, in data/coverage.toml.
    With FILES (RDF, as for `validate`), their labels count too, and only the sections their named graphs
    write into are swept. Exit codes: 0 every name is matched or listed; 1 a name is neither, or a listed
    omission is no longer met; 2 the manifesto or a file cannot be read.
    """
    from polegraph.pipeline.coverage import project_coverage

    report = project_coverage(ctx.settings, contribution=_read_documents(files) if files else None)
    click.echo(report.to_text())
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for a parameter of a named query (repeatable), e.g. --param chain=hydrogene.")
@pass_ctx
def query(ctx: _Context, query: str, fmt: str, params: tuple[str, ...]) -> None:
    """Run QUERY against the current release: SPARQL text, a .rq file, or the name of a named query.

    The query passes the endpoint's checks first: read-only, no SERVICE, no graph outside the release.
    A named query's parameters take their defaults unless --param gives them; each value is checked
    (an IRI parameter takes a resource of its class: its IRI, prefixed name or slug) and bound, never
    pasted into the text.
    """
    from polegraph.pipeline.release import current_release
    from polegraph.query.backend import LocalBackend
    from polegraph.query.guard import check_query
    from polegraph.query.named import allowed_values, parse_assignments
    from polegraph.query.results import render_results

    text, named = _query_text(query, ctx.settings)
    store = LocalBackend.from_release(current_release(ctx.settings))
    checked = check_query(text, set(store.named_graphs()))
    if checked.form in ("CONSTRUCT", "DESCRIBE") and fmt != "table":
        raise PolegraphError(f"--format {fmt} is for SELECT and ASK; a {checked.form} prints Turtle (--format table)")
    given = parse_assignments(params)
    if named is None and given:
        raise PolegraphError("--param is for a named query with parameters (`polegraph queries` lists them)")
    substitutions = named.substitutions(named.values(given, allowed_values(store, named))) if named else None
    click.echo(render_results(store.query(text, substitutions=substitutions), fmt), nl=False)


def _query_text(argument: str, settings: Settings):
    """(the SPARQL text QUERY stands for, its NamedQuery or None): a named query, a .rq file, or the text."""
    import re

    from polegraph.query.named import load_queries, read_query

    named = load_queries(settings.queries_dir)
    name = argument[:-3] if argument.endswith(".rq") else argument
    path = Path(argument)
    if argument.endswith(".rq") and path.is_file():
        found = read_query(path) if path.read_text(encoding="utf-8").startswith("# title") else None
        return path.read_text(encoding="utf-8"), found
    if name in named:
        return named[name].text, named[name]
    if argument.endswith(".rq") or re.fullmatch(r"[\w-]+", argument):
        raise PolegraphError(f"no named query or query file {argument!r} (`polegraph queries` lists the named "
                             f"queries of {settings.queries_dir})")
    return argument, None


@cli.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "nquads"]), default="text", show_default=True,
              help="nquads: write added.nq and removed.nq into --out.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for added.nq and removed.nq (--format nquads).")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="Language of the labels in the text listing.")
@pass_ctx
def diff(ctx: _Context, old: str | None, new: str | None, fmt: str, out: Path | None, lang: str) -> None:
    """List the statements added and removed from release OLD to release NEW, by manifesto section and
    resource.

    OLD and NEW are release ids (or release folders); NEW defaults to the current release, OLD to the
    one before it.
    """
    import json

    from polegraph.pipeline.diff import ReleaseDiff
    from polegraph.pipeline.release import current_release, find_release, previous_release

    settings = ctx.settings
    if fmt == "nquads" and out is None:
        raise click.UsageError("--format nquads writes two files: give the folder with --out")
    newer = find_release(settings, new) if new else current_release(settings)
    older = find_release(settings, old) if old else previous_release(settings, newer)
    changes = ReleaseDiff.between(older, newer)
    if fmt == "json":
        click.echo(json.dumps(changes.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "nquads":
        added, removed = changes.write_nquads(out)
        click.echo(f"{len(changes.added)} quad(s) added → {added}\n{len(changes.removed)} quad(s) removed → {removed}")
    else:
        click.echo(changes.to_text(lang), nl=False)


@cli.command(name="settings")
@pass_ctx
def show_settings(ctx: _Context) -> None:
    """List every setting: its environment variable, its value here (secrets masked) and what it does."""
    values = dict(ctx.settings.shown())
    for name, default, help_text in Settings.described():
        click.echo(f"{name}={values[name]}\n    {help_text} (default: {default or 'none'})")


@cli.command(name="queries")
@pass_ctx
def list_queries(ctx: _Context) -> None:
    """List the named queries of queries/."""
    from polegraph.query.named import load_queries

    for q in load_queries(ctx.settings.queries_dir).values():
        params = " ".join(f"--param {p.name}={p.default.rsplit('/', 1)[-1]}" for p in q.parameters)
        click.echo(f"{q.name}\t{q.title}" + (f"\t[{params}]" if params else ""))


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 5000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default 2).")
@click.option("--no-build", is_flag=True, help="Serve the current release as it is, without rebuilding.")
@click.option("--store", "store_url", metavar="URL", default=None,
              help="Answer queries through this SPARQL endpoint, loaded with `polegraph push`, instead of the "
                   "embedded engine (default: $POLEGRAPH_STORE_URL).")
@pass_ctx
def serve(ctx: _Context, host: str | None, port: int | None, workers: int | None, no_build: bool,
          store_url: str | None) -> None:
    """Build and validate the graph, then serve it with Granian (never an invalid graph)."""
    from polegraph.pipeline.build import build_release
    from polegraph.pipeline.release import current_release
    from polegraph.web.server import run

    chosen = {"host": host, "port": port, "workers": workers, "store_url": store_url}
    settings = ctx.settings.with_(**{k: v for k, v in chosen.items() if v is not None})
    release = current_release(settings) if no_build else build_release(settings)
    run(settings, release)


@cli.command()
@click.option("--to", "query_url", required=True, metavar="URL", help="The store's SPARQL query endpoint.")
@click.option("--update-url", metavar="URL", help="Its SPARQL Update endpoint (default: the query endpoint).")
@click.option("--graph-store-url", metavar="URL",
              help="Its SPARQL Graph Store Protocol endpoint, tried first (e.g. Oxigraph /store, "
                   "Virtuoso /sparql-graph-crud).")
@click.option("--timeout", type=float, default=120, show_default=True, help="Seconds per request.")
@pass_ctx
def push(ctx: _Context, query_url: str, update_url: str | None, graph_store_url: str | None,
         timeout: float) -> None:
    """Load the current release into a SPARQL 1.1 store, verify it, then switch to it.

    Credentials come from the environment only: POLEGRAPH_STORE_TOKEN (bearer) or
    POLEGRAPH_STORE_USER and POLEGRAPH_STORE_PASSWORD (basic).
    """
    from polegraph.pipeline.release import current_release
    from polegraph.publish.triplestore import RemoteStore
    from polegraph.publish.triplestore import push as push_release
    from polegraph.query.remote import store_headers

    remote = RemoteStore(query_url, update_url or query_url, graph_store_url, timeout, store_headers(ctx.settings))
    report = push_release(current_release(ctx.settings), remote)
    for graph, count in sorted(report.graphs.items()):
        click.echo(f"{count:>8}  {graph}  ({report.method[graph]})")
    click.echo(f"release {report.release} is now served by {query_url}")


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"), show_default=True,
              help="Folder to write (replaced as a whole once the new export is complete).")
@pass_ctx
def export(ctx: _Context, out: Path) -> None:
    """Export the current release: RDF, graphs for Gephi/yEd/Cytoscape, CSV tables, SHA256SUMS, manifest."""
    from polegraph.pipeline.release import current_release
    from polegraph.publish.export import export_release

    release = current_release(ctx.settings)
    manifest = export_release(release, out)
    total = sum(f.size for f in manifest.files)
    click.echo(f"release {release.id}: {len(manifest.files)} files, {total} bytes → {out.resolve()}")


@cli.command()
@click.option("--to", "target", type=click.Choice(["datagouv", "dcat", "w3id"]), required=True,
              help="datagouv: the data.gouv.fr API; dcat: print the DCAT-AP description; w3id: write the "
                   "w3id.org redirect rules into --out.")
@click.option("--dry-run/--no-dry-run", default=True, show_default=True,
              help="Only print the requests that would change data.gouv.fr.")
@click.option("--base-url", metavar="URL", default=None,
              help="Public URL of the site (default: $POLEGRAPH_PUBLIC_URL; dcat and w3id need one of the two: "
                   "a published description never names a local address).")
@click.option("--api-url", metavar="URL", default=None,
              help="udata API (default: $POLEGRAPH_DATAGOUV_API_URL, else https://www.data.gouv.fr/api/1).")
@click.option("--dataset", metavar="ID", default=None, help="data.gouv.fr id or slug of the dataset to update.")
@click.option("--organization", metavar="ID", default=None, help="data.gouv.fr organisation owning a new dataset.")
@click.option("--format", "fmt", type=click.Choice(["turtle", "json-ld", "xml"]), default="turtle",
              show_default=True, help="Syntax of the DCAT description (--to dcat).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the w3id.org namespace folder into (--to w3id).")
@click.option("--maintainer", "maintainers", multiple=True, metavar="'NAME @HANDLE'",
              help="A maintainer of the w3id.org namespace: full name and GitHub handle (--to w3id; repeatable).")
@pass_ctx
def publish(ctx: _Context, target: str, dry_run: bool, base_url: str | None, api_url: str | None,
            dataset: str | None, organization: str | None, fmt: str, out: Path | None,
            maintainers: tuple[str, ...]) -> None:
    """Publish the current release: its DCAT-AP description, the dataset on data.gouv.fr, or the w3id.org
    redirect rules of its IRIs.

    The API key comes from the environment only: POLEGRAPH_DATAGOUV_API_KEY.
    """
    from polegraph.pipeline.release import current_release
    from polegraph.publish import datagouv
    from polegraph.publish.dcat import catalog_graph, coverage_of, serialize_description
    from polegraph.publish.export import release_export
    from polegraph.publish.export.manifest import Manifest
    from polegraph.query.backend import LocalBackend

    settings = ctx.settings.with_(public_url=base_url) if base_url else ctx.settings
    if target in ("dcat", "w3id") and not settings.public_url:
        raise click.UsageError(f"--to {target} names the deployed site: give its public address with --base-url URL "
                               "(or POLEGRAPH_PUBLIC_URL)")
    if target == "w3id":
        _publish_w3id(settings, out, maintainers)
        return
    release = current_release(settings)
    folder = release_export(settings, release)
    manifest = Manifest.read(folder, release.id)
    coverage = coverage_of(LocalBackend.from_release(release))
    if target == "dcat":
        description = catalog_graph(manifest, release.metadata, coverage, settings.site_url, release.changes)
        click.echo(serialize_description(description, fmt).decode("utf-8"), nl=False)
        return
    api = datagouv.UdataApi(api_url or settings.datagouv_api_url, settings.datagouv_api_key)
    report = datagouv.publish(manifest, folder, coverage, api, dry_run=dry_run, dataset=dataset,
                              organization=organization, release=(release.id, release.changes))
    for line in report.lines:
        click.echo(line)
    verb = "would make" if dry_run else "made"
    click.echo(f"{verb} {report.writes} change(s) on {api.api_url}", err=True)


def _publish_w3id(settings: Settings, out: Path | None, maintainers: tuple[str, ...]) -> None:
    """Write the w3id.org rules: the server's URL and the maintainers are the publisher's to give."""
    from polegraph.publish.w3id import w3id_files

    if out is None:
        raise click.UsageError("--to w3id writes a folder: give it with --out DIR")
    for path in w3id_files(out, settings.public_url, list(maintainers)):
        click.echo(f"wrote {path}")


def main() -> None:
    """Entry point: map every PolegraphError to its message and exit code, once."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ValidationFailed as exc:
        click.echo(exc.report.to_text(), err=True)
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except PolegraphError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
