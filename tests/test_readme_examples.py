"""The README, as a newcomer reads it: every `curl` example runs, and the configuration it lists
is the one `onteam serve` has.

Each `curl` command in a code block of README.md is parsed with shlex and sent to a real server
(the project's data; a throwaway store with an update token for the blocks that write), with the
real `curl` binary, and again replayed with httpx so the fallback stays exercised. The README's
placeholders (`http://127.0.0.1:8000`, `$TOKEN`, the files `people.ttl`, `a.ttl`, `b.nt`) are
replaced by the test server's base, its token and small files written here.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import shlex
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cli_run import onteam
from conftest import PROJECT_ROOT, Server

from server.settings import Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
PLACEHOLDER_BASE = "http://127.0.0.1:8000"
TOKEN = "secret"  # the README's own `TOKEN=secret`
CURL = shutil.which("curl")
# The files the README's Graph Store examples send (`--data-binary @people.ttl`, `-F file=@a.ttl`).
UPLOADS = {
    "people.ttl": "<https://example.org/ana> <http://www.w3.org/2000/01/rdf-schema#label> \"Ana\" .\n",
    "a.ttl": "<https://example.org/bo> <http://www.w3.org/2000/01/rdf-schema#label> \"Bo\" .\n",
    "b.nt": "<https://example.org/cy> <http://www.w3.org/2000/01/rdf-schema#label> \"Cy\" .\n",
}


# --- extraction -------------------------------------------------------------------------------


@dataclass
class Example:
    """One `curl` command of the README: its block, its line and its words (comments dropped)."""

    block: int
    line: int
    text: str
    argv: list[str]

    @property
    def writes(self) -> bool:
        return "$TOKEN" in self.text


def code_blocks(markdown: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of every fenced or indented code block, indentation removed."""
    blocks: list[tuple[int, list[str]]] = []
    lines = markdown.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            end = next(j for j in range(index + 1, len(lines)) if lines[j].startswith("```"))
            blocks.append((index + 2, lines[index + 1:end]))
            index = end + 1
        elif line.startswith("    ") and (index == 0 or not lines[index - 1].strip()):
            # An indented block: it starts after a blank line and runs while lines stay indented
            # (blank lines inside it included).
            end = index
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            blocks.append((index + 1, [text[4:] for text in lines[index:end]]))
            index = end
        else:
            index += 1
    return blocks


def _split(text: str) -> list[str] | None:
    """The words of a shell command, or None while a quote or a line continuation is still open."""
    if text.rstrip().endswith("\\"):
        return None
    try:
        return shlex.split(text.replace("\\\n", " "), comments=True)
    except ValueError:  # "No closing quotation": the command goes on on the next line
        return None


def curl_examples(markdown: str) -> list[Example]:
    """Every `curl` command in the code blocks of `markdown`, continuation lines joined."""
    examples: list[Example] = []
    for block, (first, lines) in enumerate(code_blocks(markdown)):
        index = 0
        while index < len(lines):
            if not lines[index].lstrip().startswith("curl "):
                index += 1
                continue
            start, text = index, lines[index]
            while (argv := _split(text)) is None:
                index += 1
                assert index < len(lines), f"README.md line {first + start}: unterminated curl command"
                text += "\n" + lines[index]
            examples.append(Example(block, first + start, text, argv))
            index += 1
    return examples


EXAMPLES = curl_examples(README)


def test_readme_has_the_curl_examples_this_file_knows() -> None:
    # A new or lost example shows here: add its expectation to EXPECTED below.
    assert len(EXAMPLES) == len(EXPECTED), [e.text.split("\n")[0] for e in EXAMPLES]


def test_extraction_joins_continuations_and_multiline_quotes() -> None:
    text = "Intro:\n\n    curl -G http://h/x -H 'Accept: a' \\\n         --data-urlencode 'q=1\n    2' # c\n\nEnd.\n"
    (example,) = curl_examples(text)
    assert example.argv == ["curl", "-G", "http://h/x", "-H", "Accept: a", "--data-urlencode", "q=1\n2"]


# --- the request a curl command makes ------------------------------------------------------------


@dataclass
class Request:
    """What curl sends for a command line: enough to replay it with httpx."""

    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    files: list[tuple[str, tuple[str, bytes]]] = field(default_factory=list)


def _read(value: str, cwd: Path) -> bytes:
    return (cwd / value[1:]).read_bytes() if value.startswith("@") else value.encode()


