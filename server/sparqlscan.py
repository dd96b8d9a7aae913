"""A small SPARQL lexer: what pyoxigraph does not tell us about a query or update text.

pyoxigraph parses and evaluates in one call, so a few protocol rules need a look at the
text first: does the query carry its own dataset (FROM / FROM NAMED), where do `USING`
clauses go for `using-graph-uri`. (SERVICE and LOAD targets are checked by
`limits.check_federation`.) The lexer splits the text
into strings, IRIs, comments, braces and words exactly as the SPARQL grammar delimits
them, so a keyword is only ever found where the grammar can have one (never inside a
string, an IRI, a comment, a variable or a prefixed name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache


def lexer(word: str) -> re.Pattern[str]:
    """A tokenizer for SPARQL or TriG: the terminals they share (whitespace, comments, strings,
    IRIs, braces), and `word` (a regex) for everything else; single characters come as `other`."""
    return re.compile(
        r"""
        (?P<ws>\s+)
      | (?P<comment>\#[^\r\n]*)
      | (?P<string>"{3}(?:\\.|[^\\])*?"{3}(?!")|'{3}(?:\\.|[^\\])*?'{3}(?!')
                  |"(?:\\.|[^"\\\r\n])*"|'(?:\\.|[^'\\\r\n])*')
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<open>\{)
      | (?P<close>\})
      | (?P<word>"""
        + word
        + r""")
      | (?P<other>.)
        """,
        re.VERBOSE | re.DOTALL,
    )


_TOKEN = lexer(r"[^\s{}()\[\]<>,;'\"\#=!&|+*/^]+")


@dataclass(frozen=True, slots=True)
class Keyword:
    """A bare keyword (upper-cased), where it starts, and the brace depth it sits at."""

    word: str
    start: int
    depth: int


def keywords(text: str) -> Iterator[Keyword]:
    """Yield every bare keyword and brace of a SPARQL text, skipping strings, IRIs, comments.

    Variables (`?x`, `$x`), prefixed names (`ex:from`), blank nodes (`_:b`), language
    tags (`@en`) and numbers are words but not keywords: a keyword is all letters.
    """
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            yield Keyword("{", match.start(), depth)
            depth += 1
        elif kind == "close":
            depth -= 1
            yield Keyword("}", match.start(), depth)
        elif kind == "word":
            word = match.group()
            if word.isascii() and word.isalpha():
                yield Keyword(word.upper(), match.start(), depth)


@dataclass(frozen=True, slots=True)
class QueryShape:
    """What the protocol layer needs to know about a query before running it."""

    has_dataset: bool  # FROM or FROM NAMED: the query names its own dataset


_PLAIN_QUERY = QueryShape(has_dataset=False)


@lru_cache(maxsize=2048)
def query_shape(query: str) -> QueryShape:
    """Look for the FROM keyword; cached, since the same queries come back often."""
    # The cheap test settles most queries: no such letters, no such keyword.
    if "from" not in query.lower():
        return _PLAIN_QUERY
    return QueryShape(has_dataset=any(k.word == "FROM" for k in keywords(query)))


def _significant(text: str) -> Iterator[str]:
    """The tokens of `text` without whitespace and comments; a word's final '.' split off."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        token = match.group()
        if kind == "word" and token.endswith(".") and len(token) > 1:
            yield token[:-1]
            yield "."
        else:
            yield token


@lru_cache(maxsize=256)
def copies_all_triples(query: str) -> bool:
    """Is this `CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }` (or `CONSTRUCT WHERE { ?s ?p ?o }`)?

    Such a query copies every triple of its default graph, so it can be answered by reading
    the store's index instead of the query engine (which keeps every triple it produced, to
    drop repeats: memory grows with the answer). A PREFIX/BASE prologue is allowed; a
    dataset clause, a modifier or anything else is not.
    """
    if "construct" not in query.lower():
        return False
    tokens = list(_significant(query))
    start = 0
    while start < len(tokens) and tokens[start].upper() in ("PREFIX", "BASE"):
        if tokens[start].upper() == "PREFIX":
            declared = tokens[start + 1 : start + 3]
            if len(declared) < 2 or not declared[0].endswith(":") or not declared[1].startswith("<"):
                return False
            start += 3
        else:
            if not tokens[start + 1 : start + 2] or not tokens[start + 1].startswith("<"):
                return False
            start += 2
    rest = tokens[start:]
    if len(rest) < 6 or rest[0].upper() != "CONSTRUCT":
        return False
    rest = rest[1:]
    if rest[0].upper() == "WHERE":  # CONSTRUCT WHERE { ?s ?p ?o }
        return _bare_pattern(rest[1:]) is not None
    template = _bare_pattern(rest[: rest.index("}") + 1] if "}" in rest else rest)
    if template is None:
        return False
    where = rest[rest.index("}") + 1 :]
    if where and where[0].upper() == "WHERE":
        where = where[1:]
    return _bare_pattern(where) == template


def _bare_pattern(tokens: Sequence[str]) -> tuple[str, str, str] | None:
    """`{ ?a ?b ?c }` with three distinct variables (and an optional '.'): the variable names."""
    body = list(tokens)
    if len(body) not in (5, 6) or body[0] != "{" or body[-1] != "}":
        return None
    if len(body) == 6 and body[4] != ".":
        return None
    names = tuple(token[1:] for token in body[1:4] if token[:1] in "?$" and len(token) > 1)
    if len(names) != 3 or len(set(names)) != 3:
        return None
    return names  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class UpdateShape:
    """The keywords of an update that the protocol layer acts on."""

    has_dataset: bool  # USING, USING NAMED or WITH somewhere in the request
    loads: bool  # LOAD: the server fetches a document
    where_positions: tuple[int, ...]  # start of each top-level WHERE of a DELETE/INSERT
    delete_where: bool  # a `DELETE WHERE { }` shortcut, which cannot take USING


