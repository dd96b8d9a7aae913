"""Empty named graphs in TriG: what pyoxigraph's parser does not report.

An RDF dataset may hold a named graph without triples (the Graph Store Protocol and
`CREATE GRAPH` make them). TriG writes one as `<g> { }`; N-Quads cannot write one at all.
pyoxigraph parses quads only, so `onteam load` finds such blocks here, and `onteam dump`
writes them, so that a TriG dump loads back into the same dataset.

The lexer splits a TriG text the way the grammar delimits tokens (strings, IRIs, comments,
braces, words), so a `{ }` inside a string or a comment never counts. It runs on files that
pyoxigraph has already parsed: the text is valid TriG, and a label before `{` is a graph name.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import NamedNode, Store

from .sparqlscan import lexer

# TriG's prefixed names keep their escapes (`ex:a\&b`, `ex:a\#b`): a backslash takes the next
# character into the word, so an escaped '#' or quote starts no comment or string.
_TOKEN = lexer(r"(?:[^\s{}()\[\],;'\"<\#\\]|\\.)+")
_EMPTY_BLOCK = re.compile(rb"\{\s*\}")  # the cheap test: most files have no empty block at all


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    for match in _TOKEN.finditer(text):
        if match.lastgroup not in ("ws", "comment"):
            yield match.lastgroup or "", match.group()


def empty_graphs(text: str) -> list[NamedNode]:
    """The graph names of the `label { }` blocks of a TriG text, in order, without repeats.

    Labels are absolute IRIs or prefixed names (expanded by the text's prefixes); a relative
    IRI or a blank node label is left out (Oxigraph never writes one).
    """
    prefixes: dict[str, str] = {}
    found: dict[str, None] = {}
    window: list[tuple[str, str]] = []  # the last three tokens
    directive: list[str] = []  # tokens of a @prefix / PREFIX directive being read
    for kind, value in _tokens(text):
        if kind == "word" and value.lower() in ("@prefix", "prefix"):
            directive = [value]
        elif directive:
            directive.append(value)
            if len(directive) == 3:
                prefixes[directive[1].rstrip(":")] = directive[2][1:-1]
                directive = []
        window = [*window[-2:], (kind, value)]
        if len(window) < 3 or (window[1][0], window[2][0]) != ("open", "close"):
            continue
        label_kind, label = window[0]
        iri = None
        if label_kind == "iri" and ":" in label:
            iri = label[1:-1]
        elif label_kind == "word" and ":" in label and not label.startswith("_:"):
            prefix, local = label.split(":", 1)
            if prefix in prefixes:
                iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        if iri is not None and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri):  # absolute only
            found[iri] = None
    return [NamedNode(iri) for iri in found]


def empty_graphs_in_file(path: Path) -> list[NamedNode]:
    """`empty_graphs` of a TriG file (gzipped if its name ends with `.gz`)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as stream:
        data = stream.read()
    if not _EMPTY_BLOCK.search(data):
        return []
    return empty_graphs(data.decode("utf-8"))


def empty_named_graphs(store: Store) -> list[NamedNode]:
    """The named graphs of a store that hold no quad (sorted by IRI)."""
    return sorted(
        (g for g in store.named_graphs()
         if isinstance(g, NamedNode) and next(iter(store.quads_for_pattern(None, None, None, g)), None) is None),
        key=lambda g: g.value,
    )


def trig_blocks(graphs: Iterable[NamedNode]) -> bytes:
    """TriG for empty named graphs: one `<g> { }` line each."""
    return b"".join(f"{g} {{ }}\n".encode() for g in graphs)
