"""Reconciliation Service API at /reconcile: match names in a spreadsheet to OnTeam's resources.

Implements the protocol of the W3C Entity Reconciliation Community Group as OpenRefine 3.x uses
it (Reconciliation Service API v0.2): the manifest at `GET /reconcile`, batches of keyed queries
in the `queries` parameter (query string or form), JSONP through `callback`, an HTML preview
card, and prefix suggest services for entities, types and properties. The 1.0 draft's POST of an
`application/json` body `{"queries": [...]}` is answered in that draft's form
(`{"results": [{"candidates": [...]}]}`). Data extension (the `extend` parameter, property
proposals) is server/extend.py's.

Identifiers are local names in https://w3id.org/onteam/id/ (`kt`, `kaist`); types and properties
are local names in the ontology namespace (`Organization`, `ledBy`), or full IRIs for terms of
other vocabularies. CURIEs with the project's prefixes (`ot:ledBy`, `org:member`) and full IRIs
are accepted in queries too.

Matching compares normalized labels (NFKC, case-folded, punctuation and symbols read as spaces;
equality ignores spaces too, since Korean spacing varies: "AI원팀" is "AI 원팀") over rdfs:label,
skos:prefLabel and skos:altLabel in every language. The store is read in the query pool
(`sparql.compute`), on its current generation, so a batch sees every acknowledged write.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pyoxigraph import Literal, NamedNode, Variable

from . import limits
from .errors import BadRequest, NotFound, UnsupportedMediaType
from .linkeddata import ID_BASE, OT, PREFIXES, public_base
from .openapi import error_responses, query_param
from .sparql import compute, evaluate, query_pairs, request_media, single
from .webmodel import pick

router = APIRouter()

# The main classes of the ontology, offered to OpenRefine as the types to reconcile against;
# a query without a type searches their instances (subclasses included).
DEFAULT_TYPES = ("Consortium", "Organization", "Person", "Initiative", "Outcome")
VERSIONS = ["0.1", "0.2"]
SERVICE_NAME = "OnTeam: Korea's One Team consortia (온팀: 원팀 협력체), in English and Korean (한국어)"
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
MAX_QUERIES = 200  # per batch; OpenRefine sends 10 by default
# Names are compared character by character (quadratic): a name, a prefix or a property value
# longer than this is no name. Properties cost lookups per candidate, hence their bounds.
MAX_TEXT = 500
MAX_PROPERTIES = 20
MAX_VALUES = 50
SUGGEST_PAGE = 10
PREVIEW_WIDTH = 400
PREVIEW_HEIGHT = 160
# Scores: an exact (normalized) name scores 100 on a label, 96 on an alternative label; anything
# else at most FUZZY_CEILING, so an exact name always ranks above a near one. Candidates under
# MIN_SCORE are not worth showing. `match` needs an exact name and a lead of MATCH_GAP.
EXACT_LABEL = 100.0
EXACT_ALT = 96.0
FUZZY_CEILING = 85.0
MIN_SCORE = 50.0
MATCH_GAP = 10.0
# A required condition (1.0 draft) holds when a value is the asked one, or its text nearly is.
REQUIRED_AGREEMENT = 0.9
STRICTNESS = ("any", "all", "should")
QUANTIFIERS = ("any", "all", "none")

JSON_MEDIA = "application/json"
FORM_MEDIA = "application/x-www-form-urlencoded"
# RFC 9239 names text/javascript as the one JavaScript media type. Both answers name their
# charset: JSON has none to declare, but OpenRefine and browsers then need not guess it.
JS_MEDIA = "text/javascript"
JSON_CONTENT_TYPE = JSON_MEDIA + "; charset=utf-8"
JS_CONTENT_TYPE = JS_MEDIA + "; charset=utf-8"
# A JSONP callback is a plain JavaScript identifier: nothing that could break out of the call.
_CALLBACK = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,127}$")
_ID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
_TERM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL = PREFIXES["rdfs"] + "label"
PREF_LABEL = PREFIXES["skos"] + "prefLabel"
ALT_LABEL = PREFIXES["skos"] + "altLabel"

# A class and its subclasses; then the labels of each class's instances. Simple index lookups:
# one pattern `?e a/rdfs:subClassOf* ?t` walks the path from every typed resource, and with
# VALUES for ?lp the planner scans every label first (measured: 5-10x slower at 100k triples).
SUBCLASSES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?t ?c WHERE { ?c rdfs:subClassOf* ?t }
"""
INSTANCES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?e ?lp ?l WHERE {
  ?e a ?c .
  ?e ?lp ?l .
  FILTER(?lp IN (rdfs:label, skos:prefLabel, skos:altLabel))
}
"""
TYPES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?e ?t ?l WHERE { ?e a ?t . FILTER(isIRI(?t)) OPTIONAL { ?t rdfs:label ?l } }
"""
DESCRIPTION_QUERY = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX ot: <https://w3id.org/onteam/ontology#>
SELECT ?e ?d ?j WHERE { { ?e dcterms:description ?d } UNION { ?e ot:jobTitle ?j } }
"""
LABELS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?lp ?l WHERE { VALUES ?lp { rdfs:label skos:prefLabel skos:altLabel } ?e ?lp ?l . FILTER(isLiteral(?l)) }
"""
VALUES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?p ?v ?l WHERE { ?e ?p ?v . OPTIONAL { ?v rdfs:label|skos:prefLabel|skos:altLabel ?l } }
"""
EXISTS_QUERY = "ASK { ?e ?p ?o }"
# Ontology terms for the type and property suggest services: ot: classes or properties, labelled.
TERMS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?t ?l ?c WHERE {
  ?t a ?kind .
  FILTER(isIRI(?t) && STRSTARTS(STR(?t), "https://w3id.org/onteam/ontology#"))
  OPTIONAL { ?t rdfs:label ?l }
  OPTIONAL { ?t rdfs:comment ?c FILTER(LANGMATCHES(LANG(?c), "en") || LANGMATCHES(LANG(?c), "ko")) }
}
"""
TERM_KINDS = {
    "type": (PREFIXES["owl"] + "Class", PREFIXES["rdfs"] + "Class"),
    "property": (
        PREFIXES["owl"] + "ObjectProperty",
        PREFIXES["owl"] + "DatatypeProperty",
        PREFIXES["rdf"] + "Property",
    ),
}