def _urlencode_part(value: str, cwd: Path) -> str:
    # curl's --data-urlencode forms: "content", "=content", "name=content", "@file", "name@file".
    name, sep, content = value.partition("=")
    if sep and "@" not in name:
        return (f"{name}=" if name else "") + urllib.parse.quote(content, safe="")
    name, sep, path = value.partition("@")
    if sep and "=" not in name:
        text = (cwd / path).read_text(encoding="utf-8")
        return (f"{name}=" if name else "") + urllib.parse.quote(text, safe="")
    return urllib.parse.quote(value, safe="")


def parse_curl(argv: list[str], cwd: Path) -> Request:
    """The request `curl argv...` sends, for the options the README uses and their kin."""
    assert argv[0] == "curl"
    url, method, get, head, upload = None, None, False, False, None
    headers: list[tuple[str, str]] = []
    data: list[bytes] = []
    files: list[tuple[str, tuple[str, bytes]]] = []
    words = iter(argv[1:])
    for word in words:
        if word in ("-H", "--header"):
            name, _, value = next(words).partition(":")
            headers.append((name.strip(), value.strip()))
        elif word in ("-d", "--data", "--data-ascii"):
            value = next(words)
            # curl strips line breaks from a -d @file, not from --data-binary.
            data.append(_read(value, cwd).replace(b"\r", b"").replace(b"\n", b"") if value.startswith("@")
                        else value.encode())
        elif word == "--data-binary":
            data.append(_read(next(words), cwd))
        elif word == "--data-raw":
            data.append(next(words).encode())
        elif word == "--data-urlencode":
            data.append(_urlencode_part(next(words), cwd).encode())
        elif word in ("-X", "--request"):
            method = next(words)
        elif word in ("-G", "--get"):
            get = True
        elif word in ("-I", "--head"):
            head = True
        elif word in ("-T", "--upload-file"):
            upload = (cwd / next(words)).read_bytes()
        elif word in ("-F", "--form"):
            name, _, value = next(words).partition("=")
            if value.startswith("@"):
                files.append((name, (value[1:], (cwd / value[1:]).read_bytes())))
            else:
                files.append((name, ("", value.encode())))  # a plain field, sent as a part too
        elif word in ("-u", "--user"):
            headers.append(("Authorization", "Basic " + base64.b64encode(next(words).encode()).decode()))
        elif word == "--oauth2-bearer":
            headers.append(("Authorization", f"Bearer {next(words)}"))
        elif word in ("-i", "--include", "-s", "--silent", "-S", "--show-error", "-L", "--location", "-v"):
            pass
        elif word.startswith("-"):
            raise AssertionError(f"curl option {word} is not understood by this test: add it to parse_curl")
        else:
            url = word
    assert url, f"no URL in {argv}"
    body = b"&".join(data) if data else None
    if get and body is not None:
        url += ("&" if "?" in url else "?") + body.decode()
        body = None
    if upload is not None:
        body, default = upload, "PUT"
    elif head:
        default = "HEAD"
    elif get:
        default = "GET"
    elif body is not None or files:
        default = "POST"
    else:
        default = "GET"
    if body is not None and not files and upload is None and not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    return Request(method or default, url, headers, body, files)


def test_parse_curl_get_with_urlencoded_data_goes_in_the_query_string(tmp_path: Path) -> None:
    request = parse_curl(["curl", "-G", "http://h/s", "--data-urlencode", "query=ASK { }", "-d", "a=b"], tmp_path)
    assert (request.method, request.url, request.body) == ("GET", "http://h/s?query=ASK%20%7B%20%7D&a=b", None)


def test_parse_curl_data_is_a_form_post_unless_content_type_says_otherwise(tmp_path: Path) -> None:
    form = parse_curl(["curl", "http://h/s", "--data-urlencode", "q=é"], tmp_path)
    raw = parse_curl(["curl", "http://h/s", "-H", "Content-Type: text/x", "--data-binary", "x\ny"], tmp_path)
    assert (form.method, form.body, form.headers) == ("POST", b"q=%C3%A9",
                                                      [("Content-Type", "application/x-www-form-urlencoded")])
    assert (raw.method, raw.body, raw.headers) == ("POST", b"x\ny", [("Content-Type", "text/x")])


