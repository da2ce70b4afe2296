"""A release's version notes in French and English, composed from its change record (pipeline/diff.py).

The same sentence goes wherever the release is published — adms:versionNotes in the DCAT-AP
description, the data.gouv.fr resources, the /downloads/ page — so a reader learns what changed since
the previous release in the same words everywhere: statements added and removed per manifesto section
(and per other graph), figures corrected, and what the build derived from them.
"""

from __future__ import annotations

WORDS = {
    "fr": {
        "none": "Pas de relevé des changements : cette version a été construite avant que polegraph les relève.",
        "first": "Première version relevée : pas de version antérieure à comparer.",
        "unavailable": "Changements depuis la version {previous} inconnus : ses données n'ont pas pu être lues.",
        "same": "Aucun énoncé n'a changé depuis la version {previous}.",
        "since": "Depuis la version {previous} : {parts}.",
        "join": " ; ",
        "colon": " : ",
        "added": ("{n} énoncé ajouté", "{n} énoncés ajoutés"),
        "added_short": ("{n} ajouté", "{n} ajoutés"),
        "removed": ("{n} retiré", "{n} retirés"),
        "removed_alone": ("{n} énoncé retiré", "{n} énoncés retirés"),
        "figures": ("{n} chiffre corrigé", "{n} chiffres corrigés"),
        "values": ("{n} autre valeur corrigée", "{n} autres valeurs corrigées"),
        "derived": "énoncés calculés (provenance, inférences, alignements)",
    },
    "en": {
        "none": "No change record: this release was built before polegraph recorded changes.",
        "first": "First recorded release: there is no earlier release to compare with.",
        "unavailable": "Changes since release {previous} unknown: its data could not be read.",
        "same": "No statement changed since release {previous}.",
        "since": "Since release {previous}: {parts}.",
        "join": "; ",
        "colon": ": ",
        "added": ("{n} statement added", "{n} statements added"),
        "added_short": ("{n} added", "{n} added"),
        "removed": ("{n} removed", "{n} removed"),
        "removed_alone": ("{n} statement removed", "{n} statements removed"),
        "figures": ("{n} figure corrected", "{n} figures corrected"),
        "values": ("{n} other value corrected", "{n} other values corrected"),
        "derived": "derived statements (provenance, inference, alignment)",
    },
}


def _count(words: dict, key: str, n: int, lang: str) -> str:
    singular, plural = words[key]
    one = n <= 1 if lang == "fr" else n == 1
    return (singular if one else plural).format(n=n)


def _counts(words: dict, entry: dict, lang: str, noun: bool = True) -> str:
    parts = []
    if entry.get("added"):
        parts.append(_count(words, "added" if noun else "added_short", entry["added"], lang))
    if entry.get("removed"):
        parts.append(_count(words, "removed" if parts or not noun else "removed_alone", entry["removed"], lang))
    if entry.get("figures_corrected"):
        parts.append(_count(words, "figures", entry["figures_corrected"], lang))
    if entry.get("values_changed"):
        parts.append(_count(words, "values", entry["values_changed"], lang))
    return ", ".join(parts)


def version_notes(changes: dict | None, lang: str) -> str:
    """What changed since the previous release, in `lang` ("fr" or "en"), from a change record."""
    words = WORDS[lang]
    if changes is None:
        return words["none"]
    previous = (changes.get("previous") or {}).get("id")
    if previous is None:
        return words["first"]
    if "unavailable" in changes:
        return words["unavailable"].format(previous=previous)
    if not changes.get("added") and not changes.get("removed"):
        return words["same"].format(previous=previous)
    parts = []
    derived = {"added": 0, "removed": 0}
    for graph in changes.get("graphs", []):
        if graph["kind"] == "derived":
            derived["added"] += graph["added"]
            derived["removed"] += graph["removed"]
            continue
        label = (graph.get("label") or {}).get(lang) or graph["graph"]
        parts.append(label + words["colon"] + _counts(words, graph, lang))
    if derived["added"] or derived["removed"]:
        parts.append(words["derived"] + words["colon"] + _counts(words, derived, lang, noun=False))
    return words["since"].format(previous=previous, parts=words["join"].join(parts))