# -- the query model -----------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A property constraint: `prop` (an IRI) should have one of `values`.

    Each value is ("id", iri) for a reconciled value or ("text", string) for a plain one.
    """

    prop: str
    values: tuple[tuple[str, str], ...]
    required: bool = False  # 1.0 draft: a candidate that does not agree is no candidate
    # 1.0 draft: which of the values the resource should have: "any" of them, "all", or "none"
    quantifier: str = "any"


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked and resolved (IRIs, bounds) on the event loop.

    `text` is empty for a query by properties only (both specs allow one without a name).
    """

    text: str
    types: tuple[str, ...] = ()
    strict: str = "any"
    limit: int = DEFAULT_LIMIT
    conditions: tuple[Condition, ...] = ()


@dataclass
class _Scored:
    iri: str
    score: float
    exact: bool
    lang: str | None
    labels: dict[str, str] = field(default_factory=dict)  # lang -> rdfs:label / skos:prefLabel


# -- normalization and scores ----------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def normalize(text: str) -> str:
    """NFKC, case-folded; punctuation, symbols and controls read as spaces; spaces collapsed.

    Memoized: a worker normalizes the same labels for every query of every batch.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in folded)
    return " ".join(kept.split())


def _compact(normalized: str) -> str:
    return normalized.replace(" ", "")


@lru_cache(maxsize=256)
def _matcher(query: str) -> SequenceMatcher[str]:
    """A matcher holding the query as its second sequence, whose index it builds once."""
    return SequenceMatcher(None, "", query, autojunk=False)


def similarity(query: str, label: str, floor: float = 0.0) -> float:
    """How alike two normalized strings are, 0..1 (1 only for equal ones, spaces aside).

    Values at or under `floor` are not worth knowing exactly: the costly edit-based ratio is
    skipped when its cheap upper bounds say it cannot beat the floor.
    """
    q, l = _compact(query), _compact(label)
    if not q or not l:
        return 0.0
    if q == l:
        return 1.0
    best = 0.0
    if q in l or l in q:
        # A name inside a longer one ("KAIST" in "한국과학기술원(KAIST)") is a good lead.
        shorter, longer = sorted((len(q), len(l)))
        best = 0.55 + 0.4 * shorter / longer
    query_words, label_words = set(query.split()), set(label.split())
    best = max(best, 0.9 * len(query_words & label_words) / len(query_words | label_words))
    matcher = _matcher(q)
    matcher.set_seq1(l)
    bar = max(best, floor)
    if matcher.real_quick_ratio() > bar and matcher.quick_ratio() > bar:
        best = max(best, matcher.ratio())
    return min(best, 0.99)


def name_score(query: str, label: str, prop: str, floor: float = 0.0) -> tuple[float, bool]:
    """The score of a candidate label for a normalized query, and whether it is an exact match.

    Scores at or under `floor` may be returned lower than they are (they are discarded).
    """
    if _compact(query) == _compact(label) and query:
        return (EXACT_ALT if prop == ALT_LABEL else EXACT_LABEL), True
    return round(FUZZY_CEILING * similarity(query, label, floor / FUZZY_CEILING), 2), False


# -- parsing requests ----------------------------------------------------------------------------


def resolve_term(value: str, where: str) -> str:
    """An ontology local name, a CURIE with a known prefix, or an absolute IRI, as an IRI."""
    value = value.strip()
    if _TERM_NAME.match(value):
        return OT + value
    prefix, colon, rest = value.partition(":")
    if colon and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", value):
        try:
            NamedNode(value)
        except ValueError as exc:
            raise BadRequest(f"{where}: {value!r} is not a valid IRI: {exc}") from None
        return value
    raise BadRequest(f"{where}: {value!r} is not an ontology term name, a CURIE (ot:ledBy) or an absolute IRI")


def entity_iri(value: str) -> str | None:
    """The IRI an entity id stands for (a local name under id:, or the full IRI); None if neither."""
    value = value.strip()
    value = value.removeprefix(ID_BASE)
    return ID_BASE + value if _ID_NAME.match(value) else None


def term_id(iri: str) -> str:
    """The id shown for a type or property: its local name in the ontology, else the full IRI."""
    return iri.removeprefix(OT)


def entity_id(iri: str) -> str:
    return iri.removeprefix(ID_BASE)


def parse_json(text: str, what: str) -> Any:
    """`text` as JSON; a 400 with the parser's line and column otherwise."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            line=exc.lineno,
            column=exc.colno,
        ) from None


def _values(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    items = raw if isinstance(raw, list) else [raw]
    values: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, dict):
            ident = item.get("id")
            if not isinstance(ident, str) or not ident.strip():
                raise BadRequest(f"{where}: an object value needs a string 'id'")
            iri = entity_iri(ident)
            values.append(("id", iri) if iri else ("text", ident))
        elif isinstance(item, str):
            values.append(("text", item))
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            values.append(("text", str(item)))
        elif isinstance(item, bool):
            values.append(("text", "true" if item else "false"))
        else:
            raise BadRequest(f"{where}: a value must be a string, a number or an object with an 'id'")
    if len(values) > MAX_VALUES:
        raise BadRequest(f"{where}: {len(values)} values; give at most {MAX_VALUES}")
    if any(len(text) > MAX_TEXT for _, text in values):
        raise BadRequest(f"{where}: a value is longer than {MAX_TEXT} characters")
    # A blank value (a cell of spaces in the property's column) says nothing about a candidate.
    return tuple((kind, text) for kind, text in values if kind == "id" or normalize(text))


