"""The load and soak check's own logic (`make loadtest` runs it for real; here only its verdict and report)."""

from __future__ import annotations

import pytest
from bench import loadtest
from bench.loadtest import Sample, lua_script, summarise, write_report


def samples(rss: list[int], fds: list[int]) -> list[Sample]:
    pairs = enumerate(zip(rss, fds, strict=True))
    return [Sample(t=2.0 * i, processes=11, rss_kib=r, open_files=f) for i, (r, f) in pairs]


def test_flat_memory_and_files_are_recognised_and_growth_is_not():
    """Open files are compared at rest: the queries in flight under load come and go."""
    in_flight = [94 + i % 7 for i in range(31)]
    flat = summarise(samples([500_000] * 31, in_flight), seconds=60, at_rest=samples([500_000], [94])[0])
    assert flat["rss_growth"] == pytest.approx(0) and flat["fds_after"] == flat["fds_before"] == 94
    assert flat["fds_max"] == 100
    leaking = summarise(samples([500_000 + 10_000 * i for i in range(31)], [94 + i for i in range(31)]), seconds=60,
                        at_rest=samples([800_000], [125])[0])
    assert leaking["rss_growth"] > loadtest.MAX_RSS_GROWTH
    assert leaking["fds_after"] > leaking["fds_before"]


def test_the_lua_script_rotates_through_every_query():
    script = lua_script(["/sparql?query=A", "/sparql?query=B"])
    assert '"/sparql?query=A"' in script and '"/sparql?query=B"' in script
    assert "request = function()" in script and "#paths" in script


def test_the_figures_replace_only_the_marked_block(tmp_path, monkeypatch):
    report = tmp_path / "reliability.md"
    text = f"# Title\n\nbefore\n\n{loadtest.START}\nold figures\n{loadtest.END}\n\nafter\n"
    report.write_text(text, encoding="utf-8")
    monkeypatch.setattr(loadtest, "REPORT", report)
    write_report(f"{loadtest.START}\nnew figures\n{loadtest.END}")
    text = report.read_text(encoding="utf-8")
    assert "new figures" in text and "old figures" not in text
    assert text.startswith("# Title\n\nbefore") and text.endswith("after\n")
