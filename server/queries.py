"""Saved queries, grlc style: `queries/<name>.rq` served at `/api/<name>`.

A file is a `#+` YAML header (the decorators) followed by SPARQL that runs unchanged in
any editor. Variables name the parameters: `?_name` is required, `?__name` optional, and a
suffix types the value (`_iri`, `_integer`, `_date`, `_en`, ...). Values are bound with
pyoxigraph substitutions, never pasted into the text, so no value can change the query
(pyoxigraph substitutes only variables a SELECT lists: a parameter must be in its projection,
where grlc's own examples often leave it out; such a file is refused with that hint).
Files written for grlc mean the same here: `defaults` and `enumerate` as grlc's list of one-key
maps (a bare name under `enumerate`: the values the query itself gives), a default for a required parameter (applied when a call leaves it out, as grlc's page
sends it), grlc's `endpoint` decorators read and ignored (listed by GET /api), and `transform`
and `mime`, which would change the answer, refused.

Everything that can be wrong in a file (header, decorators, parameters, SPARQL) is found
when the files are loaded, and stops the service with a message naming the file.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, Store, Variable

from . import limits, negotiation, sparql, sparqlscan
from .errors import BadRequest, MethodNotAllowed, NotAcceptable, NotFound, UnsupportedMediaType

XSD = "http://www.w3.org/2001/XMLSchema#"
SPARQL_QUERY_MEDIA = "application/sparql-query"
DECORATORS = ("summary", "summary_ko", "description", "tags", "method", "defaults", "enumerate", "pagination", "params")
# grlc's decorators about where grlc sends a query: OnTeam answers every saved query from its
# own store, so a file written for grlc keeps loading, and GET /api lists them as ignored.
IGNORED_DECORATORS = ("endpoint", "endpoint_in_url", "endpoint-method")
# grlc's decorators that change the answer itself; ignoring them would answer something else.
UNSUPPORTED_DECORATORS = {
    "transform": "reshapes JSON results with SPARQLTransformer, which OnTeam does not do",
    "mime": "queries a downloaded RDF dump instead of the endpoint, which OnTeam does not do",
}
METHODS = ("GET", "POST")
# Parameters any client may add to any saved query besides its own: answer format (SPARQLWrapper
# sends `format`/`output`/`results`), the dataset of the SPARQL protocol, and jQuery's `_`
# cache-buster. `page` is accepted by paginated queries only.
CLIENT_PARAMS = ("format", "output", "results", "default-graph-uri", "named-graph-uri", "_")
PAGE_PARAM = "page"
RESERVED_NAMES = frozenset(CLIENT_PARAMS) | {PAGE_PARAM}
# grlc's `enumerate` entry that is a bare name: the values come from running the query itself.
FROM_THE_QUERY: Any = object()
MAX_VALUE_LENGTH = 4096
MAX_PAGE = 1_000_000
LAST_PAGE_COUNT_CAP = 100_000  # rows counted to find rel="last"; past them it is left out
TEXT_FORMATS = frozenset({"sparql", "rq", SPARQL_QUERY_MEDIA})

XSD_SPACE = " \t\n\r"  # the whitespace XSD collapses
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_LANG = re.compile(r"[a-z]{2}")
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
# re.ASCII: XSD lexical forms use the digits 0-9 only (Python's \d also matches '２' and '٢').
_LEXICAL: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"[+-]?\d+", re.ASCII),
    "decimal": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII),
    "float": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN", re.ASCII),
    "double": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN", re.ASCII),
    "boolean": re.compile(r"true|false|1|0", re.ASCII),
    "date": re.compile(r"-?\d{4,}-(?P<m>\d\d)-(?P<d>\d\d)" + _TZ, re.ASCII),
    "dateTime": re.compile(r"-?\d{4,}-(?P<m>\d\d)-(?P<d>\d\d)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?" + _TZ, re.ASCII),
    "time": re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?" + _TZ, re.ASCII),
    "gYear": re.compile(r"-?\d{4,}" + _TZ, re.ASCII),
    "gYearMonth": re.compile(r"-?\d{4,}-(?P<m>\d\d)" + _TZ, re.ASCII),
    "string": re.compile(r".*", re.DOTALL),
    # grlc's `_number`: a SPARQL numeric literal, typed by its form (integer, decimal or double).
    "number": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII),
}
_TYPE_ALIASES = {name.lower(): name for name in _LEXICAL} | {"literal": "string"}
# More XSD datatypes grlc reads after `_xsd_` (its `?_name_prefix_datatype` form): the integer
# family is checked as integers (not their ranges), the others are taken as given.
_INTEGER_FAMILY = frozenset({
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "nonNegativeInteger", "long", "int", "short",
    "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
})
_XSD_MORE = _INTEGER_FAMILY | {
    "duration", "gMonthDay", "gDay", "gMonth", "normalizedString", "token", "language", "Name", "NCName",
    "NMTOKEN", "anyURI", "hexBinary", "base64Binary",
}
_EXAMPLES = {
    "integer": "7", "decimal": "1.5", "float": "1.5", "double": "1.5", "boolean": "true",
    "date": "2021-01-01", "dateTime": "2021-01-01T00:00:00Z", "time": "12:00:00",
    "gYear": "2021", "gYearMonth": "2021-01", "string": "probe", "number": "7",
}
_JSON_TYPES = {
    "integer": "integer", "decimal": "number", "float": "number", "double": "number", "boolean": "boolean",
    "number": "number",
}
_JSON_FORMATS = {"date": "date", "dateTime": "date-time", "time": "time"}


class SavedQueryError(Exception):
    """A saved query file that cannot be served; the message names the file (and line)."""


@dataclass(frozen=True)
class Parameter:
    """One API parameter, declared by a `?_name...` / `?__name...` variable."""

    name: str
    variable: str
    required: bool
    kind: str  # "iri" or "literal"
    datatype: str | None = None  # xsd local name for typed literals ("string" for plain ones, "number": by form)
    lang: str | None = None
    enum: tuple[str, ...] | None = None
    enum_query: str | None = None  # a SELECT whose first column lists the allowed values
    default: str | None = None
    description: str = ""

    @property
    def optional(self) -> bool:
        """True when a call may leave the parameter out (`?__name`, or a default to fall back on)."""
        return not self.required or self.default is not None

    @property
    def type(self) -> str:
        """A short type name for listings: "iri", an xsd local name, or "langString"."""
        if self.kind == "iri":
            return "iri"
        return "langString" if self.lang else self.datatype or "string"


@dataclass(frozen=True)
class SavedQuery:
    """A parsed `queries/<name>.rq` file."""

    name: str
    path: Path
    text: str
    form: str  # "select", "ask", "construct" or "describe" (construct and describe give graphs)
    summary: str = ""
    summary_ko: str = ""  # the summary in Korean (an OnTeam decorator; grlc reads `summary` only)
    description: str = ""
    tags: tuple[str, ...] = ()
    methods: tuple[str, ...] = METHODS
    pagination: int | None = None
    parameters: tuple[Parameter, ...] = ()
    ignored: tuple[tuple[str, str], ...] = ()  # grlc decorators read and not applied: (key, value)

    @property
    def graph(self) -> bool:
        """True when the answer is RDF (CONSTRUCT, DESCRIBE) rather than query results."""
        return self.form in {"construct", "describe"}

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called `name`, if the query has one."""
        return next((p for p in self.parameters if p.name == name), None)


