"""The fixture the tests of the graph's named queries share."""

from __future__ import annotations

import pytest

from polegraph.query.named import allowed_values


@pytest.fixture(scope="module")
def run(store, named_queries):
    """Run a named query as the CLI and the pages run it: its parameters' defaults, or the values given
    (checked and bound, never pasted into the text)."""
    def _run(name: str, **params: str) -> list[dict[str, str]]:
        assert name in named_queries, f"queries/{name}.rq is missing"
        query = named_queries[name]
        values = query.values(params, allowed_values(store, query))
        return store.select(query.text, substitutions=query.substitutions(values))
    return _run
