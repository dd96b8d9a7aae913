"""Server-rendered HTML pages (Jinja2): home, resources, ontology, saved queries, network,
timeline, editor. No page needs JavaScript to show its content; the editor page is
enhanced by YASGUI, served from /static/vendor/yasgui/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import select_autoescape
from pyoxigraph import RdfFormat, Triple, Variable, parse

from . import i18n, negotiation, webmodel
from .errors import OnTeamError
from .linkeddata import ID_BASE, ONTOLOGY_IRI, PREFIXES, local_url, public_base
from .queries import PAGE_PARAM, SavedQuery, bind_parameters, paged_text
from .solutions import json_term
from .sparql import compute, fetch

router = APIRouter()
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
# Jinja escapes by the template's name and knows only .html/.xml: network.svg (also included
# in /network) must escape names too, or "TmaxA&C" breaks the SVG and a label can inject markup.
templates.env.autoescape = select_autoescape(["html", "htm", "xml", "svg"])
# Ontology labels are lower case ("bank"); headings start with a capital, the rest untouched.
templates.env.filters["ucfirst"] = lambda text: (
    str(text) if re.match(r"^[\w-]+:\S", str(text)) else str(text)[:1].upper() + str(text)[1:]  # not CURIEs
)
STATIC = HERE / "static"
LANGS = webmodel.LANGS
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600
FIELD = "param-"
# HEAD answers like GET without the body (uvicorn drops it), as RFC 9110 §9.3.2 asks.
PAGE_METHODS = ["GET", "HEAD"]


def primary_language(tag: str | None) -> str | None:
    """The primary subtag of a language tag, in lower case (BCP 47 tags are case-insensitive:
    `KO` and `ko-KR` are Korean)."""
    return tag.split("-", 1)[0].strip().lower() if tag else None


def accept_language(header: str | None) -> str | None:
    """The preferred of our languages in an Accept-Language header (q-values honoured)."""
    best, best_q = None, 0.0
    for index, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        primary = primary_language(pieces[0])
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 1.0
        if primary in LANGS and q > best_q:
            best, best_q = primary, q
    return best


def choose_lang(request: Request) -> tuple[str, bool]:
    """(language, remember it): `?lang=` wins and is remembered, then the cookie, then
    Accept-Language, then English."""
    asked = primary_language(request.query_params.get("lang"))
    if asked in LANGS:
        return asked, True
    cookie = primary_language(request.cookies.get(COOKIE))
    if cookie in LANGS:
        return cookie, False
    return accept_language(request.headers.get("accept-language")) or "en", False


def switch_url(request: Request, lang: str | None) -> str:
    """This page's URL with `lang` set (without it, for None: the URL that negotiates)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + ([("lang", lang)] if lang else [])
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    lang: tuple[str, bool] | None = None,
) -> HTMLResponse:
    """Render a page in the chosen language, remembering an explicit choice in a cookie."""
    current, remember = lang or choose_lang(request)
    base = public_base(request)
    other = "ko" if current == "en" else "en"
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": current,
            "other_lang": other,
            "switch_url": switch_url(request, other),
            "base": base,
            "href": lambda iri: local_url(iri, base),
            "t": lambda en, ko: ko if current == "ko" else en,
            "pick": lambda labels, iri="": webmodel.pick(labels, current, iri),
            "picked_lang": lambda labels: webmodel.picked_lang(labels, current),  # the language `pick` chose
            # The same page in each language, for <link rel="alternate" hreflang>.
            "alternates": {lg: base + switch_url(request, lg) for lg in LANGS},
            "negotiated_url": base + switch_url(request, None),
            "fmt": lambda value, datatype=None: i18n.format_literal(str(value), datatype, current),
            "fmt_date": lambda value: i18n.format_date(str(value), current),
            "fmt_number": lambda value: i18n.format_number(str(value), current),
            "name_label": lambda name: i18n.name_label(name, current),
            "type_label": lambda name: i18n.type_label(name, current),
            "datatype_name": lambda iri: webmodel.pick(webmodel.vocabulary_labels().get(iri), current, iri),
            "DATE_TYPES": webmodel.DATE_TYPES,
            "XSD_STRING": i18n.XSD + "string",
            "ID_BASE": ID_BASE,
            "ONTOLOGY_IRI": ONTOLOGY_IRI,
            **context,
        },
        status_code=status,
        headers=headers,
    )
    negotiation.add_vary(response.headers, "Accept", "Accept-Language", "Cookie")
    response.headers["Content-Language"] = current  # the page varies by language: say which one this is
    if remember:
        response.set_cookie(COOKIE, current, max_age=COOKIE_AGE, path="/", samesite="lax")
    return response


