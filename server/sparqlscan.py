"""A small SPARQL lexer: what pyoxigraph does not tell us about a query or update text.

pyoxigraph parses and evaluates in one call, so a few protocol rules need a look at the
text first: does the query carry its own dataset (FROM / FROM NAMED), where do `USING`
clauses go for `using-graph-uri`, which prologue declarations of later operations move
to the front. `tokens` is the one reading of SPARQL text in the service: `limits`
(SERVICE and LOAD targets), `queries` (saved-query parameters), `capped` (the top-level
LIMIT) and the command line read queries through it, and `lexer` is shared with `trigscan`.
It splits the text into strings, IRIs, comments, braces, prefixed names, variables and
words exactly as the SPARQL grammar delimits them, so a keyword is only ever found where
the grammar can have one (never inside a string, an IRI, a comment, a variable or a
prefixed name, whatever escapes they hold).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

# Character classes of the SPARQL 1.1 grammar (§19.8, [164]-[173]); Turtle and TriG share them.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_VAR_CHARS = _PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PN_CHARS = _VAR_CHARS + "\\-"
_LOCAL_CHAR = rf"(?:[{_PN_CHARS}:]|%[0-9A-Fa-f]{{2}}|\\[_~.\-!$&'()*+,;=/?#@%])"

# The terminals SPARQL has beyond those it shares with TriG. A prefixed name keeps its
# escapes (`ex:a\#b` is one token, not a name and a comment); a variable never holds '-'.
_SPARQL_TERMS = rf"""
    (?P<pname>(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?:
              (?:{_LOCAL_CHAR}(?:(?:{_LOCAL_CHAR}|\.)*{_LOCAL_CHAR})?)?)
  | (?P<var>[?$][{_VAR_CHARS}]+)
  | (?P<bnode>_:[{_VAR_CHARS}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:[eE][+-]?[0-9]+)?)
"""


def lexer(word: str, terms: str = "") -> re.Pattern[str]:
    """A tokenizer for SPARQL or TriG: the terminals they share (whitespace, comments, strings,
    IRIs, braces), then `terms` (more named alternatives) and `word` (a regex) for everything
    else; single characters come as `other`. Strings and IRIs follow the grammar exactly: a long
    string ends at the first `'''` / `\"\"\"` that is not followed by its content, IRIs may hold
    \\u escapes."""
    return re.compile(
        r"""
        (?P<ws>\s+)
      | (?P<comment>\#[^\r\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                  |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
      | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
      | (?P<open>\{)
      | (?P<close>\})
      | """
        + (terms + " | " if terms else "")
        + "(?P<word>"
        + word
        + r""")
      | (?P<other>.)
        """,
        re.VERBOSE | re.DOTALL,
    )


# SPARQL's own tokens: a `word` is a keyword or a function name (`a`, `SELECT`, `STRLEN`).
_TOKEN = lexer(r"[A-Za-z][A-Za-z0-9_]*", _SPARQL_TERMS)


@dataclass(frozen=True, slots=True)
class Token:
    """A significant token: its kind (a group of `lexer`), text, start and brace depth."""

    kind: str
    text: str
    start: int
    depth: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, whitespace and comments left out.

    Kinds: string, iri, open, close, pname, var, bnode, lang, number, word, other. A brace
    sits at the depth outside it; anything else at the depth of the braces around it.
    """
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "close":
            depth -= 1
        yield Token(kind, match.group(), match.start(), depth)
        if kind == "open":
            depth += 1


@dataclass(frozen=True, slots=True)
class Keyword:
    """A bare keyword (upper-cased), where it starts, and the brace depth it sits at."""

    word: str
    start: int
    depth: int


def keywords(text: str) -> Iterator[Keyword]:
    """Yield every bare keyword and brace of a SPARQL text, skipping strings, IRIs, comments.

    Variables (`?x`, `$x`), prefixed names (`ex:from`), blank nodes (`_:b`), language
    tags (`@en`) and numbers are other kinds of token: a keyword is a word of letters only.
    """
    for token in tokens(text):
        if token.kind in ("open", "close"):
            yield Keyword(token.text, token.start, token.depth)
        elif token.kind == "word" and token.text.isalpha():
            yield Keyword(token.text.upper(), token.start, token.depth)


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
    words = [token.text for token in tokens(query)]
    start = 0
    while start < len(words) and words[start].upper() in ("PREFIX", "BASE"):
        if words[start].upper() == "PREFIX":
            declared = words[start + 1 : start + 3]
            if len(declared) < 2 or not declared[0].endswith(":") or not declared[1].startswith("<"):
                return False
            start += 3
        else:
            if not words[start + 1 : start + 2] or not words[start + 1].startswith("<"):
                return False
            start += 2
    rest = words[start:]
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


def _declarations(significant: Sequence[Token]) -> tuple[list[_Declaration], int | None]:
    """Every top-level PREFIX/BASE declaration among an update's tokens, and where the first
    operation starts."""
    found: list[_Declaration] = []
    first_operation: int | None = None
    after_operation = False
    index = 0
    while index < len(significant):
        token = significant[index]
        word = token.text.upper() if token.kind == "word" else ""
        if token.depth == 0 and word in ("PREFIX", "BASE"):
            width = 3 if word == "PREFIX" else 2
            parts = significant[index : index + width]
            if len(parts) == width and parts[-1].kind == "iri":
                prefix = parts[1].text if word == "PREFIX" else None
                end = parts[-1].start + len(parts[-1].text)
                found.append(_Declaration(token.start, end, prefix, parts[-1].text, after_operation))
                index += width
                continue
        if token.depth == 0 and token.text == ";":
            # At depth 0 a ';' only ever separates two operations of the request.
            after_operation = True
        if first_operation is None and not after_operation:
            first_operation = token.start
        index += 1
    return found, first_operation


def _used_before(update: str, significant: Sequence[Token], declaration: _Declaration) -> None:
    """Refuse a prefixed name that comes before the declaration of its prefix.

    In grammar [29] `Update ::= Prologue ( Update1 ( ';' Update )? )?` a later prologue
    belongs to the nested `Update` after the ';': it serves the operations that follow it,
    never one before it. So hoisting a later PREFIX must not make an earlier use valid.
    Raises a SyntaxError worded like the parser's, with line and column.
    """
    for token in significant:
        if token.start >= declaration.start:
            break
        if token.kind == "pname" and token.text.partition(":")[0] + ":" == declaration.prefix:
            line = update.count("\n", 0, token.start) + 1
            column = token.start - (update.rfind("\n", 0, token.start) + 1) + 1
            declared_line = update.count("\n", 0, declaration.start) + 1
            raise SyntaxError(
                f"error at {line}:{column}: the prefix {declaration.prefix!r} of {token.text} is only declared "
                f"later, on line {declared_line}; a PREFIX applies to the text after it"
            )


def hoist_prologues(update: str) -> str:
    """Move PREFIX declarations that follow a ';' to the request's leading prologue.

    SPARQL 1.1 grammar [29] `Update ::= Prologue ( Update1 ( ';' Update )? )?` lets every
    operation have its own prologue (the Update spec's own DELETE DATA ; PREFIX … INSERT DATA
    example does), and clients such as rdflib's SPARQLUpdateStore send one per operation,
    but pyoxigraph only parses a leading one. A prefix bound once, or rebound to the same
    IRI, means the same wherever it is declared, so such declarations move to the front
    (their text blanked, newlines kept, so error lines still point at the right place).
    A later BASE, or a prefix rebound to another IRI, changes meaning mid-request: the text
    is then left as it is and the parser's own error answers. A prefixed name used before the
    PREFIX that moves is a SyntaxError (see `_used_before`).
    """
    if ";" not in update or "prefix" not in update.lower():
        return update
    significant = list(tokens(update))
    declarations, first_operation = _declarations(significant)
    later = [d for d in declarations if d.after_operation]
    if not later or any(d.prefix is None for d in later):
        return update
    bound = {d.prefix: d.iri for d in declarations if not d.after_operation and d.prefix is not None}
    hoisted: list[str] = []
    for declaration in later:
        if declaration.prefix not in bound:  # first binding of this prefix: it moves to the front
            _used_before(update, significant, declaration)
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


def check_copy_sources(update: str, scratch: str) -> tuple[str, dict[str, str]]:
    """Make each COPY and ADD without SILENT fail when its source graph does not exist.

    SPARQL 1.1 Update §3.2.3/§3.2.5 (and the W3C update-silent tests) make a missing source
    an error; Oxigraph raises it for MOVE only. Where the graph is checked matters: an earlier
    operation of the same request may create or drop it, so the check runs in place, as two
    operations inserted just before the COPY / ADD: one writes a marker graph if the source
    exists (`GRAPH <s> { }` matches once for an existing graph, even an empty one), the next
    drops the marker, which fails when there is none. Both are cheap whatever the graph's size
    and leave nothing behind. `scratch` is an unused graph IRI the markers are numbered from;
    returns the text and each marker IRI with the source it stands for (for the message).
    The prologue must already lead the text (`hoist_prologues`): the source is copied as written.
    """
    significant = list(tokens(update))
    pieces: list[str] = []
    markers: dict[str, str] = {}
    last = 0
    for index, token in enumerate(significant):
        if token.depth or token.kind != "word" or token.text.upper() not in ("COPY", "ADD"):
            continue
        # COPY [SILENT] (DEFAULT | [GRAPH] iri) TO (DEFAULT | [GRAPH] iri)
        operands = [t for t in significant[index + 1:index + 6] if t.text.upper() != "GRAPH"]
        if not operands or operands[0].text.upper() == "SILENT" or operands[0].kind not in ("iri", "pname"):
            continue  # SILENT, or DEFAULT (which always exists), or a text pyoxigraph will refuse
        source = operands[0].text
        if len(operands) > 2 and operands[1].text.upper() == "TO" and operands[2].text == source:
            continue  # a graph copied onto itself is a no-op (§3.2.3)
        marker = f"{scratch}-{len(markers)}"
        markers[marker] = source
        pieces += [update[last:token.start],
                   f"INSERT {{ GRAPH <{marker}> {{ <{marker}> <{marker}> <{marker}> }} }} "
                   f"WHERE {{ GRAPH {source} {{ }} }} ; DROP GRAPH <{marker}> ; "]
        last = token.start
    pieces.append(update[last:])
    return "".join(pieces), markers
