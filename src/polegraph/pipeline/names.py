"""Finding names in a French text: what the coverage sweep (pipeline/coverage.py) reads.

Two steps, on each paragraph. First every label of the graph is looked for in the text (longest first,
compared in a normal form that ignores case, accents, punctuation, elisions, plurals and `&`/`et`),
and what it covers is set aside: a name the graph knows, in any of its printed forms, is found there.
Then what remains is read for things that look like names: acronyms, runs of capitalised words
(joined by `de`, `la`, `et`…), a capitalised word inside a sentence, short quoted names, and the value
chains named after « filière(s) ». The first word of a sentence is only taken when it is an acronym:
French capitalises every sentence, so a lone capital there says nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Every word list below is in folded form (see `fold`).
# Word tokens keep inner hyphens and apostrophes (Innov'Alliance, Auvergne-Rhône-Alpes, Up&Charge);
# an elided article or preposition (l', d', qu'…) is a token of its own.
_TOKEN = re.compile(
    r"(?P<elision>\b(?:[dlDLjJnNsStTcCmM]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu)['’](?=\w))"
    r"|(?P<word>[\w@#][\w@&+#]*(?:[-'’&.][\w@&+#]+)*\+?['’]?)"
    r"|(?P<punct>[^\w\s])"
)
_UNIT = re.compile(r"[a-z0-9]+")
_QUOTE = re.compile(r"«\s*([^«»]+?)\s*»")
QUOTE_MAX_WORDS = 8

# Words that join the parts of one name (Véhicule du Futur, Images & Réseaux, Biosolutions for …).
CONNECTORS = _words("de du des d' l' la le les et a au aux en pour sur sous of for on the and to in")
# Capitalised only because they open a sentence: never a name, nor the start of one.
OPENERS = _words("""le la les l' un une des du de d' en dans a au aux avec pour par sur sous chez depuis grace
    apres avant selon ainsi cette ce cet ces c' son sa ses leur leurs notre nos il ils elle elles on et mais ou si
    lors des face plus chaque tout toute tous toutes sans entre vers comme parce lorsque quand cela qui que
    celui ceux au-dela""")
# Common nouns that announce a name; a run opening with one is also tried without it (Pôle Aquanova).
TRIGGERS = _words("pole poles projet projets programme programmes plateforme plateformes initiative "
                  "initiatives filiere filieres")
# After « filière(s) », words that qualify the chain without naming it (filière française du biométhane).
QUALIFIERS = _words("""francaise francais francaises nationale nationales regionale regionales europeenne
    europeennes industrielle industrielles souveraine souveraines strategique strategiques locale locales
    mondiale mondiales premiere premieres nouvelle nouvelles et""")
# Where a value chain's name ends.
CHAIN_STOPS = _words("""de du des d' en dans pour par avec au aux a qui que via grace notamment ou autour afin
    aupres parmi plus se le la les l' un une son sa ses leur leurs qu' ce cette ces est sont ont""")
CHAIN_MAX_WORDS = 5


def fold(text: str) -> str:
    """Lower case, accents and ligatures folded, `&` read as `et`."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("&", " et ").replace("’", "'")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def units(text: str) -> tuple[str, ...]:
    """The normal form names are compared in: folded words, punctuation dropped, a final plural s dropped."""
    return tuple(u[:-1] if len(u) > 3 and u.endswith("s") and not u.endswith("ss") else u
                 for u in _UNIT.findall(fold(text)))


def normal(text: str) -> str:
    return " ".join(units(text))


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    kind: str  # "word", "elision" or "punct"


def tokenize(line: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end(), m.lastgroup or "punct") for m in _TOKEN.finditer(line)]


def is_capitalised(token: Token) -> bool:
    return token.kind == "word" and token.text[0].isupper()


def is_namelike(token: Token) -> bool:
    """Capitalised (and not a sentence opener such as « Les »), or an acronym (ePERFECT); never one letter
    (the M of M€)."""
    if len(token.text) < 2:
        return False
    return (is_capitalised(token) and fold(token.text) not in OPENERS) or is_acronym(token)


def is_acronym(token: Token) -> bool:
    """SGDSN, EMC2, ePERFECT, H2: two capitals, or a capital and a digit; never a number (1,3X)."""
    if token.kind != "word" or token.text[0].isdigit():
        return False
    for part in token.text.split("-"):  # État-Région-industrie is three words, not an acronym
        capitals = sum(c.isupper() for c in part)
        if capitals >= 2 or (capitals == 1 and any(c.isdigit() for c in part)):
            return True
    return False


class LabelIndex:
    """Every label's normal form, and the longest label in units, to find labels in a text."""

    def __init__(self, labels: Iterable[str]):
        self.forms: set[tuple[str, ...]] = {form for label in labels if (form := units(label))}
        self.longest = max((len(form) for form in self.forms), default=0)

    def __contains__(self, name: str) -> bool:
        return units(name) in self.forms

    def covered(self, tokens: list[Token]) -> tuple[list[bool], int]:
        """For each token, whether a label found in the text covers it (longest label first, left to right);
        and how many labels were found."""
        spans: list[tuple[int, int]] = []  # token index → its units' range in `flat`
        flat: list[str] = []
        for token in tokens:
            start = len(flat)
            if token.kind != "punct" or token.text == "&":  # & reads as « et », as in labels
                flat.extend(units(token.text))
            spans.append((start, len(flat)))
        starts = {s: i for i, (s, e) in enumerate(spans) if e > s}
        ends = {e: i for i, (s, e) in enumerate(spans) if e > s}
        covered = [False] * len(tokens)
        found = u = 0
        while u < len(flat):
            if u in starts:
                for n in range(min(self.longest, len(flat) - u), 0, -1):
                    if u + n in ends and tuple(flat[u:u + n]) in self.forms:
                        for i in range(starts[u], ends[u + n] + 1):
                            covered[i] = True
                        found += 1
                        u += n
                        break
                else:
                    u += 1
            else:
                u += 1
        return covered, found