# ---- pages called by linkeddata (the dereferencing side) ----


async def resource_page(request: Request, iri: str, triples: list[Triple], headers: dict[str, str]) -> Response:
    """The HTML description of a resource (a consortium gets its extra sections)."""
    lang = choose_lang(request)
    view = await compute(request, webmodel.resource_view, iri, triples, lang[0])
    template = "consortium.html" if view.consortium else "resource.html"
    return render(request, template, {"view": view}, headers=headers, lang=lang)


async def not_found_page(request: Request, iri: str, headers: dict[str, str]) -> Response:
    """The 404 page of an IRI the graph does not know."""
    return render(request, "not_found.html", {"iri": iri}, status=404, headers=headers)


async def ontology_page(request: Request, triples: list[Triple], headers: dict[str, str]) -> Response:
    """The ontology documentation, generated from the ontology graph."""
    lang = choose_lang(request)
    header, groups, header_names = webmodel.ontology_view(triples, lang[0])
    context = {"header": header, "groups": groups, "header_names": header_names}
    return render(request, "ontology.html", context, headers=headers, lang=lang)


# ---- pages of their own ----


@router.api_route("/", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> Response:
    """What the graph is, the One Teams with their member counts, and links to everything."""
    lang = choose_lang(request)
    consortia, categories = await compute(request, webmodel.home, lang[0])
    return render(request, "home.html", {"consortia": consortia, "categories": categories}, lang=lang)


@router.api_route("/browse", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False)
async def browse(request: Request) -> Response:
    """Every resource of the graph, by kind."""
    lang = choose_lang(request)
    categories = await compute(request, webmodel.index, lang[0])
    return render(request, "browse.html", {"categories": categories}, lang=lang)


@router.api_route("/network", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False)
async def network_page(request: Request) -> Response:
    """The network picture (server-rendered SVG) with a list of the same facts as text."""
    lang = choose_lang(request)
    net = await compute(request, webmodel.network, lang[0])
    return render(request, "network.html", {"net": net}, lang=lang)


@router.api_route("/network.svg", methods=PAGE_METHODS, include_in_schema=False)
async def network_svg(request: Request) -> Response:
    """The network picture alone, as an SVG document."""
    lang = choose_lang(request)
    net = await compute(request, webmodel.network, lang[0])
    response = render(request, "network.svg", {"net": net, "standalone": True}, lang=lang)
    response.headers["content-type"] = "image/svg+xml; charset=utf-8"
    return response


@router.api_route("/timeline", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False)
async def timeline_page(request: Request) -> Response:
    """Every dated fact, oldest first."""
    lang = choose_lang(request)
    items = await compute(request, webmodel.timeline, lang[0])
    return render(request, "timeline.html", {"items": items}, lang=lang)


def saved_queries(request: Request) -> dict[str, SavedQuery]:
    """The saved queries the `queries` module keeps on app.state."""
    return getattr(request.app.state, "saved_queries", {})


@router.api_route("/editor", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False)
async def editor(request: Request) -> Response:
    """The SPARQL editor: YASGUI over /sparql, with a plain form when scripts do not run."""
    base = public_base(request)
    lang = choose_lang(request)
    examples = [
        {"name": name, "query": q.text} for name, q in sorted(saved_queries(request).items())
    ]
    default = (
        "PREFIX ot: <https://w3id.org/onteam/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n"
        "SELECT ?team ?label (COUNT(?member) AS ?members) WHERE {\n"
        "  ?team a ot:Consortium ; rdfs:label ?label ; ot:hasMember ?member .\n"
        # The names come in the reader's language, like the rest of the page.
        f'  FILTER(LANG(?label) = "{lang[0]}")\n'
        "} GROUP BY ?team ?label ORDER BY ?label\n"
    )
    # `?query=` opens the editor on a given query (the graph pages link here with one).
    asked = request.query_params.get("query", "")
    if asked.strip():
        default = asked
    config = {"endpoint": base + "/sparql", "prefixes": PREFIXES, "examples": examples, "query": default}
    # No `<` at all inside the script element: `</script` would end it early, and `<!--<script`
    # would make the parser skip the real `</script>` (HTML's double-escaped script state).
    # JSON has `<` only inside strings, where `\u003c` means the same.
    config_json = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    context = {"config_json": config_json, "default_query": default, "examples": examples}
    return render(request, "editor.html", context, lang=lang)


@router.api_route("/queries", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False)
async def queries_page(request: Request) -> Response:
    """The saved queries, each with its summary and parameters."""
    items = sorted(saved_queries(request).items())
    return render(request, "queries.html", {"queries": items})


@router.api_route("/queries/{name}", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False)
async def query_page(request: Request, name: str) -> Response:
    """A saved query: a form for its parameters and, once submitted, its results as a table."""
    saved = saved_queries(request).get(name)
    if saved is None:
        return render(request, "query.html", {"name": name, "saved": None}, status=404)
    # Form fields are `param-<name>`: a parameter may well be called `lang`, which the pages
    # already use for the interface language.
    given = {k[len(FIELD):]: v.strip() for k, v in request.query_params.items() if k.startswith(FIELD)}
    submitted = "run" in request.query_params or any(given.values())
    fields = [
        {
            "name": p.name,
            "field": FIELD + p.name,
            "type": p.type,
            "required": not p.optional,
            "value": given.get(p.name) or ("" if submitted else p.default or ""),
            "description": p.description,
        }
        for p in saved.parameters
    ]
    results, errors, status, pager = None, [], 200, None
    # The API link is the call this page shows, once it can be made: a required parameter
    # still empty would make it a 400.
    api_url = None if any(not p.optional for p in saved.parameters) else f"/api/{name}"
    # A paginated query's page number, as the API takes it (its own 400 for a bad one).
    page_asked = request.query_params.get(PAGE_PARAM, "") if saved.pagination else ""
    if submitted or not saved.parameters or page_asked:
        # A bare slug in an IRI field stands for https://w3id.org/onteam/id/<slug>.
        params = [
            (p.name, ID_BASE + value if p.kind == "iri" and value and ":" not in value else value)
            for p in saved.parameters
            if (value := given.get(p.name, ""))
        ]
        try:
            binding = bind_parameters(saved, params + ([(PAGE_PARAM, page_asked)] if page_asked else []))
            text = paged_text(saved.text, saved.pagination, binding.page) if saved.pagination else saved.text
            results = await run_saved(request, text, binding.substitutions)
            if saved.pagination:
                pager = await _pager(request, saved, binding.page, binding.substitutions)
                params += [(PAGE_PARAM, str(binding.page))] if binding.page > 1 else []
            api_url = f"/api/{name}" + (f"?{urlencode(params)}" if params else "")
        except OnTeamError as exc:
            errors.append(exc.message)
            status = exc.status
    resources = await _instance_iris(request)
    context = {"name": name, "saved": saved, "fields": fields, "results": results, "errors": errors, "pager": pager}
    return render(request, "query.html", {**context, "resources": resources, "api_url": api_url}, status=status)


def page_url(request: Request, page: int) -> str:
    """This page's URL on another page of results (the other parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != PAGE_PARAM]
    return f"{request.url.path}?{urlencode([*params, (PAGE_PARAM, str(page))])}"


async def _pager(request: Request, saved: SavedQuery, page: int, substitutions: dict[Variable, Any]) -> dict[str, Any]:
    """The page number and the links to the previous and next pages (next only when the
    query has a solution past this page, so the reader never lands on an empty page)."""
    size = int(saved.pagination or 0)
    probe = await run_saved(request, f"{saved.text}\nLIMIT 1\nOFFSET {size * page}\n", substitutions)
    more = bool(probe.get("rows"))
    return {
        "page": page,
        "prev": page_url(request, page - 1) if page > 1 else None,
        "next": page_url(request, page + 1) if more else None,
    }


async def run_saved(request: Request, query: str, substitutions: dict[Variable, Any]) -> dict[str, Any]:
    """Evaluate a saved query in the worker pool (so the query timeout holds) and return a
    table: SPARQL JSON's vars and rows for SELECT, a boolean for ASK, rows of triples otherwise."""
    media, body = await fetch(request, query, substitutions)
    if media == "application/n-triples":
        names = ("subject", "predicate", "object")
        triples = parse(body, format=RdfFormat.N_TRIPLES)
        rows = [{name: json.loads(json_term(term)) for name, term in zip(names, t.triple, strict=True)} for t in triples]
        return {"vars": list(names), "rows": rows}
    data = json.loads(body)
    if "boolean" in data:
        return {"boolean": data["boolean"]}
    return {"vars": data["head"]["vars"], "rows": data["results"]["bindings"]}


async def _instance_iris(request: Request) -> list[str]:
    """Every resource in the id/ namespace, for the form's suggestions (also in the worker pool)."""
    query = "SELECT DISTINCT ?x WHERE { ?x ?p ?o FILTER(STRSTARTS(STR(?x), \"%s\")) } ORDER BY ?x" % ID_BASE
    _, body = await fetch(request, query)
    return [row["x"]["value"] for row in json.loads(body)["results"]["bindings"]]