def _draft_conditions(raw: Any, where: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The 1.0 draft's `conditions`: the name (matchType "name") and the property conditions.

    Values are in `v` and properties in `pid`, as the draft's query schema names them; an
    earlier draft's `propertyValue` and `propertyId` are read too, for clients built on it.
    """
    if not isinstance(raw, list) or not raw:
        raise BadRequest(f"{where} must be a non-empty array of condition objects")
    text: str | None = None
    properties: list[dict[str, Any]] = []
    for i, cond in enumerate(raw):
        cwhere = f"{where}[{i}]"
        if not isinstance(cond, dict):
            raise BadRequest(f"{cwhere} must be an object")
        if cond.get("matchType") not in ("name", "property"):
            raise BadRequest(f"{cwhere}.matchType must be \"name\" or \"property\"")
        key = "v" if "v" in cond else "propertyValue"
        if key not in cond:
            raise BadRequest(f"{cwhere} has no 'v' (the value to match)")
        required = cond.get("required", False)
        if not isinstance(required, bool):
            raise BadRequest(f"{cwhere}.required must be true or false")
        quantifier = cond.get("matchQuantifier", "any")
        if quantifier not in QUANTIFIERS:
            raise BadRequest(f"{cwhere}.matchQuantifier must be one of {', '.join(QUANTIFIERS)}")
        if cond.get("matchType") == "name":
            value = cond[key]
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if not isinstance(value, str):
                raise BadRequest(f"{cwhere}.{key} must be a string (the name to match)")
            if text is not None:
                raise BadRequest(f"{cwhere}: a query has at most one condition with matchType \"name\"")
            text = value
        else:
            pid = cond.get("pid", cond.get("propertyId"))
            properties.append({"pid": pid, "v": cond[key], "required": required, "match_quantifier": quantifier})
    return text, properties


def _limit(raw: Any, where: str) -> int:
    limit = raw.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit)  # some clients send it as a string
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)  # the schemas type it as a number: 5.0 is 5
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise BadRequest(f"{where}.limit must be a positive integer")
    return min(limit, MAX_LIMIT)


def parse_query(raw: Any, where: str) -> Query:
    """One query object (v0.2, or the 1.0 draft with `conditions`) as a `Query`.

    Both specs allow a query without a name when it has properties: it is answered by them.
    """
    if isinstance(raw, str):
        raw = {"query": raw}  # the v0.1 shorthand: a bare string
    if not isinstance(raw, dict):
        raise BadRequest(f"{where} must be a JSON object with a 'query' string")
    text = raw.get("query")
    conditions: list[Condition] = []
    properties = raw.get("properties", [])
    if "conditions" in raw:  # 1.0 draft: the name is a condition with matchType "name"
        named, properties = _draft_conditions(raw["conditions"], f"{where}.conditions")
        # A client may still give the name as `query` beside its property conditions: it is the name.
        text = named if named is not None else text
    if not isinstance(properties, list):
        raise BadRequest(f"{where}.properties must be an array of {{pid, v}} objects")
    if text is None and not properties:
        raise BadRequest(f"{where} needs a 'query' string, or properties to match")
    if text is not None and not isinstance(text, str):
        raise BadRequest(f"{where}.query must be a string")
    if text is not None and len(text) > MAX_TEXT:
        raise BadRequest(f"{where}.query is longer than {MAX_TEXT} characters")
    if text is not None and not normalize(text):
        # The schemas allow any string, and OpenRefine sends a cell of spaces as it is: a blank
        # name matches nothing (its properties may), rather than failing the whole batch.
        text = ""
    types: list[str] = []
    raw_type = raw.get("type")
    if raw_type is not None:
        for t in raw_type if isinstance(raw_type, list) else [raw_type]:
            if not isinstance(t, str) or not t.strip():
                raise BadRequest(f"{where}.type must be a type id or an array of them")
            types.append(resolve_term(t, f"{where}.type"))
    strict = raw.get("type_strict", "any")
    if strict not in STRICTNESS:
        raise BadRequest(f"{where}.type_strict must be one of {', '.join(STRICTNESS)}")
    limit = _limit(raw, where)
    if len(properties) > MAX_PROPERTIES:
        raise BadRequest(f"{where}.properties has {len(properties)} entries; give at most {MAX_PROPERTIES}")
    for i, prop in enumerate(properties):
        pwhere = f"{where}.properties[{i}]"
        if not isinstance(prop, dict) or "v" not in prop:
            raise BadRequest(f"{pwhere} must be an object with 'pid' and 'v'")
        pid = prop.get("pid")
        if not isinstance(pid, str) or not pid.strip():
            raise BadRequest(f"{pwhere}.pid must be a property id")
        resolved = resolve_term(pid, f"{pwhere}.pid")
        quantifier = prop.get("match_quantifier", "any")  # an earlier 1.0 draft's name for it
        if quantifier not in QUANTIFIERS:
            raise BadRequest(f"{pwhere}.match_quantifier must be one of {', '.join(QUANTIFIERS)}")
        values = _values(prop["v"], f"{pwhere}.v")
        if not values:
            continue  # only blank values (or none: the schemas allow []): no condition to weigh
        conditions.append(Condition(resolved, values, prop.get("required") is True, quantifier))
    return Query(text or "", tuple(types), strict, limit, tuple(conditions))


def parse_batch(raw: Any, what: str) -> dict[str, Query] | list[Query]:
    """A keyed batch (v0.2: an object) or a list (1.0 draft), checked and bounded."""
    if isinstance(raw, dict):
        items: Iterable[tuple[str, Any]] = raw.items()
    elif isinstance(raw, list):
        items = ((str(i), q) for i, q in enumerate(raw))
    else:
        raise BadRequest(f"{what} must be a JSON object mapping keys to queries")
    if len(raw) > MAX_QUERIES:
        raise BadRequest(f"{what} holds {len(raw)} queries; send at most {MAX_QUERIES} per request")
    parsed = [(key, parse_query(q, f"{what}[{json.dumps(key, ensure_ascii=False)}]")) for key, q in items]
    if isinstance(raw, dict):
        return dict(parsed)
    return [q for _, q in parsed]


# -- reading the store (in a query worker) -----------------------------------------------------


Pool = dict[str, list[tuple[str, Literal]]]  # resource iri -> [(label property, label)]


def _pool(store: Any, type_iri: str, cache: dict[str, Pool]) -> Pool:
    """Labelled resources under id: that are instances of `type_iri` or of one of its subclasses."""
    if type_iri in cache:
        return cache[type_iri]
    found: dict[str, dict[tuple[str, Literal], None]] = {}  # ordered sets: a resource may have several classes
    classes = {type_iri} | {
        row["c"].value
        for row in evaluate(store, SUBCLASSES_QUERY, substitutions={Variable("t"): NamedNode(type_iri)})
        if isinstance(row["c"], NamedNode)
    }
    for cls in sorted(classes):
        key = "class " + cls
        if key not in cache:
            instances: Pool = {}
            for row in evaluate(store, INSTANCES_QUERY, substitutions={Variable("c"): NamedNode(cls)}):
                iri, label = row["e"], row["l"]
                if isinstance(iri, NamedNode) and iri.value.startswith(ID_BASE) and isinstance(label, Literal):
                    instances.setdefault(iri.value, []).append((row["lp"].value, label))
            cache[key] = instances
        for iri, labels in cache[key].items():
            found.setdefault(iri, {}).update(dict.fromkeys(labels))
    cache[type_iri] = {iri: list(labels) for iri, labels in found.items()}
    return cache[type_iri]


def main_labels(labels: list[tuple[str, Literal]]) -> dict[str, str]:
    """lang -> the resource's name in it (rdfs:label first, then skos:prefLabel)."""
    out: dict[str, str] = {}
    for prop in (LABEL, PREF_LABEL):
        for p, lit in labels:
            if p == prop:
                out.setdefault(lit.language or "", lit.value)
    if not out:
        for _, lit in labels:
            out.setdefault(lit.language or "", lit.value)
    return out


def _grams(compact: str) -> set[str]:
    """Character bigrams of a compact name, ends marked (so "kt" has three and "k" two)."""
    padded = "\x02" + compact + "\x03"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


class LabelIndex:
    """The labels of a pool, indexed by character bigram, so that a query scores only the labels
    sharing enough of its bigrams (every label sharing none scores under MIN_SCORE anyway).

    Built once per batch and pool in the worker; the store is read afresh for each batch.
    """

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.entries: list[tuple[str, str, Literal, str]] = []  # iri, label property, label, normalized
        self.postings: dict[str, list[int]] = {}
        for iri, labels in pool.items():
            for prop, lit in labels:
                norm = normalize(lit.value)
                if not norm:
                    continue
                for gram in _grams(_compact(norm)):
                    self.postings.setdefault(gram, []).append(len(self.entries))
                self.entries.append((iri, prop, lit, norm))

    def near(self, query: str) -> list[int]:
        """Entries sharing at least a third of the query's bigrams."""
        grams = _grams(_compact(query))
        shared: dict[int, int] = {}
        for gram in grams:
            for i in self.postings.get(gram, ()):
                shared[i] = shared.get(i, 0) + 1
        needed = max(1, len(grams) // 3)
        return [i for i, count in shared.items() if count >= needed]

    def score(self, text: str) -> list[_Scored]:
        """The resources whose best label scores MIN_SCORE or more for `text`."""
        query = normalize(text)
        best: dict[str, tuple[float, bool, str | None]] = {}
        for i in self.near(query):
            iri, prop, lit, norm = self.entries[i]
            floor = max(best.get(iri, (MIN_SCORE,))[0], MIN_SCORE)
            score, exact = name_score(query, norm, prop, floor)
            if score >= MIN_SCORE and score > best.get(iri, (0.0,))[0]:
                best[iri] = (score, exact, lit.language)
        return [_Scored(iri, s, e, lang, main_labels(self.pool[iri])) for iri, (s, e, lang) in best.items()]


def _value_agreement(kind: str, wanted: str, value: Any, label: Any) -> float:
    """0..1: how well one value of the property (and the value's label) agrees with one asked value."""
    if isinstance(value, NamedNode) and value.value in (wanted, entity_iri(wanted)):
        return 1.0
    if kind == "id":
        return 0.0
    texts = [value.value] if isinstance(value, Literal) else []
    if label is not None:
        texts.append(label.value)
    return max((similarity(normalize(wanted), normalize(t)) for t in texts), default=0.0)


def _row_agreements(cond: Condition, value: Any, label: Any) -> list[float]:
    """How well one value of the property agrees with each asked value, in their order."""
    return [_value_agreement(kind, wanted, value, label) for kind, wanted in cond.values]


def _quantified(cond: Condition, bests: list[float]) -> float:
    """0..1: the agreement of a resource whose values agree `bests` with each asked value at best."""
    if cond.quantifier == "all":
        return min(bests)
    if cond.quantifier == "none":
        return 1.0 - max(bests)
    return max(bests)


def _condition_score(store: Any, iri: str, cond: Condition) -> float:
    """0..1: how well the resource's values of `cond.prop` agree with the asked values."""
    rows = evaluate(store, VALUES_QUERY, substitutions={Variable("e"): NamedNode(iri), Variable("p"): NamedNode(cond.prop)})
    bests = [0.0] * len(cond.values)
    for row in rows:
        bests = [max(pair) for pair in zip(bests, _row_agreements(cond, row["v"], row["l"]))]
    return _quantified(cond, bests)


def _fails_required(conditions: tuple[Condition, ...], agreements: list[float]) -> bool:
    return any(c.required and a < REQUIRED_AGREEMENT for c, a in zip(conditions, agreements))


def _weighed(store: Any, scored: _Scored, conditions: tuple[Condition, ...]) -> _Scored | None:
    """The name score blended with the property agreement: each condition weighs 20%, 50% at most.

    None when a required condition does not hold: the resource is no candidate.
    """
    agreements = [_condition_score(store, scored.iri, c) for c in conditions]
    if _fails_required(conditions, agreements):
        return None
    weight = min(0.5, 0.2 * len(conditions))
    agreement = sum(agreements) / len(conditions)
    scored.score = round(scored.score * (1 - weight) + 100 * weight * agreement, 2)
    return scored


def _by_properties(store: Any, pool: Pool, conditions: tuple[Condition, ...]) -> list[_Scored]:
    """Candidates of a query without a name: resources of the pool whose values agree, scored
    by their mean agreement (100: every condition met exactly, which alone can make a match).

    Each property is read once, all its subjects at a time, rather than once per resource. The
    resources considered are those with a value of one of the properties (so conditions that all
    ask for "none" of their values find nothing).
    """
    bests: dict[str, list[list[float]]] = {}  # resource -> condition -> best agreement per asked value
    for i, cond in enumerate(conditions):
        for row in evaluate(store, VALUES_QUERY, substitutions={Variable("p"): NamedNode(cond.prop)}):
            subject = row["e"]
            if not isinstance(subject, NamedNode) or subject.value not in pool:
                continue
            found = bests.setdefault(subject.value, [[0.0] * len(c.values) for c in conditions])
            found[i] = [max(pair) for pair in zip(found[i], _row_agreements(cond, row["v"], row["l"]))]
    scored = []
    for iri, found in bests.items():
        agreements = [_quantified(cond, best) for cond, best in zip(conditions, found)]
        score = round(100 * sum(agreements) / len(agreements), 2)
        if score >= MIN_SCORE and not _fails_required(conditions, agreements):
            scored.append(_Scored(iri, score, all(a == 1.0 for a in agreements), None, main_labels(pool[iri])))
    return scored


def _types_of(store: Any, iri: str) -> list[dict[str, str]]:
    """The resource's classes as {id, name} (English name): its ontology classes if it has any."""
    names: dict[str, str] = {}
    langs: dict[str, str] = {}
    for row in evaluate(store, TYPES_QUERY, substitutions={Variable("e"): NamedNode(iri)}):
        t = row["t"].value
        names.setdefault(t, term_id(t))
        label = row["l"]
        if label is not None and (t not in langs or (label.language == "en" and langs[t] != "en")):
            names[t], langs[t] = label.value, label.language or ""
    # The ontology's own classes say it; foaf:Person and the like only repeat them.
    own = sorted(t for t in names if t.startswith(OT))
    return [{"id": term_id(t), "name": names[t]} for t in own or sorted(names)]


def _description(store: Any, iri: str, lang: str | None) -> str | None:
    by_lang: dict[str, str] = {}
    titles: dict[str, str] = {}
    for row in evaluate(store, DESCRIPTION_QUERY, substitutions={Variable("e"): NamedNode(iri)}):
        if row["d"] is not None:
            by_lang.setdefault(row["d"].language or "", row["d"].value)
        if row["j"] is not None:
            titles.setdefault(row["j"].language or "", row["j"].value)
    for source in (by_lang, titles):  # a person has a job title rather than a description
        for key in (lang, "en", "ko", ""):
            if key is not None and key in source:
                return source[key]
    return None


def _in_types(iri: str, types: tuple[str, ...], strict: str, pools: list[dict[str, Any]]) -> bool:
    found = [iri in pool for pool in pools]
    return all(found) if strict == "all" else any(found)


def reconcile(store: Any, queries: list[Query]) -> list[list[dict[str, Any]]]:
    """Candidates for each query, best first (run in a query worker)."""
    cache: dict[str, Pool] = {}
    searched_pools: dict[tuple[tuple[str, ...], str], Pool] = {}
    indexes: dict[tuple[tuple[str, ...], str], LabelIndex] = {}
    defaults = tuple(OT + name for name in DEFAULT_TYPES)
    answers = []
    for q in queries:
        pools = [_pool(store, t, cache) for t in q.types]
        searched = q.types if q.types and q.strict != "should" else defaults + q.types
        key = (searched, "all" if q.types and q.strict == "all" else "any")
        if key not in searched_pools:
            candidates: Pool = {}
            for t in searched:
                candidates.update(_pool(store, t, cache))
            if key[1] == "all":
                candidates = {iri: labels for iri, labels in candidates.items() if _in_types(iri, q.types, "all", pools)}
            searched_pools[key] = candidates
        if q.text:
            if key not in indexes:
                indexes[key] = LabelIndex(searched_pools[key])
            scored = indexes[key].score(q.text)
        else:
            scored = _by_properties(store, searched_pools[key], q.conditions)
        outside: set[str] = set()
        if q.types and q.strict == "should":
            # OpenRefine sends "should" with every type: the type's instances come first, the
            # others after them, scored lower (so never a match), for when none of the type fits.
            outside = {s.iri for s in scored if not _in_types(s.iri, q.types, "any", pools)}
            for s in scored:
                if s.iri in outside:
                    s.score = round(s.score * 0.8, 2)

        def rank(s: _Scored, outside: set[str] = outside) -> tuple[bool, float, str]:
            return (s.iri in outside, -s.score, s.iri)

        scored.sort(key=rank)
        if q.conditions and q.text:
            # Properties re-rank the best name matches only: each costs a lookup per candidate.
            weighed = (_weighed(store, s, q.conditions) for s in scored[: max(4 * q.limit, 20)])
            scored = [s for s in weighed if s is not None]
            scored.sort(key=rank)
        answers.append(_results(store, scored, q.limit))
    return answers


def _results(store: Any, scored: list[_Scored], limit: int) -> list[dict[str, Any]]:
    results = []
    for i, s in enumerate(scored[:limit]):
        runner_up = scored[i + 1].score if i + 1 < len(scored) else 0.0
        result: dict[str, Any] = {
            "id": entity_id(s.iri),
            "name": pick(s.labels, s.lang),
            "type": _types_of(store, s.iri),
            "score": s.score,
            # Only the first can be a match: an exact name, clearly ahead of the next candidate.
            "match": i == 0 and s.exact and s.score >= 90 and s.score - runner_up >= MATCH_GAP,
        }
        description = _description(store, s.iri, s.lang)
        if description:
            result["description"] = description
        results.append(result)
    return results


def type_labels(store: Any, iris: tuple[str, ...]) -> dict[str, str]:
    """English labels of classes (for the manifest's defaultTypes)."""
    out: dict[str, str] = {}
    for iri in iris:
        labels = main_labels(
            [(LABEL, row["l"]) for row in evaluate(store, LABELS_QUERY, substitutions={Variable("e"): NamedNode(iri)})]
        )
        out[iri] = pick(labels, "en") or term_id(iri)
    return out


def card(store: Any, iri: str) -> dict[str, Any] | None:
    """What the preview shows: labels by language, types, description; None for an unknown id."""
    if not evaluate(store, EXISTS_QUERY, substitutions={Variable("e"): NamedNode(iri)}):
        return None
    rows = evaluate(store, LABELS_QUERY, substitutions={Variable("e"): NamedNode(iri)})
    labels = main_labels([(row["lp"].value, row["l"]) for row in rows])
    return {
        "labels": labels,
        "types": [t for t in _types_of(store, iri)],
        "description": {lang: _description(store, iri, lang) for lang in ("en", "ko")},
    }


# A Korean input method shows a syllable while it is composed: 하 and 한 on the way to 한국, 호 on
# the way to 회, 달 on the way to 닭, 카잇 on the way to 카이스 (a final consonant moves on to the next
# syllable once a vowel follows). Compared as letters, such a prefix is a prefix of the name: NFKD
# splits syllables into conjoining jamo (and maps a bare ㄱ to the initial ᄀ), compound vowels and
# finals are split into the letters typed for them, and a last final may be the next initial.
_SPLIT = str.maketrans({
    chr(compound): "".join(map(chr, parts))
    for compound, parts in (
        (0x116A, (0x1169, 0x1161)), (0x116B, (0x1169, 0x1162)), (0x116C, (0x1169, 0x1175)),
        (0x116F, (0x116E, 0x1165)), (0x1170, (0x116E, 0x1166)), (0x1171, (0x116E, 0x1175)),
        (0x1174, (0x1173, 0x1175)),
        (0x11AA, (0x11A8, 0x11BA)), (0x11AC, (0x11AB, 0x11BD)), (0x11AD, (0x11AB, 0x11C2)),
        (0x11B0, (0x11AF, 0x11A8)), (0x11B1, (0x11AF, 0x11B7)), (0x11B2, (0x11AF, 0x11B8)),
        (0x11B3, (0x11AF, 0x11BA)), (0x11B4, (0x11AF, 0x11C0)), (0x11B5, (0x11AF, 0x11C1)),
        (0x11B6, (0x11AF, 0x11C2)), (0x11B9, (0x11B8, 0x11BA)),
    )
})
_FINAL_AS_INITIAL = {
    chr(final): chr(initial)
    for final, initial in (
        (0x11A8, 0x1100), (0x11A9, 0x1101), (0x11AB, 0x1102), (0x11AE, 0x1103), (0x11AF, 0x1105),
        (0x11B7, 0x1106), (0x11B8, 0x1107), (0x11BA, 0x1109), (0x11BB, 0x110A), (0x11BC, 0x110B),
        (0x11BD, 0x110C), (0x11BE, 0x110E), (0x11BF, 0x110F), (0x11C0, 0x1110), (0x11C1, 0x1111),
        (0x11C2, 0x1112),
    )
}


@lru_cache(maxsize=1 << 16)
def _letters(text: str) -> str:
    """`text` with Hangul syllables split into the letters typed for them."""
    return unicodedata.normalize("NFKD", text).translate(_SPLIT)


def _prefix_forms(prefix: str) -> tuple[str, ...]:
    """The prefix as letters, and, when it ends on a final consonant, with that one moved on."""
    letters = _letters(prefix)
    initial = _FINAL_AS_INITIAL.get(letters[-1:])
    return (letters, letters[:-1] + initial) if initial else (letters,)


def _prefix_rank(prefix: str, texts: Iterable[str]) -> int | None:
    """0: a name equals the prefix; 1: a name starts with it; 2: a word does; None: no match."""
    best: int | None = None
    compact = _compact(prefix)
    starts = _prefix_forms(compact)
    words = [" " + form for form in _prefix_forms(prefix)]
    for text in texts:
        name = normalize(text)
        if _compact(name) == compact:
            return 0
        if _letters(_compact(name)).startswith(starts):
            rank = 1
        elif any(form in " " + _letters(name) for form in words):
            rank = 2
        else:
            continue
        best = rank if best is None else min(best, rank)
    return best


def suggest_entities(store: Any, prefix: str, type_iri: str | None, offset: int) -> list[dict[str, Any]]:
    """Entities whose name starts with `prefix` (or has a word that does), best first."""
    cache: dict[str, Pool] = {}
    pool: Pool = {}
    for t in (type_iri,) if type_iri else tuple(OT + name for name in DEFAULT_TYPES):
        pool.update(_pool(store, t, cache))
    wanted = normalize(prefix)
    ranked = []
    for iri, labels in pool.items():
        # The name is given in the language of the best label the prefix found (English on a
        # tie), as reconciliation names a candidate in the language of the query: 카이 gives
        # 한국과학기술원, kai gives its English name.
        found = [
            (rank, lit.language not in (None, "", "en"), lit.language or "en")
            for _, lit in labels
            if (rank := _prefix_rank(wanted, [lit.value])) is not None
        ]
        if found:
            rank, _, lang = min(found)
            ranked.append((rank, iri, labels, lang))
    ranked.sort(key=lambda r: (r[0], pick(main_labels(r[2]), "en").casefold(), r[1]))
    out = []
    for _, iri, labels, lang in ranked[offset : offset + SUGGEST_PAGE]:
        item: dict[str, Any] = {"id": entity_id(iri), "name": pick(main_labels(labels), lang)}
        description = _description(store, iri, lang)
        if description:
            item["description"] = description
        item["notable"] = [t for t in _types_of(store, iri) if not t["id"].startswith("http")]
        out.append(item)
    return out


def suggest_terms(store: Any, kind: str, prefix: str, offset: int) -> list[dict[str, Any]]:
    """Ontology classes (kind "type") or properties (kind "property") matching `prefix`."""
    terms: dict[str, dict[str, Any]] = {}
    kinds = " ".join(f"<{k}>" for k in TERM_KINDS[kind])
    for row in evaluate(store, f"SELECT ?t WHERE {{ VALUES ?kind {{ {kinds} }} ?t a ?kind }}"):
        terms.setdefault(row["t"].value, {"labels": {}, "comments": {}})
    if terms:
        for row in evaluate(store, TERMS_QUERY):
            entry = terms.get(row["t"].value)
            if entry is None:
                continue
            if row["l"] is not None:
                entry["labels"].setdefault(row["l"].language or "", row["l"].value)
            if row["c"] is not None:
                entry["comments"].setdefault(row["c"].language or "", row["c"].value)
    wanted = normalize(prefix)
    ranked = []
    for iri, entry in terms.items():
        if not iri.startswith(OT):
            continue
        # Named in the language of the best name the prefix found (the id and English on a tie),
        # as suggest_entities does: 대학 gives 대학, univ gives university.
        found = [
            (rank, lang not in ("", "en"), lang or "en")
            for lang, text in [("", term_id(iri)), *entry["labels"].items()]
            if (rank := _prefix_rank(wanted, [text])) is not None
        ]
        if found:
            rank, _, lang = min(found)
            ranked.append((rank, term_id(iri).casefold(), iri, entry, lang))
    ranked.sort(key=lambda r: r[:2])
    out = []
    for _, _, iri, entry, lang in ranked[offset : offset + SUGGEST_PAGE]:
        item: dict[str, Any] = {"id": term_id(iri), "name": pick(entry["labels"], lang) or term_id(iri)}
        comment = pick(entry["comments"], lang)
        if comment:
            item["description"] = comment
        out.append(item)
    return out


# -- HTTP ------------------------------------------------------------------------------------------


def jsonp_callback(params: list[tuple[str, str]]) -> str | None:
    callback = single(params, "callback")
    if callback is not None and not _CALLBACK.match(callback):
        raise BadRequest("Parameter 'callback' must be a JavaScript identifier (letters, digits, _ and $; at most 128)")
    return callback


def reply(body: Any, callback: str | None) -> Response:
    """UTF-8 JSON, or JSONP when a callback is named (for OpenRefine's older clients)."""
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if callback is None:
        return Response(text, media_type=JSON_CONTENT_TYPE)
    # U+2028 and U+2029 are allowed in JSON strings but end lines in JavaScript before ES2019:
    # escaped, a label holding one cannot break the script.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    # `/**/` keeps the first bytes from being read as anything but script (a known JSONP guard).
    return Response(
        f"/**/{callback}({text});",
        media_type=JS_CONTENT_TYPE,
        headers={"X-Content-Type-Options": "nosniff"},
    )


def manifest(request: Request, labels: dict[str, str]) -> dict[str, Any]:
    """The service manifest (Reconciliation Service API v0.2 §3)."""
    base = public_base(request)
    suggest = {
        kind: {"service_url": base, "service_path": f"/reconcile/suggest/{kind}"}
        for kind in ("entity", "type", "property")
    }
    return {
        "versions": VERSIONS,
        "name": SERVICE_NAME,
        "identifierSpace": ID_BASE,
        "schemaSpace": OT,
        "defaultTypes": [{"id": term_id(iri), "name": name} for iri, name in labels.items()],
        "view": {"url": base + "/id/{{id}}"},
        "preview": {"url": base + "/reconcile/preview?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": suggest,
        "extend": extension.manifest_extend(base),
    }


async def _answer_batch(request: Request, raw_text: str, callback: str | None) -> Response:
    batch = parse_batch(parse_json(raw_text, "The 'queries' parameter"), "queries")
    if isinstance(batch, list):  # a JSON array is taken as keys 0, 1, ...
        batch = {str(i): q for i, q in enumerate(batch)}
    keys = list(batch)
    answers = await compute(request, reconcile, [batch[k] for k in keys])
    return reply({k: {"result": a} for k, a in zip(keys, answers)}, callback)


async def _answer_extension(request: Request, queries: str | None, extend: str, callback: str | None) -> Response:
    if queries is not None:
        raise BadRequest("Give either 'queries' (reconciliation) or 'extend' (data extension), not both")
    return await extension.answer_v02(request, extend, callback)


STATUSES = (400, 413, 414, 431, 503)  # with the limits' statuses (openapi.error_responses)


JSON_OR_JSONP = {
    "content": {JSON_MEDIA: {"schema": {"type": "object"}}, JS_MEDIA: {"schema": {"type": "string"}}},
}
CALLBACK_PARAM = query_param("callback", "JSONP: wrap the JSON in a call of this JavaScript identifier")


@router.api_route(
    "/reconcile",
    methods=["GET", "HEAD"],
    responses={200: {"description": "The manifest, or the answers to `queries`", **JSON_OR_JSONP}, **error_responses(*STATUSES)},
    openapi_extra={
        "parameters": [
            query_param("queries", 'A JSON object of keyed queries: {"q0": {"query": "KAIST", "type": "Organization"}}'),
            query_param("extend", 'Data extension: {"ids": ["kt"], "properties": [{"id": "memberOf"}]}'),
            CALLBACK_PARAM,
        ]
    },
)
async def reconcile_get(request: Request) -> Response:
    """Reconciliation Service API: the manifest, or a batch of queries in `queries`."""
    params = query_pairs(request)
    callback = jsonp_callback(params)
    queries = single(params, "queries")
    extend = single(params, "extend")
    if extend is not None:
        return await _answer_extension(request, queries, extend, callback)
    if queries is None:
        labels = await compute(request, type_labels, tuple(OT + name for name in DEFAULT_TYPES))
        return reply(manifest(request, labels), callback)
    return await _answer_batch(request, queries, callback)


async def read_body(request: Request, accepted: tuple[str, ...]) -> tuple[str, str]:
    """The media type and the UTF-8 text of a POST body, or a 415 naming what is `accepted`."""
    media, charset = request_media(request)
    if media not in accepted:
        raise UnsupportedMediaType(
            f"Content-Type {media or '(none)'!r} is not accepted; use {' or '.join(accepted)}",
            accepted=list(accepted),
        )
    if charset.lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"Charset {charset!r} is not accepted; send UTF-8")
    return media, limits.decode_utf8(await request.body(), "the request body")


@router.post(
    "/reconcile",
    responses={
        200: {"description": "The answers, keyed as asked (or, for a JSON body, the 1.0 draft's results)", **JSON_OR_JSONP},
        **error_responses(*STATUSES, 415),
    },
    openapi_extra={
        "parameters": [CALLBACK_PARAM],
        "requestBody": {
            "required": True,
            "content": {
                FORM_MEDIA: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "queries": {"type": "string"},
                            "extend": {"type": "string"},
                            "callback": {"type": "string"},
                        },
                    }
                },
                JSON_MEDIA: {"schema": {"type": "object", "properties": {"queries": {"type": "array"}}}},
            },
        },
    },
)
async def reconcile_post(request: Request) -> Response:
    """A batch of queries: a form with `queries` (v0.2), or a JSON body {"queries": [...]} (1.0 draft)."""
    params = query_pairs(request)
    media, body = await read_body(request, (FORM_MEDIA, JSON_MEDIA))
    if media == FORM_MEDIA:
        params += limits.parse_form(body, "the form body")
        callback = jsonp_callback(params)
        queries = single(params, "queries")
        extend = single(params, "extend")
        if extend is not None:
            return await _answer_extension(request, queries, extend, callback)
        if queries is None:
            raise BadRequest("Missing 'queries' parameter (a JSON object of keyed queries, or 'extend' for data extension)")
        return await _answer_batch(request, queries, callback)
    callback = jsonp_callback(params)
    document = parse_json(body, "The request body")
    if isinstance(document, dict) and "ids" in document and "queries" not in document:
        raise BadRequest(f'A data extension body {{"ids": [...], "properties": [...]}} goes to {extension.EXTEND_PATH}')
    if not isinstance(document, dict) or "queries" not in document:
        raise BadRequest('The request body must be a JSON object {"queries": [...]}')
    batch = parse_batch(document["queries"], "queries")
    if isinstance(batch, dict):  # keyed queries in a JSON body: answered keyed, as in v0.2
        keys = list(batch)
        answers = await compute(request, reconcile, [batch[k] for k in keys])
        return reply({k: {"result": a} for k, a in zip(keys, answers)}, callback)
    answers = await compute(request, reconcile, batch)
    return reply({"results": [{"candidates": a} for a in answers]}, callback)


