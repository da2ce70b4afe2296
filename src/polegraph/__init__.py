"""polegraph: the knowledge graph of France's pôles de compétitivité.

Flow: sources (ontology/, data/, shapes/) → build → validate → store → serve / export.
"""

__version__ = "0.1.0"