@dataclass
class Binding:
    """What a request asks of a saved query, validated."""

    substitutions: dict[Variable, Any] = field(default_factory=dict)
    page: int = 1
    fmt: str | tuple[str, ...] | None = None  # format/output/results values, first that names a format wins
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


# -- Loading -----------------------------------------------------------------------------


def load_saved_queries(folder: Path) -> dict[str, SavedQuery]:
    """Parse every `*.rq` file of `folder` (none if it is missing); raise SavedQueryError."""
    if not folder.is_dir():
        return {}
    return {path.stem: load_saved_query(path) for path in sorted(folder.glob("*.rq"))}


def load_saved_query(path: Path) -> SavedQuery:
    """Parse one saved query file and check its header, parameters and SPARQL."""
    name = path.stem
    if not _NAME.fullmatch(name):
        raise SavedQueryError(f"{path}: the name {name!r} must be lower-case ASCII words joined by '-'")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SavedQueryError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    header = parse_header(text, path)
    for key, reason in UNSUPPORTED_DECORATORS.items():
        if key in header:
            raise SavedQueryError(f"{path}: the grlc decorator '{key}' {reason}; remove it")
    ignored = tuple((key, str(header.pop(key))) for key in IGNORED_DECORATORS if key in header)
    unknown = sorted(set(header) - set(DECORATORS))
    if unknown:
        raise SavedQueryError(
            f"{path}: unknown decorator {', '.join(map(repr, unknown))}; known: {', '.join((*DECORATORS, *IGNORED_DECORATORS))}"
        )
    where = str(path)
    unsafe = _unsafe_use(text)
    if unsafe:
        line, use = unsafe
        raise SavedQueryError(
            f"{where}: line {line}: {use!r}: BOUND() and "
            "BIND(?param AS ...) do not see substituted parameters in pyoxigraph; use the parameter "
            "in a pattern or in COALESCE(..., true)"
        )
    summary = _text_decorator(header, "summary", where)
    summary_ko = _text_decorator(header, "summary_ko", where)
    description = _text_decorator(header, "description", where)
    tags = _tags(header.get("tags"), where)
    methods = _methods(header.get("method", list(METHODS)), where)
    pagination = _pagination(header.get("pagination"), where)
    parameters = _parameters(text, header, where)
    form = _check_sparql(text, parameters, pagination, where)
    return SavedQuery(
        name=name, path=path, text=text, form=form, summary=summary, summary_ko=summary_ko, description=description, tags=tags,
        methods=methods, pagination=pagination, parameters=parameters, ignored=ignored,
    )


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (PyYAML silently keeps the last one)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def parse_header(text: str, path: Path) -> dict[str, Any]:
    """The YAML mapping of the leading `#+` lines (blank lines may come before them)."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start
    while end < len(lines) and lines[end].lstrip().startswith("#+"):
        end += 1
    for number, line in enumerate(lines[end:], start=end + 1):
        if line.lstrip().startswith("#+"):
            raise SavedQueryError(f"{path}: line {number}: a '#+' decorator after the query began; put it first")
    body = [line.lstrip()[2:] for line in lines[start:end]]
    if all(not line or line.startswith(" ") for line in body):
        body = [line[1:] for line in body]  # "#+ key: value" -> "key: value"
    try:
        header = yaml.load("\n".join(body), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f"line {start + mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SavedQueryError(f"{path}: {line}invalid '#+' header: {problem}") from None
    if header is None:
        return {}
    if not isinstance(header, dict):
        raise SavedQueryError(f"{path}: line {start + 1}: the '#+' header must be 'key: value' lines")
    return header


def _text_decorator(header: Mapping[str, Any], key: str, where: str) -> str:
    value = header.get(key, "")
    if value is None or not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise SavedQueryError(f"{where}: '{key}' must be text, not {value!r}")
    return str(value).strip()


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise SavedQueryError(f"{where}: 'tags' must be a list of names, not {value!r}")
    return tuple(v.strip() for v in values)


def _methods(value: Any, where: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise SavedQueryError(f"{where}: 'method' must be GET, POST or a list of them, not {value!r}")
    methods = [v.strip().upper() for v in values]
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise SavedQueryError(f"{where}: 'method' {', '.join(map(repr, bad))} is not GET or POST")
    return tuple(m for m in METHODS if m in methods)


def _pagination(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SavedQueryError(f"{where}: 'pagination' must be a positive whole number of rows, not {value!r}")
    return value


def _per_parameter(value: Any, key: str, where: str) -> dict[str, Any]:
    """`key` as a mapping name -> value; grlc's list of one-key mappings is accepted too."""
    if value is None:
        return {}
    if isinstance(value, list) and all(isinstance(v, dict) and len(v) == 1 for v in value):
        merged: dict[str, Any] = {}
        for item in value:
            (name, inner), = item.items()
            if name in merged:
                raise SavedQueryError(f"{where}: '{key}' names {name!r} twice")
            merged[name] = inner
        value = merged
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SavedQueryError(f"{where}: '{key}' must map parameter names to values, not {value!r}")
    return value