def test_parse_curl_files_head_upload_and_credentials(tmp_path: Path) -> None:
    (tmp_path / "f.ttl").write_text("line1\nline2\n")
    assert parse_curl(["curl", "-d", "@f.ttl", "http://h/"], tmp_path).body == b"line1line2"
    assert parse_curl(["curl", "--data-binary", "@f.ttl", "http://h/"], tmp_path).body == b"line1\nline2\n"
    assert parse_curl(["curl", "-I", "http://h/"], tmp_path).method == "HEAD"
    put = parse_curl(["curl", "-T", "f.ttl", "--oauth2-bearer", "t", "http://h/"], tmp_path)
    assert (put.method, put.body, put.headers) == ("PUT", b"line1\nline2\n", [("Authorization", "Bearer t")])
    form = parse_curl(["curl", "-X", "POST", "-u", "a:b", "-F", "file=@f.ttl", "http://h/"], tmp_path)
    assert form.files == [("file", ("f.ttl", b"line1\nline2\n"))]
    assert form.headers == [("Authorization", "Basic YTpi")]


# --- running an example --------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    media_type: str
    headers: httpx.Headers
    body: bytes


def _substitute(example: Example, base: str) -> list[str]:
    """The example's words with the README's placeholder host and token replaced (shlex expands
    no variables, so "$TOKEN" is still there, literally)."""
    return [word.replace("$TOKEN", TOKEN).replace(PLACEHOLDER_BASE, base) for word in example.argv]


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def run_with_curl(argv: list[str], cwd: Path) -> Answer:
    """Run the real curl, its answer's headers and body kept apart."""
    assert CURL
    headers_file, body_file = cwd / "headers.out", cwd / "body.out"
    # -i in an example puts the headers in the body too; -D keeps our own copy of them.
    command = [CURL, "-sS", "-D", str(headers_file), "-o", str(body_file), *argv[1:]]
    done = subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"curl failed ({done.returncode}): {done.stderr}"
    blocks = [b for b in headers_file.read_bytes().decode("latin-1").split("\r\n\r\n") if b.strip()]
    status_line, *lines = blocks[-1].split("\r\n")  # the last response (after any 100 Continue)
    headers = httpx.Headers([tuple(part.strip() for part in line.split(":", 1)) for line in lines if ":" in line])
    status = int(status_line.split()[1])
    body = body_file.read_bytes()
    if "-i" in argv or "--include" in argv:
        body = body.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in body else body
    return Answer(status, _media(headers.get("content-type", "")), headers, body)


def run_with_httpx(argv: list[str], cwd: Path) -> Answer:
    """Replay the request the curl command makes, with httpx."""
    request = parse_curl(argv, cwd)
    response = httpx.request(request.method, request.url, headers=request.headers, content=request.body,
                             files=request.files or None, timeout=60)
    return Answer(response.status_code, _media(response.headers.get("content-type", "")), response.headers,
                  response.content)


def run(example: Example, base: str, cwd: Path) -> Answer:
    """The example's answer: from curl when it is installed, else from its httpx replay."""
    argv = _substitute(example, base)
    return run_with_curl(argv, cwd) if CURL else run_with_httpx(argv, cwd)


# --- what the README says each example answers ----------------------------------------------------


@dataclass
class Expect:
    """The status and media type the README gives for an example, and what its body must show."""

    status: int
    media_type: str | None
    check: Callable[[Answer], object] = lambda answer: True


def _json(answer: Answer) -> object:
    import json

    return json.loads(answer.body)


def _one_teams_csv(answer: Answer) -> bool:
    # "the five One Teams (AI, Cloud, B2B, Gwanghwamun, Metaverse)": a header row and five rows.
    rows = answer.body.decode().strip().split("\r\n")
    return len(rows) == 1 + 5


def _csv_column(answer: Answer, index: int) -> int:
    """How many distinct values a CSV answer has in one column (header excluded)."""
    rows = answer.body.decode().strip().split("\r\n")[1:]
    return len({row.split(",")[index] for row in rows})


def _five_ontology_rows(answer: Answer) -> bool:
    subjects = [row["s"]["value"] for row in _json(answer)["results"]["bindings"]]  # type: ignore[index]
    return len(subjects) == 5 and not any(s.startswith("https://w3id.org/onteam/id/") for s in subjects)


def _top(answer: Answer, key: str) -> tuple[str, float]:
    best = _json(answer)[key]["result"][0]  # type: ignore[index]
    return best["id"], best["score"]


