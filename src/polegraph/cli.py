"""The `polegraph` command line.

Exit codes: 0 success; 1 the graph does not conform to the shapes; 2 usage or input error
(bad option, unreadable or malformed file, bad query).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import PolegraphError, ValidationFailed
from .settings import Settings


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
    settings = Settings()
    if project:
        settings = settings.with_(project=project.resolve())
    if var:
        settings = settings.with_(var=var.resolve())
    ctx.obj = _Context(settings)


@cli.command()
@pass_ctx
def build(ctx: _Context) -> None:
    """Build and validate a release of the graph, then make it current."""
    from .build import build_release

    release = build_release(ctx.settings)
    stats = release.metadata["statistics"]
    click.echo(f"release {release.id}: {stats['triples']} triples in {len(stats['graphs'])} graphs "
               f"({release.metadata['validation']['Warning']} warning(s)) → {release.path}")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True)
@pass_ctx
def validate(ctx: _Context, files: tuple[Path, ...], fmt: str) -> None:
    """Validate the project's graph, or FILES together with it, against the SHACL shapes."""
    from .build import check, union
    from .sources import parse_file
    from .validate import validate as run_validation

    dataset, sources, report = check(ctx.settings)
    if files:
        graph = union(dataset)
        for path in files:
            parse_file(path, graph)
        report = run_validation(graph, sources.shapes)
    output = {"text": report.to_text, "turtle": report.to_turtle, "json": report.to_json}[fmt]()
    click.echo(output)
    if not report.conforms:
        sys.exit(ValidationFailed.exit_code)


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@pass_ctx
def query(ctx: _Context, query: str, fmt: str) -> None:
    """Run QUERY against the current release: SPARQL text, a .rq file, or the name of a named query."""
    from .build import current_release
    from .output import render_results
    from .queries import load_queries, read_query
    from .store import Store

    named = load_queries(ctx.settings.queries_dir)
    if query in named:
        text = named[query].text
    elif query.endswith(".rq"):
        path = Path(query)
        if not path.is_file():
            raise PolegraphError(f"no such query file: {query}")
        text = read_query(path).text if path.read_text(encoding="utf-8").startswith("#") else path.read_text()
    else:
        text = query
    store = Store.from_release(current_release(ctx.settings))
    click.echo(render_results(store.query(text), fmt), nl=False)


@cli.command(name="queries")
@pass_ctx
def list_queries(ctx: _Context) -> None:
    """List the named queries of queries/."""
    from .queries import load_queries

    for q in load_queries(ctx.settings.queries_dir).values():
        click.echo(f"{q.name}\t{q.title}")


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 5000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default 2).")
@click.option("--no-build", is_flag=True, help="Serve the current release as it is, without rebuilding.")
@pass_ctx
def serve(ctx: _Context, host: str | None, port: int | None, workers: int | None, no_build: bool) -> None:
    """Build and validate the graph, then serve it with gunicorn (never an invalid graph)."""
    from .build import build_release, current_release
    from .web.server import run

    settings = ctx.settings.with_(**{k: v for k, v in {"host": host, "port": port, "workers": workers}.items()
                                     if v is not None})
    release = current_release(settings) if no_build else build_release(settings)
    click.echo(f"serving release {release.id} on http://{settings.host}:{settings.port}/", err=True)
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
    from .build import current_release
    from .push import RemoteStore
    from .push import push as push_release

    remote = RemoteStore(query_url, update_url or query_url, graph_store_url, timeout)
    report = push_release(current_release(ctx.settings), remote)
    for graph, count in sorted(report.graphs.items()):
        click.echo(f"{count:>8}  {graph}  ({report.method[graph]})")
    click.echo(f"release {report.release} is now served by {query_url}")


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
