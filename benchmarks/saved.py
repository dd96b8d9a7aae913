"""Saved queries: onteam's `/api/<name>`, cached and uncached, against `oxigraph serve`.

    python -m benchmarks.saved --seconds 4
    python -m benchmarks.saved --queries one-teams,search --rounds 3

The issue asks for repeated saved queries to be answered faster than `oxigraph serve`
answers them, with cached and uncached figures reported apart. On the project's own graph
(the queries are written for it) three servers run side by side:

- `cached`: onteam as it ships; every call after the first is a hit of its result cache;
- `uncached`: onteam with the cache off (`ONTEAM_RESULT_CACHE_MB=0`) on a store of its own;
- `oxigraph`: `oxigraph serve --union-default-graph` on the same graphs.

onteam gets `GET /api/<name>?<sample arguments>`. oxigraph has no parameters, so it gets the
text onteam would evaluate, POSTed: the first page of a paginated query, with each argument
bound by a BIND at the start of the outer WHERE group (only in this reference's copy;
onteam binds values as terms). Answer sizes must agree before anything is measured. Rounds
alternate the servers' order, as in `benchmarks.bench`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from . import check, datasets
from .bench import RESULTS_DIR, SLOW_QUERY_S, _default_oxigraph, _summary, log, machine, write_results
from .loadgen import Sample, run_fixed, run_wrk
from .queries import Query
from .servers import Server, onteam_server, oxigraph_server

sys.path.insert(0, str(datasets.PROJECT_ROOT))
from server import queries as saved_queries  # noqa: E402  (the project's own reading of the files)

ID = "https://w3id.org/onteam/id/"
# Arguments for the saved queries that need some: resources the article names.
SAMPLE_ARGUMENTS: dict[str, dict[str, str]] = {
    "consortium": {"consortium": ID + "ai-one-team"},
    "consortium-initiatives": {"consortium": ID + "ai-one-team"},
    "consortium-members": {"consortium": ID + "cloud-one-team"},
    "consortium-outcomes": {"consortium": ID + "ai-one-team"},
    "evidence": {"resource": ID + "kt"},
    "organization-memberships": {"organization": ID + "kt"},
    "search": {"q": "원팀"},
}
SERVERS = ("cached", "uncached", "oxigraph")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.saved", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--concurrency", "-c", type=int, default=4, help="keep-alive connections (default 4)")
    p.add_argument(
        "--seconds", type=float, default=4, help="measured seconds per query per server, over the rounds (default 4)"
    )
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    p.add_argument("--queries", help="comma-separated saved query names (default: all)")
    p.add_argument("--oxigraph", default=_default_oxigraph(), help="oxigraph CLI binary")
    p.add_argument("--wrk", default="wrk", help="wrk binary (apt-get install wrk)")
    p.add_argument("--out", type=Path, help="JSON results file (default benchmarks/results/<time>-saved.json)")
    return p


def reference_text(saved: saved_queries.SavedQuery, arguments: Mapping[str, str]) -> str:
    """What oxigraph is sent for one call: the evaluated text, arguments bound by BIND."""
    binding = saved_queries.bind_parameters(saved, list(arguments.items()))
    text = saved.text
    if saved.pagination:
        text = saved_queries.paged_text(text, saved.pagination, binding.page)
    binds = " ".join(f"BIND({term} AS ?{variable.value})" for variable, term in binding.substitutions.items())
    if not binds:
        return text
    # The first WHERE of the query itself, not of a decorator (an enumeration's query) above it.
    where = next(m for m in _WHERE.finditer(text) if not text[text.rfind("\n", 0, m.start()) + 1 :].startswith("#"))
    return f"{text[: where.end()]} {binds}\n{text[where.end() :]}"


def calls(names: Sequence[str] | None = None) -> list[tuple[Query, Query]]:
    """Each saved query as (onteam's GET of /api/<name>, oxigraph's POST of the same text)."""
    found = saved_queries.load_saved_queries(datasets.PROJECT_ROOT / "queries")
    pairs = []
    for name, saved in sorted(found.items()):
        if names and name not in names:
            continue
        arguments = SAMPLE_ARGUMENTS.get(name, {})
        path = f"/api/{name}" + (f"?{urlencode(arguments)}" if arguments else "")
        onteam = Query(name=name, text=saved.text, form=saved.form, mix=False, path=path)
        reference = Query(name=name, text=reference_text(saved, arguments), form=saved.form, mix=False)
        pairs.append((onteam, reference))
    return pairs


def start_servers(args: argparse.Namespace) -> list[Server]:
    """The three servers, started on the article dataset."""
    dataset = datasets.prepare("article", gen=datasets.GEN, oxigraph_bin=args.oxigraph, log=log)
    servers = [
        onteam_server(dataset, name="cached"),
        onteam_server(
            dataset,
            name="uncached",
            store=dataset.onteam_store.with_name("onteam-uncached"),
            env={"ONTEAM_RESULT_CACHE_MB": "0"},
        ),
        oxigraph_server(dataset, args.oxigraph),
    ]
    log_dir = RESULTS_DIR / "logs" / "saved"
    started: list[Server] = []
    try:
        for server in servers:
            server.start(log_dir)
            started.append(server)
    except BaseException:
        for server in started:
            server.stop()
        raise
    return servers


def measure(servers: list[Server], pairs: list[tuple[Query, Query]], args: argparse.Namespace) -> dict:
    """Answer check, then interleaved rounds; samples per query per server."""
    by_name = {server.name: server for server in servers}
    answers: dict[str, dict[str, dict]] = {}
    for onteam, reference in pairs:
        asked = {"cached": onteam, "uncached": onteam, "oxigraph": reference}
        answers[onteam.name] = {}
        for name in SERVERS:
            size, seconds = check.answer_size(by_name[name], asked[name])
            answers[onteam.name][name] = {"answer": size, "seconds": round(seconds, 4)}
        mark = "ok" if len({v["answer"] for v in answers[onteam.name].values()}) == 1 else "MISMATCH"
        log(f"  {onteam.name:36} {mark:8} " + "  ".join(f"{k}: {v['answer']}" for k, v in answers[onteam.name].items()))
    samples: dict[str, dict[str, Sample]] = {}
    per_round = max(1, round(args.seconds / args.rounds))
    for rnd in range(args.rounds):
        order = SERVERS[rnd % 3 :] + SERVERS[: rnd % 3]
        for onteam, reference in pairs:
            slow = max(v["seconds"] for v in answers[onteam.name].values()) >= SLOW_QUERY_S
            for name in order:
                query = reference if name == "oxigraph" else onteam
                log(f"round {rnd + 1}/{args.rounds} {onteam.name:36} {name}")
                if slow:
                    sample = run_fixed(by_name[name], [query], 10, args.concurrency)
                else:
                    sample = run_wrk(by_name[name], [query], per_round, args.concurrency, wrk=args.wrk)
                samples.setdefault(onteam.name, {}).setdefault(name, Sample()).add(sample)
    return {"answers": answers, "samples": samples}


def report(result: dict) -> str:
    """The table: throughput of each server and the ratios to oxigraph, CPU per request."""
    lines = [
        f"{'saved query':36} | {'cached':>8} {'uncached':>8} {'oxigraph':>8} req/s | "
        f"{'cached/ox':>9} {'uncached/ox':>11} | {'cpu ms/req c/u/ox':>19} | errors"
    ]
    table = {}
    for name, by_server in result["samples"].items():
        cached, uncached, ox = (by_server[s] for s in SERVERS)
        ratios = [s.throughput / ox.throughput if ox.throughput else float("nan") for s in (cached, uncached)]
        cpu = "/".join(f"{1000 * s.server_cpu / s.requests:.2f}" if s.requests else "-" for s in (cached, uncached, ox))
        errors = "/".join(str(s.errors) for s in (cached, uncached, ox))
        table[name] = {
            **{s: _summary(by_server[s]) for s in SERVERS},
            "cached_ratio": round(ratios[0], 3),
            "uncached_ratio": round(ratios[1], 3),
        }
        lines.append(
            f"{name:36} | {cached.throughput:8.0f} {uncached.throughput:8.0f} {ox.throughput:8.0f}       | "
            f"{ratios[0]:9.2f} {ratios[1]:11.2f} | {cpu:>19} | {errors}"
        )
    result["table"] = table
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the saved-query benchmark; 0 when every measurement ran (ratios are reported, not enforced)."""
    args = build_parser().parse_args(argv)
    pairs = calls(args.queries.split(",") if args.queries else None)
    if not pairs:
        log("error: no saved query matches --queries")
        return 2
    started = datetime.now(UTC)
    results: dict = {
        "started": started.isoformat(timespec="seconds"),
        "command": "python -m benchmarks.saved " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
    }
    servers = start_servers(args)
    try:
        result = measure(servers, pairs, args)
    finally:
        for server in servers:
            server.stop()
    text = report(result)
    print(f"\n## saved queries — article graph, concurrency {args.concurrency}, {args.seconds:g} s per query per server\n{text}")
    results.update({k: v for k, v in result.items() if k != "samples"})
    write_results(results, args.out or RESULTS_DIR / f"{started:%Y%m%dT%H%M%S}-saved.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