def _kt_in_ai_one_team(answer: Answer) -> bool:
    rows = _json(answer)["rows"]  # type: ignore[index]
    return {"id": "ai-one-team", "name": "AI One Team"} in rows["kt"]["memberOf"] and bool(rows["ai-one-team"]["foundingDate"])


SAVED = sorted(p.stem for p in (PROJECT_ROOT / "queries").glob("*.rq"))

# Keyed by a piece of the command that only that example has; the README's words in comments.
EXPECTED: dict[str, Expect] = {
    # "SELECT by GET (SPARQL JSON unless Accept says otherwise)"
    # "the five One Teams (AI, Cloud, B2B, Gwanghwamun, Metaverse) and the COVID-19 prediction alliance"
    "SELECT ?c ?label WHERE": Expect(200, "text/csv", lambda a: _csv_column(a, 0) == 6),
    "'query=ASK { ?s ?p ?o }'": Expect(200, "application/sparql-results+json", lambda a: _json(a)["boolean"] is True),
    "DESCRIBE <https://w3id.org/onteam/id/kt>": Expect(200, "text/turtle", lambda a: b"onteam/id/kt>" in a.body),
    # "only one graph as the default graph": the ontology's, so no instance of data/instances.ttl
    "default-graph-uri=": Expect(200, "application/sparql-results+json", _five_ontology_rows),
    # "Turtle by default; also JSON-LD ..."
    "curl http://127.0.0.1:8000/sparql\n": Expect(200, "text/turtle", lambda a: b"UnionDefaultGraph" in a.body),
    "/sparql -H 'Accept: application/ld+json'": Expect(200, "application/ld+json", _json),
    "curl http://127.0.0.1:8000/.well-known/void\n": Expect(200, "text/turtle", lambda a: b"void:triples" in a.body),
    "void?format=nt": Expect(200, "application/n-triples", lambda a: b"<http://rdfs.org/ns/void#triples>" in a.body),
    "8000/id/ai-one-team": Expect(200, "text/turtle", lambda a: b"ai-one-team" in a.body),
    "/id/kaist.jsonld": Expect(200, "application/ld+json", lambda a: "@context" in _json(a)),
    # "An exact name scores 100 (96 on an alternative label)": 카이스트 is one of KAIST's
    "'queries=": Expect(200, "application/json", lambda a: _top(a, "q0") == ("kaist", 96)
                         and _top(a, "q1") == ("kim-hoe-rin", 100) and _top(a, "q2")[0] == "jang-du-seong"),
    # "gets {"meta": ..., "rows": {"kt": {"memberOf": [{"id": "ai-one-team", "name": "AI One Team"}, ...]}}}"
    "'extend=": Expect(200, "application/json", _kt_in_ai_one_team),
    # "GET /api lists every saved query as JSON"
    "curl 'http://127.0.0.1:8000/api'\n": Expect(200, "application/json",
                                               lambda a: sorted(q["name"] for q in _json(a)["queries"]) == SAVED),
    "/api/one-teams": Expect(200, "text/csv", _one_teams_csv),
    "/api/consortium-members?": Expect(200, "text/csv", lambda a: a.body.count(b"\r\n") > 2),
    "/api/consortium?": Expect(200, "text/turtle", lambda a: b"ai-one-team" in a.body),
    # "# Link: ...; rel="next""
    "'lang=ko' -i": Expect(200, "application/sparql-results+json", lambda a: 'rel="next"' in a.headers["link"]),
    # a second page that has rows
    "'page=2' # POST form": Expect(200, "application/sparql-results+json", lambda a: _json(a)["results"]["bindings"]),
    # "give the query file itself (application/sparql-query)"
    "/api/evidence.rq": Expect(200, "application/sparql-query",
                               lambda a: a.body == (PROJECT_ROOT / "queries" / "evidence.rq").read_bytes()),
    # "A successful update answers 204 No Content"
    "--data-binary 'INSERT DATA { GRAPH <https://w3id.org/onteam/graph/extra>": Expect(204, None),
    "using-graph-uri=": Expect(204, None),
    # "replace (201 Created for a new graph, 204 otherwise)"
    "-X PUT": Expect(201, None),
    "-F file=@a.ttl": Expect(204, None),
    # "read it (Turtle by default ...)": what the PUT and the POST sent, merged
    "curl 'http://127.0.0.1:8000/store?graph=https://example.org/people'": Expect(
        200, "text/turtle", lambda a: all(name in a.body for name in (b'"Ana"', b'"Bo"', b'"Cy"'))),
    "-X DELETE": Expect(204, None),
    "INSERT DATA { GRAPH <https://example.org/notes>": Expect(204, None),
}