def query_variables(text: str) -> list[str]:
    """The variable names of a query in order of appearance (strings, IRIs, comments skipped)."""
    names: list[str] = []
    for token in sparqlscan.tokens(text):
        if token.kind == "var" and token.text[1:] not in names:
            names.append(token.text[1:])
    return names


def _unsafe_use(text: str) -> tuple[int, str] | None:
    """The first `BOUND(?_param` or `BIND(?_param AS` of a query: (line, text), or None.

    pyoxigraph's optimizer decides BOUND() and BIND(?x AS ...) before substitutions apply.
    """
    found = list(sparqlscan.tokens(text))
    for index, token in enumerate(found):
        name = token.text.upper() if token.kind == "word" else ""
        if name not in ("BOUND", "BIND"):
            continue
        width = 2 if name == "BOUND" else 3
        following = found[index + 1 : index + 1 + width]
        if len(following) < width or following[0].text != "(":
            continue
        if following[1].kind != "var" or following[1].text[1:2] != "_":
            continue
        if name == "BIND" and following[2].text.upper() != "AS":
            continue
        end = following[-1].start + len(following[-1].text)
        return text.count("\n", 0, token.start) + 1, text[token.start : end]
    return None


def parse_parameter_variable(variable: str) -> tuple[str, bool, str, str | None, str | None]:
    """Split a `_name_type` / `__name_type` variable into (name, required, kind, datatype, lang).

    Raises ValueError explaining what is wrong; the caller adds the file name.
    """
    if variable.startswith("___"):
        raise ValueError(f"?{variable}: use one '_' (required) or two '__' (optional) before the name")
    required = not variable.startswith("__")
    rest = variable[1:] if required else variable[2:]
    name, _, suffix = rest.partition("_")
    if not _PARAM_NAME.fullmatch(name):
        raise ValueError(f"?{variable}: the parameter name {name!r} must be ASCII letters and digits")
    if suffix == "iri":
        return name, required, "iri", None, None
    if suffix.lower().startswith("xsd_"):
        suffix = suffix[4:]
        if suffix in _XSD_MORE:
            return name, required, "literal", suffix, None
    if suffix == "":
        return name, required, "literal", "string", None
    if suffix.lower() in _TYPE_ALIASES:
        return name, required, "literal", _TYPE_ALIASES[suffix.lower()], None
    if _LANG.fullmatch(suffix):
        return name, required, "literal", None, suffix
    known = ", ".join(["iri", *_LEXICAL, "literal", "a two-letter language code"])
    raise ValueError(f"?{variable}: unknown type suffix {suffix!r}; use one of: {known}")


def _parameters(text: str, header: Mapping[str, Any], where: str) -> tuple[Parameter, ...]:
    found: dict[str, tuple[str, bool, str, str | None, str | None]] = {}
    for variable in query_variables(text):
        if not variable.startswith("_"):
            continue
        try:
            parsed = parse_parameter_variable(variable)
        except ValueError as exc:
            raise SavedQueryError(f"{where}: {exc}") from None
        name = parsed[0]
        if name in RESERVED_NAMES:
            raise SavedQueryError(f"{where}: ?{variable}: {name!r} is reserved for clients; rename the parameter")
        if name in found and found[name][1:] != parsed[1:]:
            raise SavedQueryError(f"{where}: the parameter {name!r} is declared twice with different types")
        found[name] = (variable, *parsed[1:])  # type: ignore[assignment]
    defaults = _per_parameter(header.get("defaults"), "defaults", where)
    enumerate_ = _per_parameter(_bare_enumerations(header.get("enumerate")), "enumerate", where)
    descriptions = _per_parameter(header.get("params"), "params", where)
    for key, given in (("defaults", defaults), ("enumerate", enumerate_), ("params", descriptions)):
        stray = sorted(set(given) - set(found))
        if stray:
            raise SavedQueryError(
                f"{where}: '{key}' names {', '.join(map(repr, stray))}, which the query has no "
                f"parameter for; parameters: {', '.join(found) or '(none)'}"
            )
    parameters = []
    for name, (variable, required, kind, datatype, lang) in found.items():
        param = Parameter(name=name, variable=variable, required=required, kind=kind, datatype=datatype, lang=lang)
        given = enumerate_.get(name)
        own = given is FROM_THE_QUERY
        enum, enum_query = _enumeration(text if own else given, param, where, own)
        default = _default(defaults.get(name), param, enum, where) if name in defaults else None
        description = descriptions.get(name, "")
        if not isinstance(description, str):
            raise SavedQueryError(f"{where}: 'params' for {name!r} must be a description text")
        parameters.append(
            Parameter(
                name=name, variable=variable, required=required, kind=kind, datatype=datatype, lang=lang,
                enum=enum, enum_query=enum_query, default=default, description=description.strip(),
            )
        )
    return tuple(parameters)