@router.api_route(
    "/reconcile/preview",
    methods=["GET", "HEAD"],
    response_class=HTMLResponse,
    responses={
        200: {"description": "An HTML card for OpenRefine's preview pane", "content": {"text/html": {"schema": {"type": "string"}}}},
        **error_responses(400, 404, 413, 414, 431, 503),
    },
    openapi_extra={"parameters": [{**query_param("id", "An entity id (kaist) or its full IRI"), "required": True}]},
)
async def preview(request: Request) -> Response:
    """A small HTML card for a resource: names in English and Korean, types, description."""
    ident = single(query_pairs(request), "id")
    if ident is None or not ident.strip():
        raise BadRequest("Missing 'id' parameter")
    iri = entity_iri(ident)
    found = await compute(request, card, iri) if iri else None
    if found is None:
        raise NotFound(f"No resource with id {ident!r}")
    return HTMLResponse(render_card(request, iri, found))


def render_card(request: Request, iri: str, found: dict[str, Any]) -> str:
    """The preview card as a complete HTML document sized for PREVIEW_WIDTH x PREVIEW_HEIGHT."""
    esc = html.escape
    labels = found["labels"]
    en, ko = labels.get("en"), labels.get("ko")
    title = en or ko or pick(labels, None) or entity_id(iri)
    # The card is in English; a Korean name standing in for a missing English one says so.
    title_lang = f' lang="{esc(next(k for k, v in labels.items() if v == title))}"' if not en and title in labels.values() else ""
    rows = []
    if ko and ko != title:
        rows.append(f'<div class="ko" lang="ko">{esc(ko)}</div>')
    if found["types"]:
        rows.append('<div class="types">' + esc(", ".join(t["name"] for t in found["types"] if not t["id"].startswith("http"))) + "</div>")
    for lang in ("en", "ko"):
        text = found["description"].get(lang)
        if text:
            short = text if len(text) <= 160 else text[:157].rstrip() + "…"
            rows.append(f'<p lang="{lang}">{esc(short)}</p>')
    link = public_base(request) + "/id/" + entity_id(iri)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title{title_lang}>{esc(title)}</title>'
        "<style>body{margin:0;font:13px/1.35 system-ui,sans-serif;color:#222}"
        f".card{{box-sizing:border-box;width:{PREVIEW_WIDTH}px;max-height:{PREVIEW_HEIGHT}px;overflow:hidden;padding:6px 8px}}"
        "h1{font-size:15px;margin:0}.ko{font-size:14px}.types{color:#666;font-size:12px}"
        "p{margin:3px 0}a{color:#0645ad}</style></head>\n"
        f'<body><div class="card"><h1{title_lang}><a href="{esc(link)}" target="_blank">{esc(title)}</a></h1>'
        + "".join(rows)
        + "</div></body></html>\n"
    )