# The README's words the expectations above rest on: if the README changes them, revisit EXPECTED.
README_SAYS = [
    "SPARQL JSON unless Accept says otherwise",
    "the five One Teams (AI, Cloud, B2B, Gwanghwamun, Metaverse) and the COVID-19 prediction alliance",
    "only one graph as the default graph",
    "Turtle by default; also JSON-LD",
    "An exact name scores 100 (96 on an alternative label)",
    "GET /api lists every saved query as JSON",
    'Link: ...; rel="next"',
    "give the query file itself (application/sparql-query)",
    "A successful update answers 204 No Content",
    "replace (201 Created for a new graph, 204 otherwise)",
    "read it (Turtle by default",
]


@pytest.mark.parametrize("words", README_SAYS)
def test_readme_still_says_what_the_expectations_rest_on(words: str) -> None:
    assert words in " ".join(README.replace("`", "").split())


def expectation(example: Example) -> Expect:
    """The one entry of EXPECTED whose key is in this example (the text ends with a newline)."""
    matches = [key for key in EXPECTED if key in example.text + "\n"]
    assert len(matches) == 1, f"README.md line {example.line}: {len(matches)} expectations match {matches}"
    return EXPECTED[matches[0]]


def check(example: Example, answer: Answer) -> None:
    expected = expectation(example)
    where = f"README.md line {example.line}: {example.text.splitlines()[0]}"
    assert answer.status == expected.status, f"{where}: {answer.status} {answer.body[:300]!r}"
    if expected.media_type is not None:
        assert answer.media_type == expected.media_type, where
    assert expected.check(answer), f"{where}: unexpected answer {answer.body[:300]!r}"


@pytest.mark.parametrize("key", list(EXPECTED))
def test_every_expectation_matches_exactly_one_example(key: str) -> None:
    assert sum(key in e.text + "\n" for e in EXAMPLES) == 1


READS = [e for e in EXAMPLES if not any(w.writes for w in EXAMPLES if w.block == e.block)]
WRITE_BLOCKS = sorted({e.block for e in EXAMPLES if e.writes})


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    """A working directory holding the files the README's examples send."""
    for name, text in UPLOADS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("example", READS, ids=lambda e: f"line{e.line}")
def test_readme_read_example_answers_as_the_readme_says(server: Server, uploads: Path, example: Example) -> None:
    check(example, run(example, server.base, uploads))


@pytest.mark.parametrize("example", READS, ids=lambda e: f"line{e.line}")
def test_readme_read_example_replayed_with_httpx_answers_the_same(
    server: Server, uploads: Path, example: Example
) -> None:
    # The fallback for machines without curl, kept honest where curl exists.
    check(example, run_with_httpx(_substitute(example, server.base), uploads))


@pytest.mark.parametrize("block", WRITE_BLOCKS, ids=lambda b: f"block{b}")
def test_readme_write_examples_run_in_order_on_a_throwaway_store(
    make_server: Callable[..., Server], uploads: Path, block: int
) -> None:
    # A fresh store (the project's sources copied in by the sync, never written back) per block,
    # since a block's examples build on each other (PUT, then POST, then GET, then DELETE).
    writable = make_server("--update-token", TOKEN)
    examples = [e for e in EXAMPLES if e.block == block]
    for example in examples:
        check(example, run(example, writable.base, uploads))
    if CURL:  # and once more with the httpx replay, on a second fresh store
        again = make_server("--update-token", TOKEN)
        for example in examples:
            check(example, run_with_httpx(_substitute(example, again.base), uploads))



# --- configuration: the README's tables against `onteam serve --help` and server/settings.py ------


def _section(title: str) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ )", README, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '{title}' section"
    return match.group(1)


def _rows(section: str) -> list[list[str]]:
    """The body rows of the first table in `section`, cells stripped (header and rule dropped)."""
    table = re.search(r"^\|.*\n(?:\|.*\n)*", section, re.MULTILINE)
    assert table, "no table"
    lines = table.group(0).strip().split("\n")
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


CONFIG_ROWS = _rows(_section("Configuration"))
LIMIT_ROWS = _rows(_section("Limits"))
SETTINGS = {f.name: f for f in dataclasses.fields(Settings)}
VARIABLES = {f"ONTEAM_{name.upper()}" for name in SETTINGS}


