"""Typed service settings, read once from the environment and the command line."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "ONTEAM_"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told; each field is also `ONTEAM_<NAME>` in the environment."""

    host: str = _setting("127.0.0.1", "Interface to listen on.")
    port: int = _setting(8000, "TCP port to listen on.")
    workers: int = _setting(2, "Queries evaluated at once (worker processes).")
    store: Path = _setting(PROJECT_ROOT / "var" / "store", "Directory of the on-disk Oxigraph store.")
    memory: bool = _setting(False, "Keep the store in memory instead of on disk.")
    update_token: str | None = _setting(None, "Bearer token that turns SPARQL Update and graph writes on.")
    read_only: bool = _setting(False, "Refuse every write, whatever the token.")
    public_base: str | None = _setting(
        None, "Origin that stands for https://w3id.org/onteam/ (default: the request's own origin)."
    )
    query_timeout: float = _setting(30.0, "Seconds a query may run before it is stopped.")
    root: Path = _setting(PROJECT_ROOT, "Project folder holding ontology/, data/ and queries/.")
    max_body_bytes: int = _setting(10 * 1024 * 1024, "Largest request body in bytes (413 beyond; 0 = no cap).")
    max_url_bytes: int = _setting(16 * 1024, "Longest request URL (path and query string) in bytes (414 beyond).")
    max_header_bytes: int = _setting(32 * 1024, "Largest total size of the request headers in bytes (431 beyond).")
    queue_timeout: float = _setting(2.0, "Seconds a query waits for a free slot before a 503 with Retry-After.")
    result_cache_mb: int = _setting(64, "Memory (MiB) for cached small query answers; 0 turns the cache off.")
    max_results: int = _setting(
        0, "Most solutions or triples in one query answer; longer answers are cut and say so (0 = no cap)."
    )
    service_allow_list: str = _setting(
        "", "Comma-separated endpoint IRIs that SERVICE and LOAD may reach (empty: refuse all)."
    )
    access_log: bool = _setting(True, "Write one JSON line per request to stderr (logger onteam.access).")

    def __post_init__(self) -> None:
        # A bad value fails here, once, naming the setting, instead of deep in uvicorn or the
        # worker pool (a negative pool size, a port no socket takes, a NaN timeout).
        for name, low, high, above in _RANGES:
            value = getattr(self, name)
            if isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high and value != above:
                continue
            where = f"{ENV_PREFIX}{name.upper()}"
            if name in _OPTIONS:
                where = f"--{name.replace('_', '-')} or {where}"
            bound = f"from {low:g} to {high:g}" if high != math.inf else (
                f"more than {above:g}" if above is not None else f"at least {low:g}")
            raise ValueError(f"{where} must be a number {bound}, not {value!r}")
        if self.public_base is not None and not _is_http_base(self.public_base):
            # It prefixes every link and Location header: a typo would break them all silently.
            raise ValueError(
                f"--public-base or {ENV_PREFIX}PUBLIC_BASE must be an http(s) URL without query or fragment, "
                f"such as https://data.example.org, not {self.public_base!r}"
            )

    @property
    def updates_enabled(self) -> bool:
        """Writes are possible only with a token and outside read-only mode."""
        return bool(self.update_token) and not self.read_only

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `ONTEAM_*` variables; explicit overrides (not None) win."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            # An option wins, even over a bad value; an empty variable (`ONTEAM_STORE=` in an env
            # file) means unset, not "." nor a host of None.
            if raw is not None and raw.strip() and overrides.get(f.name) is None:
                values[f.name] = _convert(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


# (field, lowest, highest, excluded lowest) of the numeric settings; 0 is "no cap" for max_*.
_RANGES: tuple[tuple[str, float, float, float | None], ...] = (
    ("port", 0, 65535, None),  # 0: any free port
    ("workers", 1, math.inf, None),
    ("query_timeout", 0, math.inf, 0),
    ("queue_timeout", 0, math.inf, None),
    ("result_cache_mb", 0, math.inf, None),
    ("max_results", 0, math.inf, None),
    ("max_body_bytes", 0, math.inf, None),
    ("max_url_bytes", 0, math.inf, None),
    ("max_header_bytes", 0, math.inf, None),
)
_OPTIONS = frozenset({"port", "workers", "query_timeout", "queue_timeout"})  # the ones `onteam serve` takes as --options


def _is_http_base(value: str) -> bool:
    """True for an absolute http(s) URL with a host and no query nor fragment."""
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(url.hostname) and not any(c in "?# \t\r\n" for c in value)


def _convert(name: str, kind: Any, raw: str) -> Any:
    kind = str(kind)
    try:
        if kind.startswith("bool"):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("Path"):
            return Path(raw)
        return raw or None
    except ValueError:
        # Named like a range error: the option too, since it is what most users set.
        where = f"{ENV_PREFIX}{name.upper()}"
        if name in _OPTIONS:
            where = f"--{name.replace('_', '-')} or {where}"
        raise ValueError(f"{where} must be {_KINDS.get(kind.split()[0], f'a valid {kind}')}, not {raw!r}") from None


# What a value of each kind must be, for the message about one that is not.
_KINDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "one of 1, true, yes, on, 0, false, no, off",
}