def _offset(params: list[tuple[str, str]]) -> int:
    cursor = single(params, "cursor") or "0"
    if not cursor.isdigit() or len(cursor) > 9:
        raise BadRequest("Parameter 'cursor' must be a non-negative integer")
    return int(cursor)


def _suggest_route(kind: str) -> Any:
    extra = [query_param("cursor", "How many results to skip (paging)"), CALLBACK_PARAM]
    if kind == "entity":
        extra.insert(0, query_param("type", "Only entities of this type (id, CURIE or IRI)"))

    @router.api_route(
        f"/reconcile/suggest/{kind}",
        methods=["GET", "HEAD"],
        name=f"suggest_{kind}",
        responses={200: {"description": f"Matching {kind} ids and names", **JSON_OR_JSONP}, **error_responses(*STATUSES)},
        openapi_extra={"parameters": [{**query_param("prefix", "What the user has typed so far"), "required": True}, *extra]},
    )
    async def suggest(request: Request) -> Response:
        params = query_pairs(request)
        callback = jsonp_callback(params)
        prefix = single(params, "prefix")
        if prefix is None or not normalize(prefix):
            raise BadRequest("Missing 'prefix' parameter (letters or digits to look for)")
        if len(prefix) > MAX_TEXT:
            raise BadRequest(f"Parameter 'prefix' is longer than {MAX_TEXT} characters")
        offset = _offset(params)
        if kind == "entity":
            type_id = single(params, "type")
            type_iri = resolve_term(type_id, "Parameter 'type'") if type_id else None
            result = await compute(request, suggest_entities, prefix, type_iri, offset)
        else:
            result = await compute(request, suggest_terms, kind, prefix, offset)
        return reply({"result": result}, callback)

    suggest.__doc__ = f"Suggest service ({kind}): prefix search for OpenRefine's autocomplete."
    return suggest


for _kind in ("entity", "type", "property"):
    _suggest_route(_kind)


# Data extension lives in its own module, which reads this one's helpers: imported last.
from . import extend as extension