def _serve_help() -> dict[str, str | None]:
    """Each `onteam serve` option (both forms of a flag) and the variable its help names."""
    text = onteam("serve", "--help").stdout.split("options:", 1)[1]
    options: dict[str, str | None] = {}
    for entry in re.split(r"\n(?=  -)", text):
        names = re.findall(r"--[a-z][a-z-]*", entry.split("\n")[0])
        variable = re.search(r"ONTEAM_[A-Z_]+", entry)
        for name in names:
            options[name] = variable.group(0) if variable else None
    options.pop("--help")
    return options


SERVE_HELP = _serve_help()


def _readme_options() -> dict[str, str]:
    return {option: row[1].strip("`") for row in CONFIG_ROWS for option in re.findall(r"--[a-z][a-z-]*", row[0])}


def test_readme_configuration_lists_exactly_the_serve_options() -> None:
    assert set(_readme_options()) == set(SERVE_HELP)


def test_readme_configuration_pairs_each_option_with_the_variable_its_help_names() -> None:
    assert _readme_options() == SERVE_HELP


def test_readme_configuration_variables_are_settings() -> None:
    assert {row[1].strip("`") for row in CONFIG_ROWS} <= VARIABLES


def test_readme_limits_table_names_settings() -> None:
    assert {f"ONTEAM_{row[0].strip('`')}" for row in LIMIT_ROWS} <= VARIABLES


def test_every_setting_is_documented_in_the_readme() -> None:
    documented = set(re.findall(r"ONTEAM_[A-Z_]*[A-Z]", README)) | {f"ONTEAM_{row[0].strip('`')}" for row in LIMIT_ROWS}
    assert VARIABLES - documented == set()


def test_every_onteam_variable_the_readme_names_exists() -> None:
    # The fuzzing budget variables of "## Test" are read by the tests, not by the service.
    test_files = "".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "tests").glob("test_fuzz_*.py"))
    unknown = {name for name in re.findall(r"ONTEAM_[A-Z_]*[A-Z]", README)
               if name not in VARIABLES and f'"{name}"' not in test_files}
    assert unknown == set()


_WORDED_DEFAULTS = {"off": False, "none (writes off)": None, "the request's origin": None, "the checkout": PROJECT_ROOT,
                    "(empty)": "", "0 (no cap)": 0}
_UNITS = {"MiB": 1024 * 1024, "KiB": 1024, "s": 1, "": 1}


def _default(cell: str) -> object:
    if cell in _WORDED_DEFAULTS:
        return _WORDED_DEFAULTS[cell]
    match = re.fullmatch(r"`?(\d+)`?\s*(MiB|KiB|s|)", cell)
    return int(match.group(1)) * _UNITS[match.group(2)] if match else cell.strip("`")


@pytest.mark.parametrize("row", CONFIG_ROWS + LIMIT_ROWS, ids=lambda row: row[1] if row[0].startswith(("`--", "(")) else row[0])
def test_readme_default_is_the_settings_default(row: list[str]) -> None:
    config = row[0].startswith(("`--", "(none)"))
    name = (row[1] if config else row[0]).strip("`").removeprefix("ONTEAM_").lower()
    actual = SETTINGS[name].default
    documented = _default(row[2] if config else row[1])
    if isinstance(actual, Path):
        actual = PROJECT_ROOT if actual == PROJECT_ROOT else actual.relative_to(PROJECT_ROOT).as_posix()
    assert documented == actual, (name, documented, actual)


NUMERIC_OPTIONS = [option for option, variable in SERVE_HELP.items()
                   if variable and str(SETTINGS[variable.removeprefix("ONTEAM_").lower()].type) in ("int", "float")]


def test_there_are_numeric_serve_options() -> None:
    assert {"--port", "--workers", "--query-timeout", "--queue-timeout"} <= set(NUMERIC_OPTIONS)


@pytest.mark.parametrize("option", NUMERIC_OPTIONS)
def test_out_of_range_serve_option_names_the_option_and_the_variable(option: str) -> None:
    # README: "stops the command before anything starts, with one line naming the option and the
    # variable, and exit status 2".
    done = onteam("serve", option, "-1")
    assert done.returncode == 2
    assert option in done.stderr and SERVE_HELP[option] in done.stderr, done.stderr
    assert len(done.stderr.strip().split("\n")) == 1