def _bare_enumerations(value: Any) -> Any:
    """grlc's `enumerate: [name]`: a bare parameter name takes its values from the endpoint."""
    if not isinstance(value, list):
        return value
    return [{item: FROM_THE_QUERY} if isinstance(item, str) else item for item in value]


def _enumeration(
    value: Any, param: Parameter, where: str, own: bool = False
) -> tuple[tuple[str, ...] | None, str | None]:
    """(values, None) for a list, (None, query) for a SELECT; `own`: the query is the file's own."""
    if value is None:
        return None, None
    if isinstance(value, str):
        try:
            result = Store().query(value)
        except SyntaxError as exc:
            raise SavedQueryError(f"{where}: 'enumerate' query for {param.name!r}: {exc.msg}") from None
        if own and not (isinstance(result, QuerySolutions) and Variable(param.variable) in result.variables):
            raise SavedQueryError(
                f"{where}: 'enumerate' names {param.name!r} without values, so its values are those the query "
                f"itself gives for ?{param.variable}: that needs a SELECT listing ?{param.variable}"
            )
        if not isinstance(result, QuerySolutions) or not result.variables:
            raise SavedQueryError(f"{where}: 'enumerate' for {param.name!r} must be a list or a SELECT query")
        return None, value
    if not isinstance(value, list) or not value:
        raise SavedQueryError(f"{where}: 'enumerate' for {param.name!r} must be a non-empty list or a SELECT query")
    allowed = []
    for item in value:
        try:
            allowed.append(normalize_value(param, _yaml_scalar(item)))
        except (BadRequest, TypeError) as exc:
            raise SavedQueryError(f"{where}: 'enumerate' for {param.name!r}: {exc}") from None
    return tuple(allowed), None


def _default(value: Any, param: Parameter, enum: tuple[str, ...] | None, where: str) -> str:
    # grlc allows a default for a required `?_x` too (its swagger-ui sends it); here a call that
    # leaves such a parameter out gets the default, as grlc's own page would have sent it.
    try:
        default = normalize_value(param, _yaml_scalar(value))
    except (BadRequest, TypeError) as exc:
        raise SavedQueryError(f"{where}: 'defaults' for {param.name!r}: {exc}") from None
    if enum is not None and default not in enum:
        raise SavedQueryError(f"{where}: 'defaults' for {param.name!r} is {default!r}, not one of its 'enumerate' values")
    return default


def _yaml_scalar(value: Any) -> str:
    """A YAML scalar as the text a client would send (YAML reads `true`, `7`, dates natively)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float, datetime.date)):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    raise TypeError(f"{value!r} is not a single value")


def _probe_value(param: Parameter) -> Any:
    if param.kind == "iri":
        return NamedNode("urn:onteam:probe")
    return make_term(param, _EXAMPLES.get(param.datatype or "string", "1"))


def _check_sparql(text: str, parameters: Sequence[Parameter], pagination: int | None, where: str) -> str:
    """Parse the query (on an empty store), with every parameter bound; return its form."""
    store = Store()
    substitutions = {Variable(p.variable): _probe_value(p) for p in parameters}
    try:
        result = store.query(text, substitutions=substitutions or None)
    except SyntaxError as exc:
        position = sparql.syntax_error("Query", exc).extra
        line = f"line {position['line']} column {position['column']}: " if position else ""
        raise SavedQueryError(f"{where}: {line}SPARQL syntax error: {exc.msg}") from None
    except (RuntimeError, ValueError) as exc:
        hint = ""
        if "projection" in str(exc):
            hint = " (pyoxigraph binds only variables the SELECT clause lists: add the parameter to it)"
        raise SavedQueryError(f"{where}: {exc}{hint}") from None
    if isinstance(result, QuerySolutions):
        form = "select"
    elif isinstance(result, QueryBoolean):
        form = "ask"
    else:
        form = "describe" if any(k.word == "DESCRIBE" for k in sparqlscan.keywords(text)) else "construct"
    if pagination is not None:
        if form == "ask":
            raise SavedQueryError(f"{where}: 'pagination' makes no sense for an ASK query")
        try:
            store.query(paged_text(text, pagination, 1), substitutions=substitutions or None)
        except SyntaxError as exc:
            raise SavedQueryError(
                f"{where}: 'pagination' adds LIMIT and OFFSET at the end, which this query does not allow "
                f"({exc.msg}); remove its own LIMIT, OFFSET or trailing VALUES"
            ) from None
        if not _has_order_by(text):
            raise SavedQueryError(f"{where}: 'pagination' needs an ORDER BY, or pages may overlap")
    return form


def _has_order_by(text: str) -> bool:
    """Does the query have ORDER BY (anywhere: strings, IRIs and comments skipped)?"""
    previous = ""
    for keyword in sparqlscan.keywords(text):
        if previous == "ORDER" and keyword.word == "BY":
            return True
        previous = keyword.word
    return False


def paged_text(text: str, size: int, page: int) -> str:
    """The query with LIMIT/OFFSET for `page` (1-based); only integers we make are added."""
    return f"{text}\nLIMIT {int(size)}\nOFFSET {int(size) * (int(page) - 1)}\n"


# -- Binding request values --------------------------------------------------------------


def normalize_value(param: Parameter, value: str) -> str:
    """Check `value` against the parameter's type; return its canonical text or raise BadRequest."""
    if len(value) > MAX_VALUE_LENGTH:
        raise BadRequest(
            f"Parameter {param.name!r} is {len(value)} characters long; the limit is {MAX_VALUE_LENGTH}",
            parameter=param.name,
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"Parameter {param.name!r} is not valid Unicode text", parameter=param.name) from None
    if param.kind == "iri":
        try:
            return NamedNode(value).value
        except ValueError as exc:
            raise BadRequest(
                f"Parameter {param.name!r}: {value!r} is not an absolute IRI ({exc})", parameter=param.name
            ) from None
    if param.lang or param.datatype == "string":
        # RDF literals are written in NFC (RDF 1.1 Concepts §3.3): text sent decomposed, as macOS
        # and some Korean input methods send Hangul (ᄒ+ᅡ+ᆫ for 한), is the same text.
        return unicodedata.normalize("NFC", value)
    datatype = param.datatype or "string"
    lexical = value.strip(XSD_SPACE)  # XSD collapses its whitespace (not NBSP or U+3000) for every type but string
    pattern = _LEXICAL["integer"] if datatype in _INTEGER_FAMILY else _LEXICAL.get(datatype)
    if pattern is None:
        return value
    match = pattern.fullmatch(lexical)
    if match is None or not _valid_calendar(match):
        expected = "a number" if datatype == "number" else f"a valid xsd:{datatype}"
        raise BadRequest(f"Parameter {param.name!r}: {value!r} is not {expected}", parameter=param.name)
    if datatype == "integer" or datatype in _INTEGER_FAMILY:
        return str(int(lexical))
    if datatype == "boolean":
        return "true" if lexical in {"true", "1"} else "false"
    return lexical


