"""The shared query mix: `*.rq` files whose `# form:` and `# mix:` headers say how to run them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(r"^#\s*(form|mix):\s*(\S+)", re.MULTILINE)

# What each kind of answer is asked for in; the same for both servers.
ACCEPT = {
    "select": "application/sparql-results+json",
    "ask": "application/sparql-results+json",
    "construct": "application/n-triples",
    "describe": "application/n-triples",
}


@dataclass(frozen=True)
class Query:
    """One benchmark query."""

    name: str  # file stem, e.g. q01_describe
    text: str
    form: str  # select | ask | construct | describe
    mix: bool
    # Set: asked as `GET <path>` (a saved query's URL on onteam) instead of POSTing `text`.
    path: str | None = None

    @property
    def short(self) -> str:
        """`q01` for `q01_describe`."""
        return self.name.split("_", 1)[0]

    @property
    def accept(self) -> str:
        """The media type both servers are asked for."""
        return ACCEPT[self.form]

    @property
    def method(self) -> str:
        """How the query is sent: GET of `path`, or a POST of the text to the endpoint."""
        return "GET" if self.path else "POST"


def load_queries(folder: Path) -> list[Query]:
    """All queries of `folder`, sorted by name; headers missing means form=select, mix=yes."""
    queries = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        headers = {k: v.lower() for k, v in _HEADER.findall(text)}
        queries.append(
            Query(
                name=path.stem,
                text=text,
                form=headers.get("form", "select"),
                mix=headers.get("mix", "yes") == "yes",
            )
        )
    return queries