@pytest.mark.parametrize("option", NUMERIC_OPTIONS)
def test_non_numeric_serve_variable_names_the_option_and_the_variable(option: str) -> None:
    # README: "A value that is not a number ... (`ONTEAM_PORT=abc`, ...) stops the command ... with one
    # line naming the option and the variable, and exit status 2".
    variable = SERVE_HELP[option]
    assert variable
    done = onteam("serve", env={variable: "abc"})
    assert done.returncode == 2
    assert option in done.stderr and variable in done.stderr and "'abc'" in done.stderr, done.stderr
    assert len(done.stderr.strip().split("\n")) == 1


# --- the paths the README says are served, and the access log line it shows -----------------------

_SAMPLE = {"<slug>": "kt", "<name>": "one-teams"}


def _page_paths() -> list[str]:
    """Every path in the first column of the "Web pages" table, placeholders filled in."""
    paths = [p for row in _rows(_section("Web pages")) for p in re.findall(r"`(/[^`]*)`", row[0])]
    return [re.sub(r"<[a-z]+>", lambda m: _SAMPLE[m.group(0)], path) for path in paths]


PAGE_PATHS = _page_paths()


def test_readme_web_pages_table_lists_the_pages() -> None:
    assert {"/", "/id/kt", "/ontology", "/editor", "/queries/one-teams"} <= set(PAGE_PATHS)


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_readme_web_page_is_served(server: Server, path: str) -> None:
    response = server.client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].split(";")[0] in (
        "text/html", "image/svg+xml", "application/ld+json")


@pytest.mark.parametrize(("path", "target", "words"), [
    ("/ontology/Consortium", "/ontology#Consortium", "/ontology/Term answers 303 to it"),
    ("/dataset", "/.well-known/void", "(/dataset) answers 303 to its VoID description"),
    ("/shapes", "/graph/ontology/shapes", "answer 303 to the named graph that holds them (/graph/ontology/shapes)"),
])
def test_readme_redirect_answers_303_where_it_says(server: Server, path: str, target: str, words: str) -> None:
    assert words in " ".join(README.replace("`", "").split())
    response = server.client.get(path)
    assert response.status_code == 303 and response.headers["location"] == server.base + target


def test_access_log_line_has_the_fields_the_readme_shows(server: Server) -> None:
    import json

    block = _section("Access log").split("\n\n")[1]
    shown = json.loads(" ".join(line.strip() for line in block.split("\n")))
    server.client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"User-Agent": "readme-test"})
    deadline = time.monotonic() + 10  # the line is written once the answer has gone out
    while not (lines := [json.loads(line) for line in server.log.read_text(encoding="utf-8").splitlines()
                         if line.startswith("{") and '"readme-test"' in line]) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lines and all(list(line) == list(shown) for line in lines)


# --- the rest of what a newcomer runs: the CLI table, the SPARQL example, quoted bodies, counts ----


def _flat() -> str:
    """The README as one line of words, backticks dropped (for phrases that wrap)."""
    return " ".join(README.replace("`", "").split())


def _options(text: str) -> set[str]:
    """The options written in a usage text: `-f`, `--store` (`-h` and the `--no-` forms aside)."""
    found = set(re.findall(r"(?<![\w-])--?[a-z][a-z-]*", text))
    return {o for o in found if o not in ("-h", "--help") and not o.startswith("--no-")}


def _command_rows() -> dict[str, set[str]]:
    """Each command of the README's "other commands" table and the options its rows show."""
    table = re.search(r"^\| Command \| What it does \|\n(?:\|.*\n)+", README, re.MULTILINE)
    assert table, "README.md lost the table of the other commands"
    rows: dict[str, set[str]] = {}
    for line in table.group(0).strip().split("\n")[2:]:
        usage = re.match(r"\| `onteam ([a-z]+)([^`]*)`", line)
        assert usage, line
        rows.setdefault(usage.group(1), set()).update(_options(usage.group(2)))
    return rows


COMMAND_ROWS = _command_rows()


def test_readme_command_table_lists_every_command_but_serve() -> None:
    listed = re.search(r"\{([a-z,]+)\}", onteam("--help").stdout)
    assert listed and set(COMMAND_ROWS) == set(listed.group(1).split(",")) - {"serve"}


@pytest.mark.parametrize("command", sorted(COMMAND_ROWS))
def test_readme_command_row_shows_the_options_of_its_help(command: str) -> None:
    # The usage line of `onteam COMMAND --help` names each option once, by its short form if any.
    usage = onteam(command, "--help").stdout.split("\n\n", 1)[0]
    assert COMMAND_ROWS[command] == _options(usage.split(command, 1)[1])


