"""Canonical blank-node labels, shared by the build (a release's bytes), the export and the diff.

A release's N-Quads carry blank nodes (the ontology's OWL class expressions); labelled canonically, the
same graph always gives the same quads, so releases compare and export line by line.
"""

from __future__ import annotations

import pyoxigraph as ox


def canonical_dataset(quads) -> ox.Dataset:
    """`quads` with canonical blank-node labels (RDFC, pyoxigraph): the same graph always gets the same
    labels. (Oxigraph's labels may change between its versions; a release records the versions used.)"""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset
