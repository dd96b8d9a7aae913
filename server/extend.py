"""Data extension for the reconciliation service: OpenRefine's "Add columns from reconciled values".

Reconciliation Service API v0.2 §"Data extension": the manifest's `extend` names the
property-proposal service (`/reconcile/extend/propose?type=Consortium&limit=N`) and the settings
each property takes (`limit`, `lang`); an `extend` parameter at /reconcile (query string or form)
holds `{"ids": [...], "properties": [{"id": ..., "settings": {...}}]}` and is answered
`{"meta": [...], "rows": {id: {property id: [values]}}}`. The 1.0 draft's form, a JSON body
POSTed to /reconcile/extend, is answered in that draft's shape (`rows` as an array of
`{"id", "properties": [{"id", "values"}]}`).

Ids are read as reconcile.py reads them (local names under id:, or full IRIs) and echoed as the
client sent them, so it finds its rows; an id or a property the store does not know gets empty
values, as the spec expects of a lookup, while malformed ones are a 400. Values: resources under
id: as `{"id", "name"}` (ids in the reconcile results' form), other IRIs (classes, as values of
rdf:type) as `{"str": IRI}` since they are no ids of the service, literals by datatype as `{"str"}`,
`{"int"}`, `{"float"}` or `{"date"}`: the only kinds the specs' response schemas allow (0.2 and
the 1.0 draft), so a boolean is the string "true" or "false". Of language-tagged strings only one
language is returned, chosen as reconcile.py names things: the asked language, then English, Korean.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pyoxigraph import Literal, NamedNode, Variable

from . import limits
from .errors import BadRequest
from .i18n import INTEGER_TYPES
from .linkeddata import ID_BASE, OT, PREFIXES
from .openapi import error_responses, query_param
from .pages import LANGS, accept_language
from .reconcile import (
    CALLBACK_PARAM,
    DEFAULT_TYPES,
    FORM_MEDIA,
    JSON_MEDIA,
    JSON_OR_JSONP,
    LABELS_QUERY,
    MAX_QUERIES,
    STATUSES,
    SUBCLASSES_QUERY,
    entity_id,
    entity_iri,
    jsonp_callback,
    main_labels,
    parse_json,
    read_body,
    reply,
    resolve_term,
    term_id,
)
from .sparql import compute, evaluate, query_pairs, single
from .webmodel import pick, vocabulary_labels

router = APIRouter()

PROPOSE_PATH = "/reconcile/extend/propose"
EXTEND_PATH = "/reconcile/extend"
MAX_EXTEND_PROPERTIES = 50  # columns added at once; each costs a lookup per id
MAX_PROPOSE_LIMIT = 10**9
LANG_NAMES = {"en": "English", "ko": "한국어 (Korean)"}

XSD = PREFIXES["xsd"]
RDF_LANG_STRING = PREFIXES["rdf"] + "langString"
FLOAT_TYPES = {XSD + "decimal", XSD + "double", XSD + "float"}
_TZ = r"(Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
_YEAR = r"(-?(?:[1-9][0-9]*)?[0-9]{4})"
# Months 01-12 and days 01-31 only: the schemas' `date` pattern says so, and an ill-formed
# literal (month 13) is then returned as the string it is rather than as a date no client reads.
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12][0-9]|3[01])"
_TIME = r"((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?)"
# xsd date and time types as the ISO date-times the spec's `date` values are; a period (a year,
# a month, a day) reads as its first instant, and a missing time zone stays missing.
DATE_FORMS = {
    XSD + "dateTime": re.compile(rf"^{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}$"),
    XSD + "dateTimeStamp": re.compile(rf"^{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}$"),
    XSD + "date": re.compile(rf"^{_YEAR}-{_MONTH}-{_DAY}(){_TZ}$"),
    XSD + "gYearMonth": re.compile(rf"^{_YEAR}-{_MONTH}()(){_TZ}$"),
    XSD + "gYear": re.compile(rf"^{_YEAR}()()(){_TZ}$"),
}

# Properties of a class's instances under id:, with how many instances use each (for the order).
# Substituted variables must be projected (pyoxigraph), hence ?c, ?e and ?p in the SELECTs.
USED_PROPERTIES_QUERY = """
SELECT ?c ?p (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?e a ?c .
  FILTER(isIRI(?e) && STRSTARTS(STR(?e), "https://w3id.org/onteam/id/"))
  ?e ?p ?o .
} GROUP BY ?c ?p
"""
OBJECTS_QUERY = "SELECT ?e ?p ?v WHERE { ?e ?p ?v }"
RANGE_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?p ?r WHERE { ?p rdfs:range ?r . FILTER(isIRI(?r)) }
"""