def test_readme_validate_exit_status_is_one_for_a_file_that_does_not_parse(tmp_path: Path) -> None:
    # README: "`validate` ... prints its whole report and exits 1 for any of it, a file that does
    # not parse included" (the other commands exit 2 for bad input).
    assert "exits 1 for any of it, a file that does not parse included" in _flat()
    for folder in ("ontology", "data"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    (tmp_path / "data" / "broken.ttl").write_text('<a:b> <a:c> "open .\n', encoding="utf-8")
    done = onteam("validate", "--root", str(tmp_path))
    assert done.returncode == 1 and "data/broken.ttl:1:" in done.stdout, done.stdout + done.stderr


def test_readme_query_timeout_body_is_the_one_the_service_sends() -> None:
    import json

    from server.errors import error_body
    from server.limits import QueryTimeout

    quoted = re.search(r"nothing sent yet: 503 with (\{.*?\}) \(", _flat())
    assert quoted, "README.md lost the timeout's error body"
    stopped = QueryTimeout(Settings().query_timeout)
    assert json.loads(quoted.group(1)) == error_body(stopped.status, stopped.message, **stopped.extra)


def test_readme_count_of_initiatives_and_events_is_the_data_s() -> None:
    # "every initiative and event (N today) is inconsistent" with PROV-O's axioms.
    import rdflib

    stated = re.search(r"every initiative and event \((\d+) today\)", _flat())
    assert stated, "README.md lost the count of initiatives and events"
    data = rdflib.Graph().parse(PROJECT_ROOT / "data" / "instances.ttl")
    ot = rdflib.Namespace("https://w3id.org/onteam/ontology#")
    activities = {s for cls in (ot.Initiative, ot.Event) for s in data.subjects(rdflib.RDF.type, cls)}
    assert int(stated.group(1)) == len(activities)


def test_readme_membership_sentence_example_answers_paragraph_13_sentence_1(server: Server) -> None:
    # "It answers paragraph 13, sentence 1: "클라우드 원팀에는 올해 초 기준으로 KT, 서울대, KAIST, ...
    # 총 22개 기관이 참여하고 있다." with its translation and the article's IRI."
    (query,) = re.findall(r"^```sparql\n(.*?)^```", README, re.MULTILINE | re.DOTALL)
    response = server.client.post("/sparql", content=query.encode(),
                                  headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200, response.text
    (row,) = response.json()["results"]["bindings"]
    assert (row["paragraph"]["value"], row["sentence"]["value"]) == ("13", "1")
    assert row["quote_ko"]["value"].startswith("클라우드 원팀에는 올해 초 기준으로 KT, 서울대, KAIST, ")
    assert row["quote_ko"]["value"].endswith("총 22개 기관이 참여하고 있다.")
    assert row["quote_en"]["xml:lang"] == "en"
    assert row["source"]["value"] == "https://w3id.org/onteam/id/newsfreezone-kt-one-team-2021"


def _other_hosts(html: str, base: str) -> set[str]:
    """The absolute http(s) URLs an HTML page loads (src=, href= of stylesheets and icons, url())
    that are not on `base`: links a person may follow are not loads."""
    loads = re.findall(r"""(?:src=|<link[^>]*href=|url\(|_url["']?\s*[:=]\s*)["']?(https?://[^"')\s>]+)""", html)
    return {url for url in loads if not url.startswith(base)}


def test_readme_openapi_browser_at_docs_loads_nothing_from_another_host(server: Server) -> None:
    # README: "browsable at /docs" and "No page loads anything from another host".
    assert "browsable at /docs" in _flat() and "No page loads anything from another host" in _flat()
    page = server.client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert _other_hosts(page.text, server.base) == set()
    assets = re.findall(r"""["'](/static/[^"']+)["']""", page.text)
    assert assets, page.text
    for asset in assets:
        assert server.client.get(asset).status_code == 200, asset
    assert '"validatorUrl": null' in page.text  # Swagger UI's default badge comes from validator.swagger.io
    assert "/openapi.json" in page.text


def test_other_hosts_finds_a_cdn_script() -> None:
    html = '<script src="https://cdn.jsdelivr.net/x.js"></script><link rel="icon" href="/static/f.svg">'
    assert _other_hosts(html, "http://127.0.0.1:1") == {"https://cdn.jsdelivr.net/x.js"}