def _valid_calendar(match: re.Match[str]) -> bool:
    groups = match.groupdict()
    if groups.get("m") is not None and not 1 <= int(groups["m"]) <= 12:
        return False
    if groups.get("d") is not None:
        # 2000 is a leap year, so 29 February passes here; day-in-month is checked on it.
        try:
            datetime.date(2000, int(groups["m"]), int(groups["d"]))
        except ValueError:
            return False
    return True


def make_term(param: Parameter, value: str) -> NamedNode | Literal:
    """The RDF term for a normalized value of `param`."""
    if param.kind == "iri":
        return NamedNode(value)
    if param.lang:
        return Literal(value, language=param.lang)
    if param.datatype in (None, "string"):
        return Literal(value)
    if param.datatype == "number":
        return Literal(value, datatype=NamedNode(XSD + _numeric_type(value)))
    return Literal(value, datatype=NamedNode(XSD + param.datatype))


def _numeric_type(lexical: str) -> str:
    """The xsd type a SPARQL numeric literal of this form has (SPARQL 1.1 §19.8 INTEGER, DECIMAL, DOUBLE)."""
    if "e" in lexical.lower():
        return "double"
    return "decimal" if "." in lexical else "integer"


def _single(params: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BadRequest(f"Parameter {name!r} was given {len(values)} times; give it once", parameter=name)
    return values[0] if values else None


def bind_parameters(
    saved: SavedQuery,
    params: Sequence[tuple[str, str]],
    enum_values: Mapping[str, frozenset[str]] | None = None,
) -> Binding:
    """Validate the request's parameters for `saved` and build its substitutions.

    An empty value counts as not given (HTML forms send empty fields). `enum_values` holds the
    allowed values of parameters whose enumeration comes from a query.
    """
    accepted = {p.name for p in saved.parameters} | set(CLIENT_PARAMS)
    if saved.pagination:
        accepted.add(PAGE_PARAM)
    unknown = sorted({k for k, _ in params} - accepted)
    if unknown:
        raise BadRequest(
            f"Unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for saved query {saved.name!r}; "
            f"accepted: {', '.join(sorted(accepted))}",
            unknown=unknown,
        )
    binding = Binding(
        default_graphs=[v for k, v in params if k == "default-graph-uri"],
        named_graphs=[v for k, v in params if k == "named-graph-uri"],
    )
    # As /sparql reads them: repeated, or lists of media types (SPARQLWrapper sends both).
    binding.fmt = sparql.format_params(params) or None
    for param in saved.parameters:
        raw = _single(params, param.name)
        if raw is None or raw == "":
            if not param.optional:
                raise BadRequest(
                    f"Missing required parameter {param.name!r} ({param.type}) of saved query {saved.name!r}",
                    parameter=param.name,
                )
            if param.default is None:
                continue  # an optional parameter left out stays an unbound variable
            value = param.default
        else:
            value = normalize_value(param, raw)
        allowed = param.enum if param.enum is not None else (enum_values or {}).get(param.name)
        if allowed is not None and value not in allowed:
            shown = ", ".join(sorted(allowed)[:20]) + (", ..." if len(allowed) > 20 else "")
            raise BadRequest(f"Parameter {param.name!r}: {value!r} is not one of: {shown}", parameter=param.name)
        binding.substitutions[Variable(param.variable)] = make_term(param, value)
    if saved.pagination:
        raw_page = _single(params, PAGE_PARAM)
        if raw_page not in (None, ""):
            if not re.fullmatch(r"[0-9]{1,7}", raw_page.strip(XSD_SPACE)) or not 1 <= int(raw_page) <= MAX_PAGE:
                raise BadRequest(
                    f"Parameter 'page': {raw_page!r} is not a page number from 1 to {MAX_PAGE}", parameter=PAGE_PARAM
                )
            binding.page = int(raw_page)
    return binding


# -- HTTP --------------------------------------------------------------------------------


async def _request_params(request: Request) -> list[tuple[str, str]]:
    # Strict UTF-8 (400 naming the byte): a parameter silently turned into U+FFFD would run
    # the query on text the client never sent.
    params = limits.parse_form(request.scope.get("query_string", b""), "the query string")
    if request.method == "POST":
        media, charset = sparql.request_media(request)
        body = await request.body()
        if media == "application/x-www-form-urlencoded":
            # The body in the charset it declares, as /sparql reads a form (415 for an unknown one);
            # UTF-8 bytes are decoded field by field, so a broken byte's 400 names its parameter.
            utf8 = charset.lower().replace("_", "-") in ("utf-8", "utf8")
            text = body if utf8 else sparql.decode_text(body, charset, "the form body")
            params += limits.parse_form(text, "the form body")
        elif body or media:
            raise UnsupportedMediaType(
                f"Content-Type {media or '(none)'!r} is not accepted; send parameters in the URL or as "
                "application/x-www-form-urlencoded",
                accepted=["application/x-www-form-urlencoded"],  # machine-readable, as /sparql's 415
            )
    return params


def _wants_text(saved: SavedQuery, fmt: str | None, accept: str | None) -> bool:
    """True when the client asks for the query itself rather than its results."""
    if fmt is not None:
        return fmt.strip().lower() in TEXT_FORMATS
    if not accept or SPARQL_QUERY_MEDIA not in accept.lower():
        return False
    offers = negotiation.RDF_OFFERS if saved.graph else negotiation.RESULT_OFFERS
    try:
        return negotiation.negotiate(accept, (*offers, SPARQL_QUERY_MEDIA)) == SPARQL_QUERY_MEDIA
    except NotAcceptable:  # let run_query answer the 406, listing the result formats
        return False


def query_text_response(saved: SavedQuery) -> Response:
    """The saved query file itself, as application/sparql-query."""
    return Response(saved.text, media_type=SPARQL_QUERY_MEDIA + "; charset=utf-8")


async def _enum_values(request: Request, saved: SavedQuery, names: Sequence[str]) -> dict[str, frozenset[str]]:
    wanted = [p for p in saved.parameters if p.enum_query and p.name in names]
    if not wanted:
        return {}
    values = await sparql.compute(request, enumerations, wanted, cached=True)
    return {p.name: allowed for p, allowed in zip(wanted, values, strict=True)}


def enumerations(store: Store, params: Sequence[Parameter]) -> list[frozenset[str]]:
    """The allowed values of each of `params`, in order (run in a query worker: `sparql.compute`)."""
    return [enumeration_values(store, p) for p in params]


def enumeration_values(store: Store, param: Parameter) -> frozenset[str]:
    """The allowed values of a parameter whose enumeration is a query, from the store now."""
    if param.enum_query is None:
        return frozenset(param.enum or ())
    result = sparql.evaluate(store, param.enum_query)
    # The parameter's own column when the enumeration is the saved query itself (grlc's bare name).
    own = Variable(param.variable)
    column = own if own in result.variables else result.variables[0]
    return frozenset(term.value for term in (row[column] for row in result) if term is not None)


async def _has_page(request: Request, saved: SavedQuery, binding: Binding, page: int) -> bool:
    probe = f"{saved.text}\nLIMIT 1\nOFFSET {saved.pagination * (page - 1)}\n"  # type: ignore[operator]
    return await _count(request, probe, binding) > 0


async def _count(request: Request, query: str, binding: Binding) -> int:
    """How many solutions `query` has, with the call's dataset and parameters (in the worker pool)."""
    dataset = (binding.default_graphs, binding.named_graphs, binding.substitutions)
    return await sparql.compute(request, count_solutions, query, *dataset, cached=True)


def count_solutions(
    store: Store, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str], substitutions: Mapping[Variable, Any]
) -> int:
    """The number of solutions of a SELECT (run in a query worker: `sparql.compute`)."""
    return sum(1 for _ in sparql.evaluate(store, query, default_graphs, named_graphs, substitutions))