@lru_cache(maxsize=256)
def update_shape(update: str) -> UpdateShape:
    """Find the dataset keywords and the WHERE of each DELETE/INSERT operation."""
    found: set[str] = set()
    wheres: list[int] = []
    delete_where = False
    previous: Keyword | None = None
    for keyword in keywords(update):
        found.add(keyword.word)
        if keyword.word == "WHERE" and keyword.depth == 0:
            # At depth 0, WHERE only closes a Modify operation (DELETE/INSERT ... WHERE)
            # or forms the DELETE WHERE shortcut; WHEREs of subqueries sit inside braces.
            # Braces are tokens too, so `DELETE { … } WHERE` is not mistaken for the shortcut.
            if previous is not None and previous.word == "DELETE":
                delete_where = True
            else:
                wheres.append(keyword.start)
        previous = keyword
    return UpdateShape(
        has_dataset=bool(found & {"USING", "WITH"}),
        loads="LOAD" in found,
        where_positions=tuple(wheres),
        delete_where=delete_where,
    )


class UsingNotApplicable(ValueError):
    """`using-graph-uri` / `using-named-graph-uri` cannot be applied to this update."""


def add_using(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri to every DELETE/INSERT.

    SPARQL 1.1 Protocol §2.2.3: these parameters set the dataset of the WHERE clause of
    each operation, and a request that also has USING or WITH in its text is an error.
    The clauses are inserted just before each top-level WHERE, the one place the grammar
    puts them; graph IRIs must already be validated (no `>` or spaces can occur).
    """
    shape = update_shape(update)
    if shape.has_dataset:
        raise UsingNotApplicable(
            "The update has its own USING or WITH clause; it cannot be combined with "
            "using-graph-uri or using-named-graph-uri (SPARQL 1.1 Protocol §2.2.3)"
        )
    if shape.delete_where:
        raise UsingNotApplicable(
            "using-graph-uri / using-named-graph-uri cannot apply to a 'DELETE WHERE { … }' "
            "shortcut, whose grammar has no USING; write 'DELETE { … } WHERE { … }' instead"
        )
    clause = "".join(f"USING <{g}> " for g in default_graphs) + "".join(
        f"USING NAMED <{g}> " for g in named_graphs
    )
    pieces: list[str] = []
    last = 0
    for position in shape.where_positions:
        pieces.append(update[last:position])
        pieces.append(clause)
        last = position
    pieces.append(update[last:])
    return "".join(pieces)


@dataclass(frozen=True, slots=True)
class _Declaration:
    """A PREFIX or BASE declaration of an update: its span, name (None for BASE) and IRI."""

    start: int
    end: int
    prefix: str | None
    iri: str
    after_operation: bool  # in the prologue of a later operation (after a top-level ';')


def _declarations(update: str) -> tuple[list[_Declaration], int | None]:
    """Every top-level PREFIX/BASE declaration, and where the first operation starts."""
    found: list[_Declaration] = []
    first_operation: int | None = None
    tokens = [m for m in _TOKEN.finditer(update) if m.lastgroup not in ("ws", "comment")]
    depth = 0
    after_operation = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind, text = token.lastgroup, token.group()
        word = text.upper() if kind == "word" else ""
        if depth == 0 and word in ("PREFIX", "BASE"):
            width = 3 if word == "PREFIX" else 2
            parts = tokens[index : index + width]
            if len(parts) == width and parts[-1].lastgroup == "iri":
                prefix = parts[1].group() if word == "PREFIX" else None
                found.append(_Declaration(token.start(), parts[-1].end(), prefix, parts[-1].group(), after_operation))
                index += width
                continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif depth == 0 and text == ";":
            # At depth 0 a ';' only ever separates two operations of the request.
            after_operation = True
        if first_operation is None and not after_operation:
            first_operation = token.start()
        index += 1
    return found, first_operation


def hoist_prologues(update: str) -> str:
    """Move PREFIX declarations that follow a ';' to the request's leading prologue.

    SPARQL 1.1 grammar [29] `Update ::= Prologue ( Update1 ( ';' Update )? )?` lets every
    operation have its own prologue (the Update spec's own DELETE DATA ; PREFIX … INSERT DATA
    example does), and clients such as rdflib's SPARQLUpdateStore send one per operation,
    but pyoxigraph only parses a leading one. A prefix bound once, or rebound to the same
    IRI, means the same wherever it is declared, so such declarations move to the front
    (their text blanked, newlines kept, so error lines still point at the right place).
    A later BASE, or a prefix rebound to another IRI, changes meaning mid-request: the text
    is then left as it is and the parser's own error answers.
    """
    if ";" not in update or "prefix" not in update.lower():
        return update
    declarations, first_operation = _declarations(update)
    later = [d for d in declarations if d.after_operation]
    if not later or any(d.prefix is None for d in later):
        return update
    bound = {d.prefix: d.iri for d in declarations if not d.after_operation and d.prefix is not None}
    hoisted: list[str] = []
    for declaration in later:
        if declaration.prefix not in bound:  # first binding of this prefix: it moves to the front
            bound[declaration.prefix] = declaration.iri
            hoisted.append(f"PREFIX {declaration.prefix} {declaration.iri} ")
        elif bound[declaration.prefix] != declaration.iri:
            return update
    text = list(update)
    for declaration in later:
        for position in range(declaration.start, declaration.end):
            if text[position] not in "\r\n":
                text[position] = " "
    blanked = "".join(text)
    at = first_operation if first_operation is not None else len(blanked)
    return blanked[:at] + "".join(hoisted) + blanked[at:]