@dataclass(frozen=True)
class Candidate:
    """Something that looks like a name, as printed, and what made it one."""

    name: str
    line: int
    rule: str  # acronym, capitalised, word, quoted, value chain


def _sentence_starts(tokens: list[Token]) -> set[int]:
    starts, expect = set(), True
    for i, token in enumerate(tokens):
        if token.kind == "punct":
            if token.text in ".!?:;«»-–•":
                expect = True
            continue
        if expect:
            starts.add(i)
        expect = False
    return starts


def _runs(tokens: list[Token], skip: list[bool]) -> Iterable[tuple[int, int]]:
    """Maximal runs of capitalised words and acronyms, joined by connectors, as (first, last) indices."""
    i = 0
    while i < len(tokens):
        if skip[i] or not is_namelike(tokens[i]):
            i += 1
            continue
        last = j = i
        while j + 1 < len(tokens) and not skip[j + 1]:
            nxt = tokens[j + 1]
            if is_namelike(nxt):
                last = j = j + 1
            elif nxt.kind != "punct" and fold(nxt.text) in CONNECTORS or nxt.text == "&":
                j += 1
            else:
                break
        yield i, last
        i = last + 1


def _chains(tokens: list[Token], covered: list[bool]) -> Iterable[tuple[int, int]]:
    """The value chains named after « filière(s) » (lower case: « Filière » opens a longer name), as
    (first, last) token indices, one per chain where « et » joins two. A plural that names its chains
    directly names a list (filières solaire, hydrogène, nucléaire)."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.kind == "punct" or token.text not in ("filière", "filières"):
            continue
        j = i + 1
        while j < n and fold(tokens[j].text) in QUALIFIERS:
            j += 1
        direct = not (j < n and fold(tokens[j].text) in ("de", "du", "des", "d'"))
        if not direct:
            j += 1
            while j < n and fold(tokens[j].text) in ("la", "l'"):
                j += 1
        while j < n:
            first = j
            while (j < n and j - first < CHAIN_MAX_WORDS and tokens[j].kind != "punct"
                   and fold(tokens[j].text) not in CHAIN_STOPS):
                j += 1
            # A name that runs on into a label is that label's (filière de production de carburants durables).
            after = j + 1 + (j + 1 < n and fold(tokens[j + 1].text) in ("la", "l'"))
            runs_on = j < n and fold(tokens[j].text) in ("de", "du", "des", "d'") and after < n and covered[after]
            piece = first
            for k in range(first, j + 1):
                if k == j or fold(tokens[k].text) == "et":
                    end = k - 1
                    while end >= piece and fold(tokens[end].text) in ("sur", "et"):
                        end -= 1
                    if end >= piece and not runs_on and not all(covered[piece:end + 1]):
                        yield piece, end
                    piece = k + 1
            if token.text != "filières" or not direct or j >= n or tokens[j].text != ",":
                break
            j += 1


def _strip(tokens: list[Token], first: int, last: int) -> tuple[int, int]:
    """A run without the trigger noun it opens with (Pôle Aquanova → Aquanova), when more follows."""
    if first < last and fold(tokens[first].text) in TRIGGERS:
        first += 1
        while first < last and fold(tokens[first].text) in CONNECTORS:
            first += 1
    return first, last


def candidates(line: str, number: int, index: LabelIndex) -> tuple[int, list[Candidate]]:
    """How many names one paragraph states, and those of them that no label of `index` covers."""
    tokens = tokenize(line)
    covered, labelled = index.covered(tokens)
    taken = [False] * len(tokens)
    found: list[Candidate] = []

    def add(first: int, last: int, rule: str) -> None:
        found.append(Candidate(line[tokens[first].start:tokens[last].end], number, rule))
        for k in range(first, last + 1):
            taken[k] = True

    for quote in _QUOTE.finditer(line):
        inside = [k for k, t in enumerate(tokens) if quote.start(1) <= t.start < quote.end(1)]
        if inside and len(quote.group(1).split()) <= QUOTE_MAX_WORDS:
            if not all(covered[k] for k in inside if tokens[k].kind != "punct"):
                add(inside[0], inside[-1], "quoted")
            for k in inside:
                taken[k] = True
    for first, last in _chains(tokens, covered):
        name = line[tokens[first].start:tokens[last].end]
        if not any(taken[first:last + 1]) and name not in index and f"filière {name}" not in index:
            add(first, last, "value chain")
    sentence_starts = _sentence_starts(tokens)
    for first, last in _runs(tokens, [c or t for c, t in zip(covered, taken, strict=True)]):
        if first == last:
            if is_acronym(tokens[first]):
                add(first, last, "acronym")
            elif first not in sentence_starts and fold(tokens[first].text) not in TRIGGERS:
                add(first, last, "word")
            continue
        first, last = _strip(tokens, first, last)
        if line[tokens[first].start:tokens[last].end] not in index:
            add(first, last, "acronym" if all(is_acronym(tokens[k]) for k in range(first, last + 1))
                else "capitalised")
    return labelled + len(found), found