async def _last_page(request: Request, saved: SavedQuery, binding: Binding) -> int | None:
    """The number of the last page (1 when there are no rows), or None when it is not known.

    Only SELECT rows are counted: a CONSTRUCT page is `pagination` solutions, not triples, and
    the triples do not tell how many solutions made them. Counting stops past
    LAST_PAGE_COUNT_CAP rows, so a huge answer is not read to its end for one header.
    """
    if saved.form != "select":
        return None
    rows = await _count(request, f"{saved.text}\nLIMIT {LAST_PAGE_COUNT_CAP + 1}\n", binding)
    if rows > LAST_PAGE_COUNT_CAP:
        return None
    return max(1, -(-rows // saved.pagination))  # type: ignore[operator]


def _page_link(request: Request, params: Sequence[tuple[str, str]], page: int, rel: str) -> str:
    """A Link header entry: this call as a GET URL (body parameters included) on another page."""
    kept = [(k, v) for k, v in params if k != PAGE_PARAM]
    url = request.url.replace(query=urlencode([*kept, (PAGE_PARAM, str(page))]))
    return f'<{url}>; rel="{rel}"'


async def run_saved_query(request: Request, saved: SavedQuery, extension: str | None = None) -> Response:
    """Answer one call of a saved query: its results, or its text when asked for.

    `extension` is the format grlc's `/<name>.<extension>` URLs name (csv, json, ttl, ...); it
    overrides the `format` parameter and Accept, as it does in grlc.
    """
    params = await _request_params(request)
    fmt = extension or next((v for k, v in params if k in ("format", "output", "results") and v), None)
    if _wants_text(saved, fmt, request.headers.get("accept")):
        return query_text_response(saved)
    given = [k for k, v in params if v]
    binding = bind_parameters(saved, params, await _enum_values(request, saved, given))
    if extension:
        binding.fmt = extension
    query = saved.text
    if saved.pagination:
        query = paged_text(saved.text, saved.pagination, binding.page)
    response = await sparql.run_query(
        request,
        query,
        default_graphs=binding.default_graphs,
        named_graphs=binding.named_graphs,
        substitutions=binding.substitutions,
        fmt=binding.fmt,
    )
    if saved.pagination:
        # grlc's Link header: first, prev, next and last (RFC 8288); last when the rows are counted.
        last = await _last_page(request, saved, binding)
        links = [_page_link(request, params, 1, "first")]
        if binding.page > 1:
            # Past the end, "prev" is the last page that has rows rather than another empty one.
            previous = binding.page - 1 if last is None else min(binding.page - 1, last)
            links.append(_page_link(request, params, previous, "prev"))
        has_next = binding.page < last if last is not None else await _has_page(request, saved, binding, binding.page + 1)
        if has_next:
            links.append(_page_link(request, params, binding.page + 1, "next"))
        if last is not None:
            links.append(_page_link(request, params, last, "last"))
        response.headers["Link"] = ", ".join(links)
    return response


def _saved(request: Request, name: str) -> SavedQuery:
    queries: dict[str, SavedQuery] = request.app.state.saved_queries
    if name not in queries:
        raise NotFound(f"No saved query {name!r}; GET /api lists them")
    return queries[name]


def describe(saved: SavedQuery, base: str) -> dict[str, Any]:
    """The JSON description of a saved query, as /api lists it."""
    return {
        "name": saved.name,
        "summary": saved.summary,
        "summary_ko": saved.summary_ko or None,
        "description": saved.description,
        "tags": list(saved.tags),
        "form": saved.form,
        "methods": list(saved.methods),
        "pagination": saved.pagination,
        "ignored_decorators": dict(saved.ignored),
        "url": f"{base}api/{saved.name}",
        "query_url": f"{base}api/{saved.name}.rq",
        "parameters": [
            {
                "name": p.name,
                "variable": "?" + p.variable,
                "required": not p.optional,
                "type": p.type,
                "datatype": XSD + p.datatype if p.datatype and p.datatype != "number" else None,
                "lang": p.lang,
                "enum": list(p.enum) if p.enum is not None else None,
                "default": p.default,
                "description": p.description,
            }
            for p in saved.parameters
        ],
    }


async def list_saved_queries(request: Request) -> JSONResponse:
    """Every saved query with its parameters and URLs."""
    queries: dict[str, SavedQuery] = request.app.state.saved_queries
    base = str(request.base_url)
    listing = [describe(q, base) for q in queries.values()]
    enumerated = [p for saved in queries.values() for p in saved.parameters if p.enum_query]
    if enumerated:  # only enumerations read the store
        values = iter(await sparql.compute(request, enumerations, enumerated, cached=True))
        for entry, saved in zip(listing, queries.values()):
            for described, param in zip(entry["parameters"], saved.parameters):
                if param.enum_query:
                    described["enum"] = sorted(next(values))
    return JSONResponse({"queries": listing})


async def saved_query_text(request: Request, name: str) -> Response:
    """GET /api/{name}.rq: the saved query file."""
    return query_text_response(_saved(request, name))


async def saved_query_with_extension(request: Request, name: str, extension: str) -> Response:
    """GET or POST /api/{name}.{extension}: grlc's way of naming the answer format in the URL."""
    saved = _saved(request, name)
    if request.method not in (*saved.methods, "HEAD") or (request.method == "HEAD" and "GET" not in saved.methods):
        return await unknown_saved_query(request, name)
    # A format named in the path is a demand, not a hint like `format=`: one this query cannot
    # give (csv for a CONSTRUCT, docx for anything) is a 400 listing those it can.
    if extension.lower() not in TEXT_FORMATS:
        negotiation.format_from_name(extension, saved.graph)
    return await run_saved_query(request, saved, extension)


async def unknown_saved_query(request: Request, name: str) -> Response:
    """A name with no route of its own: 404, or 405 when the query exists but not for this method."""
    saved = _saved(request, name)
    allowed = [*saved.methods, "HEAD"] if "GET" in saved.methods else list(saved.methods)
    raise MethodNotAllowed(
        f"Saved query {name!r} answers {', '.join(allowed)}, not {request.method}",
        headers={"Allow": ", ".join(allowed)},
    )


def _openapi_parameters(saved: SavedQuery) -> list[dict[str, Any]]:
    parameters = []
    for p in saved.parameters:
        json_type = "integer" if p.datatype in _INTEGER_FAMILY else _JSON_TYPES.get(p.datatype or "", "string")
        schema: dict[str, Any] = {"type": json_type}
        if p.kind == "iri":
            schema["format"] = "uri"
        elif p.datatype in _JSON_FORMATS:
            schema["format"] = _JSON_FORMATS[p.datatype]
        if p.enum is not None:
            schema["enum"] = list(p.enum)
        elif json_type == "string":
            # What bind_parameters takes: an empty value counts as left out, a long one is refused.
            schema["maxLength"] = MAX_VALUE_LENGTH
            if not p.optional:
                schema["minLength"] = 1
        if p.default is not None:
            schema["default"] = p.default
        kind = (
            "IRI" if p.kind == "iri" else f"text in @{p.lang}" if p.lang
            else "a number: xsd:integer, xsd:decimal or xsd:double by its form" if p.datatype == "number"
            else f"xsd:{p.datatype}"
        )
        text = f"{p.description} " if p.description else ""
        parameters.append(
            {
                "name": p.name,
                "in": "query",
                "required": not p.optional,
                "description": f"{text}({kind}; binds ?{p.variable})",
                "schema": schema,
            }
        )
    if saved.pagination:
        parameters.append(
            {
                "name": PAGE_PARAM,
                "in": "query",
                "required": False,
                "description": f"Page number, {saved.pagination} rows a page; the Link header points to the others.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            }
        )
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Answer format (short name or media type), overriding Accept; 'sparql' gives the query text.",
            "schema": {"type": "string"},
        }
    )
    for described in parameters:
        if not described["required"]:
            described["allowEmptyValue"] = True  # an empty value counts as left out (HTML forms send them)
    return parameters


def _openapi_responses(saved: SavedQuery) -> dict[int | str, dict[str, Any]]:
    offers = negotiation.RDF_OFFERS if saved.graph else negotiation.RESULT_OFFERS
    error = {"application/json": {"schema": {"type": "object"}}}
    ok: dict[str, Any] = {"description": f"The {saved.form.upper()} results", "content": {m: {} for m in offers}}
    if saved.pagination:
        ok["headers"] = {
            "Link": {
                "description": 'The other pages of this call (RFC 8288): rel="first", "prev", "next", "last"',
                "schema": {"type": "string"},
            }
        }
    return {
        200: ok,
        400: {"description": "A parameter is missing, unknown or invalid", "content": error},
        406: {"description": "No acceptable format", "content": error},
    }


def build_router(queries: Mapping[str, SavedQuery]) -> APIRouter:
    """Routes for /api, one documented route per saved query, and the catch-alls."""
    router = APIRouter()
    router.add_api_route(
        "/api", list_saved_queries, methods=["GET", "HEAD"], summary="List the saved queries", tags=["saved queries"]
    )
    for saved in queries.values():
        if "GET" in saved.methods:  # HEAD answers as GET without a body; kept out of the OpenAPI document
            router.add_api_route(f"/api/{saved.name}", _endpoint_for(saved), methods=["HEAD"], include_in_schema=False)
        router.add_api_route(
            f"/api/{saved.name}",
            _endpoint_for(saved),
            methods=list(saved.methods),
            summary=saved.summary or saved.name,
            description=saved.description + _ignored_note(saved),
            tags=list(saved.tags) or ["saved queries"],
            operation_id="saved_" + saved.name.replace("-", "_"),
            response_class=Response,
            responses=_openapi_responses(saved),
            openapi_extra={"parameters": _openapi_parameters(saved)},
        )
    router.add_api_route("/api/{name}.rq", saved_query_text, methods=["GET", "HEAD"], include_in_schema=False)
    router.add_api_route(
        "/api/{name}.{extension}", saved_query_with_extension, methods=["GET", "HEAD", "POST"], include_in_schema=False
    )
    router.add_api_route("/api/{name}", unknown_saved_query, methods=["GET", "HEAD", "POST"], include_in_schema=False)
    return router


def _ignored_note(saved: SavedQuery) -> str:
    """A line for the OpenAPI description naming the grlc decorators this service ignores."""
    if not saved.ignored:
        return ""
    listed = ", ".join(f"{key}: {value}" for key, value in saved.ignored)
    return f"\n\nIgnored grlc decorators ({listed}): this service answers from its own store."


def _endpoint_for(saved: SavedQuery) -> Any:
    async def endpoint(request: Request) -> Response:
        return await run_saved_query(request, saved)

    endpoint.__name__ = "saved_" + saved.name.replace("-", "_")
    endpoint.__doc__ = saved.summary
    return endpoint


def _live_enumerations(app: FastAPI, queries: Mapping[str, SavedQuery]) -> None:
    """Make /openapi.json list the current values of enumerations that come from a query."""
    build = app.openapi
    live = [(s, p) for s in queries.values() for p in s.parameters if p.enum_query]
    if not live:
        return

    def openapi() -> dict[str, Any]:
        schema = build()
        store = getattr(app.state, "store", None)
        if store is None:
            return schema
        for saved, param in live:
            values = sorted(enumeration_values(store, param))
            for operation in schema.get("paths", {}).get(f"/api/{saved.name}", {}).values():
                for described in operation.get("parameters", []):
                    if described.get("name") == param.name:
                        described["schema"]["enum"] = values
                # POST describes its parameters as form fields (server/openapi.py).
                form = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
                field_schema = form.get("schema", {}).get("properties", {}).get(param.name)
                if field_schema is not None:
                    field_schema["enum"] = values
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI, folder: Path) -> APIRouter:
    """Load the saved queries of `folder` (raising SavedQueryError) and serve them; their router."""
    queries = load_saved_queries(folder)
    app.state.saved_queries = queries
    router = build_router(queries)
    app.include_router(router)
    _live_enumerations(app, queries)
    return router
