"""Named queries: the `.rq` files of queries/, each a titled, described, runnable object.

The same objects feed the CLI (`polegraph query NAME`), the query editor's tabs and the tests.
A file starts with a header of comment lines:

    # title: Which pôles signed the manifesto, and who presides them
    # description: One or two sentences on what the query answers,
    #   continued on further comment lines if needed.
    # title@fr: Les pôles signataires du manifeste et leurs présidents
    # description@fr: The same in French, for the French interface.

The English fields are required (the title) and the default; the French ones are shown to French
readers when present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from polegraph.errors import PolegraphError

_HEADER = re.compile(r"^#\s*(title|description)(?:@([a-z]{2}))?\s*:\s*(.*)$", re.I)
LANGUAGES = ("en", "fr")  # en: the default fields


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    path: Path
    title_fr: str = ""
    description_fr: str = ""

    def title_in(self, language: str) -> str:
        """The title in `language` ("fr" or "en"), else the English one."""
        return (self.title_fr if language == "fr" else "") or self.title

    def description_in(self, language: str) -> str:
        return (self.description_fr if language == "fr" else "") or self.description


def read_query(path: Path) -> NamedQuery:
    """Read one `.rq` file; its header must give a title."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            field, language = match.group(1).lower(), (match.group(2) or "en").lower()
            if language not in LANGUAGES:
                raise PolegraphError(f"{path}: '{field}@{language}' — a named query's header is in "
                                     f"{' or '.join(LANGUAGES)}")
            key = field if language == "en" else f"{field}_{language}"
            fields[key] = match.group(3).strip()
        elif key:  # an indented comment line continues the previous field
            fields[key] = f"{fields[key]} {line.lstrip('#').strip()}".strip()
    if "title" not in fields:
        raise PolegraphError(f"{path}: a named query needs a '# title:' line in its header")
    return NamedQuery(name=path.stem, title=fields["title"], description=fields.get("description", ""),
                      text=text, path=path, title_fr=fields.get("title_fr", ""),
                      description_fr=fields.get("description_fr", ""))


def load_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every named query of a folder, by name (the file name without `.rq`), in name order."""
    if not folder.is_dir():
        return {}
    return {q.name: q for q in map(read_query, sorted(folder.glob("*.rq")))}