@dataclass(frozen=True)
class PropertyAsk:
    """One asked column: the id as sent (echoed back), its IRI, and its settings."""

    id: str
    iri: str
    limit: int = 0  # 0: every value
    lang: str | None = None  # None: the request's language


@dataclass(frozen=True)
class Extension:
    """A checked data extension request: ids as sent, and the properties asked for them."""

    ids: tuple[str, ...]
    properties: tuple[PropertyAsk, ...]


# -- parsing requests ------------------------------------------------------------------------------


def _setting_limit(value: Any, where: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0  # a field left empty (or JSON's null for a NaN): the default, as for `lang`
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        value = int(value)  # OpenRefine sends settings as typed in the dialog, as strings
    if isinstance(value, float) and value.is_integer() and value >= 0:
        value = int(value)  # the setting is of type "number": 2.0 is 2
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"{where} must be a non-negative integer (0: every value)")
    return value


def _setting_lang(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in LANGS:
        raise BadRequest(f"{where} must be one of {', '.join(LANGS)}")
    return str(value)


def parse_extension(raw: Any, where: str) -> Extension:
    """`{"ids": [...], "properties": [{"id": ..., "settings": {...}}]}`, checked and bounded."""
    if not isinstance(raw, dict):
        raise BadRequest(f'{where} must be a JSON object {{"ids": [...], "properties": [...]}}')
    for key in ("ids", "properties"):
        if key not in raw:
            raise BadRequest(f"{where} has no {key!r} array")
    ids, properties = raw["ids"], raw["properties"]
    if not isinstance(ids, list):
        raise BadRequest(f"{where}.ids must be an array of entity ids")
    if len(ids) > MAX_QUERIES:
        raise BadRequest(f"{where}.ids holds {len(ids)} ids; send at most {MAX_QUERIES} per request")
    for i, ident in enumerate(ids):
        if not isinstance(ident, str) or not ident.strip():
            raise BadRequest(f"{where}.ids[{i}] must be a non-empty string")
    if not isinstance(properties, list):
        raise BadRequest(f"{where}.properties must be an array of {{id, settings}} objects")
    if len(properties) > MAX_EXTEND_PROPERTIES:
        raise BadRequest(
            f"{where}.properties has {len(properties)} entries; give at most {MAX_EXTEND_PROPERTIES}"
        )
    asked: list[PropertyAsk] = []
    seen: set[str] = set()
    for i, prop in enumerate(properties):
        pwhere = f"{where}.properties[{i}]"
        if not isinstance(prop, dict):
            raise BadRequest(f"{pwhere} must be an object with an 'id'")
        pid = prop.get("id")
        if not isinstance(pid, str) or not pid.strip():
            raise BadRequest(f"{pwhere}.id must be a property id")
        if pid in seen:
            # rows are keyed by property id: a second column of the same id could not be told apart
            raise BadRequest(f"{pwhere}.id: property {pid!r} is asked twice")
        seen.add(pid)
        settings = prop.get("settings", {})
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            raise BadRequest(f"{pwhere}.settings must be an object")
        # Unknown settings are ignored: clients may send what other services advertise.
        asked.append(
            PropertyAsk(
                pid,
                resolve_term(pid, f"{pwhere}.id"),
                _setting_limit(settings.get("limit", 0), f"{pwhere}.settings.limit"),
                _setting_lang(settings.get("lang"), f"{pwhere}.settings.lang"),
            )
        )
    return Extension(tuple(ids), tuple(asked))


def request_lang(request: Request) -> str:
    """The language names are given in: Accept-Language's preferred of ours, else English."""
    return accept_language(request.headers.get("accept-language")) or "en"


# -- reading the store (in a query worker) ---------------------------------------------------------


def _names(store: Any, iri: str) -> dict[str, str]:
    rows = evaluate(store, LABELS_QUERY, substitutions={Variable("e"): NamedNode(iri)})
    return main_labels([(row["lp"].value, row["l"]) for row in rows])


def _curie(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def property_name(store: Any, iri: str, lang: str) -> str:
    """A property's label in `lang` (then English, Korean), from the store or else from the
    names the pages give other vocabularies' terms; its CURIE if it has neither."""
    return pick(_names(store, iri), lang) or pick(vocabulary_labels().get(iri, {}), lang) or _curie(iri)


def propose(store: Any, type_iris: tuple[str, ...], lang: str) -> list[dict[str, str]]:
    """Properties used by instances of the types (subclasses included), most used first."""
    classes = set(type_iris) | {
        row["c"].value
        for type_iri in type_iris
        for row in evaluate(store, SUBCLASSES_QUERY, substitutions={Variable("t"): NamedNode(type_iri)})
        if isinstance(row["c"], NamedNode)
    }
    used: Counter[str] = Counter()
    for cls in sorted(classes):
        for row in evaluate(store, USED_PROPERTIES_QUERY, substitutions={Variable("c"): NamedNode(cls)}):
            used[row["p"].value] += int(row["n"].value)
    named = [(iri, property_name(store, iri, lang)) for iri in used]
    named.sort(key=lambda item: (-used[item[0]], item[1].casefold(), item[0]))
    return [{"id": term_id(iri), "name": name} for iri, name in named]


def _date(lit: Literal) -> str | None:
    form = DATE_FORMS.get(lit.datatype.value)
    match = form.match(lit.value) if form else None
    if match is None:
        return None
    year, month, day, time, zone = match.groups()
    return f"{year}-{month or '01'}-{day or '01'}T{time or '00:00:00'}{zone or ''}"


def literal_value(lit: Literal) -> dict[str, Any]:
    """A literal as the spec's value object, by datatype; an ill-typed one as its string."""
    datatype = lit.datatype.value
    text = lit.value.strip()
    if datatype in INTEGER_TYPES and re.fullmatch(r"[+-]?\d+", text):
        return {"int": int(text)}
    if datatype in FLOAT_TYPES:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):  # JSON has no NaN or infinities
            return {"float": number}
    if datatype == XSD + "boolean" and text in ("true", "false", "1", "0"):
        # No boolean kind in the specs' value objects: the canonical lexical form as a string.
        return {"str": "true" if text in ("true", "1") else "false"}
    date = _date(lit)
    if date is not None:
        return {"date": date}
    return {"str": lit.value}


def _one_language(literals: list[Literal], lang: str) -> list[Literal]:
    """Untagged literals, and the tagged ones of one language: `lang`, else English, Korean, any."""
    tagged = {lit.language for lit in literals if lit.language}
    if not tagged:
        return literals
    # By primary subtag, so that "en-GB" serves English; the first of the fallbacks present wins.
    primary = {tag: tag.split("-")[0] for tag in tagged}
    chosen = next((key for key in (lang, "en", "ko") if key in primary.values()), None)
    keep = {tag for tag, head in primary.items() if head == chosen} if chosen else {min(tagged)}
    return [lit for lit in literals if not lit.language or lit.language in keep]


def _cell(store: Any, iri: str, ask: PropertyAsk, lang: str, names: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    rows = evaluate(store, OBJECTS_QUERY, substitutions={Variable("e"): NamedNode(iri), Variable("p"): NamedNode(ask.iri)})
    resources: list[dict[str, Any]] = []
    outside: list[str] = []
    literals: list[Literal] = []
    for row in rows:
        value = row["v"]
        if isinstance(value, NamedNode) and value.value.startswith(ID_BASE):
            if value.value not in names:
                names[value.value] = _names(store, value.value)
            label = pick(names[value.value], ask.lang or lang)
            resources.append({"id": entity_id(value.value), "name": label or entity_id(value.value)})
        elif isinstance(value, NamedNode):
            # Entity values must be ids of the identifier space (or name another service in
            # `meta`, which there is none of): a class or an outside IRI is given as its IRI text.
            outside.append(value.value)
        elif isinstance(value, Literal):
            literals.append(value)
        # Blank nodes have no id a client could reconcile or look up again: left out.
    resources.sort(key=lambda v: (v["name"].casefold(), v["id"]))
    kept = sorted(_one_language(literals, ask.lang or lang), key=lambda lit: (lit.value, lit.datatype.value))
    values = resources + [{"str": iri} for iri in sorted(outside)] + [literal_value(lit) for lit in kept]
    return values[: ask.limit] if ask.limit else values


def _value_type(store: Any, prop_iri: str, lang: str) -> dict[str, str] | None:
    """The ontology class a property's values belong to (its rdfs:range), for OpenRefine's column."""
    for row in evaluate(store, RANGE_QUERY, substitutions={Variable("p"): NamedNode(prop_iri)}):
        if row["r"].value.startswith(OT):
            cls = row["r"].value
            return {"id": term_id(cls), "name": pick(_names(store, cls), lang) or term_id(cls)}
    return None


def extend(store: Any, ext: Extension, lang: str) -> dict[str, Any]:
    """`meta` and `rows` (v0.2 shape) for a checked request (run in a query worker)."""
    meta = []
    for ask in ext.properties:
        column: dict[str, Any] = {"id": ask.id, "name": property_name(store, ask.iri, lang)}
        value_type = _value_type(store, ask.iri, lang)
        if value_type is not None:
            column["type"] = value_type
        meta.append(column)
    names: dict[str, dict[str, str]] = {}  # labels of value resources, read once per batch
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for ident in ext.ids:
        iri = entity_iri(ident)
        rows[ident] = {
            ask.id: _cell(store, iri, ask, lang, names) if iri else [] for ask in ext.properties
        }
    return {"meta": meta, "rows": rows}


def draft_shape(answer: dict[str, Any]) -> dict[str, Any]:
    """The 1.0 draft's shape of an answer: rows as an array of {id, properties: [{id, values}]}."""
    return {
        "meta": answer["meta"],
        "rows": [
            {"id": ident, "properties": [{"id": pid, "values": values} for pid, values in cells.items()]}
            for ident, cells in answer["rows"].items()
        ],
    }


# -- HTTP ------------------------------------------------------------------------------------------


def manifest_extend(base: str) -> dict[str, Any]:
    """The manifest's `extend` member: where properties are proposed, and the settings offered."""
    return {
        "propose_properties": {"service_url": base, "service_path": PROPOSE_PATH},
        "property_settings": [
            {
                "name": "limit",
                "label": "Limit",
                "type": "number",
                "default": 0,
                "help_text": "The most values to fetch for each row (0: every value)",
            },
            {
                "name": "lang",
                "label": "Language",
                "type": "select",
                "default": "en",
                "help_text": "The language of names and texts (English or Korean)",
                "choices": [{"value": code, "name": LANG_NAMES[code]} for code in LANGS],
            },
        ],
    }


async def answer_v02(request: Request, raw_text: str, callback: str | None) -> Response:
    """The `extend` parameter of /reconcile, answered in the v0.2 shape."""
    ext = parse_extension(parse_json(raw_text, "The 'extend' parameter"), "extend")
    return reply(await compute(request, extend, ext, request_lang(request)), callback)


@router.api_route(
    PROPOSE_PATH,
    methods=["GET", "HEAD"],
    responses={200: {"description": "Properties used by the type's instances", **JSON_OR_JSONP}, **error_responses(*STATUSES)},
    openapi_extra={
        "parameters": [
            query_param("type", "A type id (Organization), CURIE or IRI; none: a column reconciled against no type"),
            query_param("limit", "The most properties to list (a positive integer)"),
            CALLBACK_PARAM,
        ]
    },
)
async def propose_properties(request: Request) -> Response:
    """Data extension: the properties instances of a type have, for OpenRefine's column dialog."""
    params = query_pairs(request)
    callback = jsonp_callback(params)
    type_id = (single(params, "type") or "").strip()
    # No type (v0.2: "a column reconciled against no type"): what reconciliation searches by default.
    types = (resolve_term(type_id, "Parameter 'type'"),) if type_id else tuple(OT + name for name in DEFAULT_TYPES)
    raw_limit = single(params, "limit")
    limit = None
    if raw_limit is not None:
        if not raw_limit.isdigit() or len(raw_limit) > 9 or int(raw_limit) < 1:
            raise BadRequest("Parameter 'limit' must be a positive integer")
        limit = int(raw_limit)
    found = await compute(request, propose, types, request_lang(request))
    body: dict[str, Any] = {"type": type_id} if type_id else {}
    body["properties"] = found[:limit] if limit else found
    if limit:
        body["limit"] = limit
    return reply(body, callback)


@router.post(
    EXTEND_PATH,
    responses={
        200: {"description": "The values: the 1.0 draft's shape for a JSON body, v0.2's for a form", **JSON_OR_JSONP},
        **error_responses(*STATUSES, 415),
    },
    openapi_extra={
        "parameters": [CALLBACK_PARAM],
        "requestBody": {
            "required": True,
            "content": {
                JSON_MEDIA: {"schema": {"type": "object", "properties": {"ids": {"type": "array"}, "properties": {"type": "array"}}}},
                FORM_MEDIA: {"schema": {"type": "object", "properties": {"extend": {"type": "string"}}}},
            },
        },
    },
)
async def extend_post(request: Request) -> Response:
    """Data extension (1.0 draft): a JSON body {"ids": [...], "properties": [...]}; or a v0.2 form."""
    params = query_pairs(request)
    media, body = await read_body(request, (JSON_MEDIA, FORM_MEDIA))
    if media == FORM_MEDIA:
        params += limits.parse_form(body, "the form body")
        callback = jsonp_callback(params)
        raw = single(params, "extend")
        if raw is None:
            raise BadRequest("Missing 'extend' parameter (a JSON object {\"ids\": [...], \"properties\": [...]})")
        return await answer_v02(request, raw, callback)
    callback = jsonp_callback(params)
    ext = parse_extension(parse_json(body, "The request body"), "The request body")
    answer = await compute(request, extend, ext, request_lang(request))
    return reply(draft_shape(answer), callback)

