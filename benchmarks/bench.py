"""onteam serve vs oxigraph serve on the same data and query mix, interleaved in one run.

    python -m benchmarks.bench --scale 100k --concurrency 4 --seconds 10
    python -m benchmarks.bench --quick          # smoke run: 10k triples, 1 s per measurement

Per scale: build both stores, start both servers, check that every query gives the same
answer size on both, then for each round and each query run wrk against one server and
then the other (the order alternates every round, so machine noise hits both), then the
whole mix cycled as one load, then the streamed export on freshly started servers.
Prints a table and writes all figures as JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from . import check, datasets, export
from .loadgen import Sample, run_fixed, run_wrk
from .queries import Query, load_queries
from .servers import Server, onteam_server, oxigraph_server

QUERY_DIR = Path("/work/shared/bench/queries")
RESULTS_DIR = datasets.PROJECT_ROOT / "benchmarks" / "results"
EXPORT_QUERY = "q10"
MIX_ROW = "mix"
# Throughput targets onteam/oxigraph from the issue.
TARGETS = {"q01": 0.5, "q02": 0.5, "q08": 0.5, "q03": 0.9, "q04": 0.9, "q05": 0.9}
EXPORT_RSS_TARGET_MB = 50
# Queries whose warm single request takes this long (on either server) are measured with a
# fixed request count instead of wrk's time window (see loadgen.run_fixed).
SLOW_QUERY_S = 0.05


def log(message: str) -> None:
    """Progress on stderr, so stdout is only the report."""
    print(message, file=sys.stderr, flush=True)


def _default_oxigraph() -> str:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else (shutil.which("oxigraph") or "oxigraph")


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--scale",
        action="append",
        help="dataset: 'article' (the project's own graph) or a size like 100k, 1m; repeatable (default 100k)",
    )
    p.add_argument(
        "--concurrency",
        "-c",
        type=int,
        default=4,
        help="keep-alive connections (default 4)",
    )
    p.add_argument(
        "--seconds",
        type=float,
        default=10,
        help="measured seconds per query per server, split over the rounds (default 10)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="interleaved rounds A/B, B/A, ... (default 2)",
    )
    p.add_argument(
        "--queries",
        help="comma-separated query ids to measure, e.g. q01,q08 (default: the mix)",
    )
    p.add_argument(
        "--no-mix",
        action="store_true",
        help="skip the row that cycles the whole mix as one load",
    )
    p.add_argument(
        "--no-export", action="store_true", help="skip the streamed export (q10)"
    )
    p.add_argument(
        "--export-only", action="store_true", help="only the streamed export"
    )
    p.add_argument(
        "--cache-bust",
        action="store_true",
        help="append a unique comment to every query so a result cache never hits",
    )
    p.add_argument(
        "--workers", type=int, help="onteam --workers (default: onteam's own default)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: scale 10k, 2 s per query, no mix row",
    )
    p.add_argument(
        "--oxigraph", default=_default_oxigraph(), help="oxigraph CLI binary"
    )
    p.add_argument("--wrk", default="wrk", help="wrk binary (apt-get install wrk)")
    p.add_argument(
        "--gen", type=Path, default=datasets.GEN, help="the data generator gen.py"
    )
    p.add_argument(
        "--query-dir", type=Path, default=QUERY_DIR, help="folder of *.rq files"
    )
    p.add_argument(
        "--out",
        type=Path,
        help="JSON results file (default benchmarks/results/<time>.json)",
    )
    return p


def machine() -> dict[str, str | int | float]:
    """What the figures were measured on."""
    model = ""
    for line in subprocess.run(
        ["lscpu"], check=False, capture_output=True, text=True
    ).stdout.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    return {
        "cpu": model,
        "cores": os.cpu_count() or 0,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_start": round(os.getloadavg()[0], 2),
    }


def measure_scale(
    scale: str,
    args: argparse.Namespace,
    queries: list[Query],
    export_query: Query | None,
) -> dict:
    """Everything for one dataset: answer check, interleaved rounds, mix row, export."""
    dataset = datasets.prepare(scale, gen=args.gen, oxigraph_bin=args.oxigraph, log=log)
    log_dir = RESULTS_DIR / "logs" / scale
    result: dict = {"scale": scale, "samples": {}, "rounds": [], "export": []}
    servers = [
        onteam_server(dataset, workers=args.workers),
        oxigraph_server(dataset, args.oxigraph),
    ]
    if not args.export_only:
        try:
            for server in servers:
                server.start(log_dir)
            log(f"[{scale}] answer sizes (both servers must agree):")
            result["answers"] = check.compare(
                servers, queries + ([export_query] if export_query else []), log
            )
            result["rounds"] = _interleaved(servers, queries, args, result, scale)
        finally:
            for server in servers:
                server.stop()
    if export_query and not args.no_export:
        for rnd in range(args.rounds if not args.quick else 1):
            order = servers if rnd % 2 == 0 else servers[::-1]
            for server in order:
                server.start(log_dir)
                try:
                    log(f"[{scale}] export round {rnd + 1}: {server.name}")
                    result["export"].append(
                        export.measure_export(server, export_query).as_dict()
                    )
                finally:
                    server.stop()
    return result


def _plan(
    queries: list[Query], answers: dict, args: argparse.Namespace
) -> list[tuple[str, list[Query], int]]:
    """Rows to measure: (name, queries, requests per connection per round; 0 = wrk time window)."""
    per_round = args.seconds / args.rounds
    cores = os.cpu_count() or 1
    rows = []
    any_slow = False
    for q in queries:
        slowest = max(v["seconds"] for v in answers[q.name].values())
        any_slow = any_slow or slowest >= SLOW_QUERY_S
        if slowest < SLOW_QUERY_S:
            rows.append((q.short, [q], 0))
        else:
            # about `per_round` seconds if the server runs `cores` of them at once
            rows.append(
                (
                    q.short,
                    [q],
                    max(
                        1,
                        min(100, int(per_round * cores / (slowest * args.concurrency))),
                    ),
                )
            )
    if not args.no_mix and not args.quick and len(queries) > 1:
        # with a slow query in it: every connection sends each query once; else a wrk window
        rows.append((MIX_ROW, queries, len(queries) if any_slow else 0))
    return rows


def _interleaved(
    servers: list[Server],
    queries: list[Query],
    args: argparse.Namespace,
    result: dict,
    scale: str,
) -> list[dict]:
    per_round = max(1, round(args.seconds / args.rounds))
    rows = _plan(queries, result["answers"], args)
    result["modes"] = {name: ("wrk" if n == 0 else f"{n}/conn") for name, _, n in rows}
    rounds = []
    for rnd in range(args.rounds):
        order = servers if rnd % 2 == 0 else servers[::-1]
        for name, qs, n in rows:
            for server in order:
                how = (
                    f"wrk {per_round}s"
                    if n == 0
                    else f"{n} req x {args.concurrency} conn"
                )
                log(
                    f"[{scale}] round {rnd + 1}/{args.rounds} {name:4} {server.name:8} {how}"
                )
                if n == 0:
                    sample = run_wrk(
                        server,
                        qs,
                        per_round,
                        args.concurrency,
                        bust=args.cache_bust,
                        wrk=args.wrk,
                    )
                else:
                    sample = run_fixed(
                        server, qs, n, args.concurrency, bust=args.cache_bust
                    )
                result["samples"].setdefault(name, {}).setdefault(
                    server.name, Sample()
                ).add(sample)
                rounds.append(
                    {
                        "round": rnd + 1,
                        "query": name,
                        "server": server.name,
                        **_summary(sample),
                    }
                )
    return rounds


def _summary(sample: Sample) -> dict:
    return {
        "requests": sample.requests,
        "errors": sample.errors,
        "seconds": round(sample.seconds, 3),
        "throughput": round(sample.throughput, 2),
        "p50_ms": round(sample.percentile_ms(50), 3),
        "p99_ms": round(sample.percentile_ms(99), 3),
        "server_cpu_pct": round(sample.server_cpu_pct, 1),
        "client_cpu_pct": round(sample.client_cpu_pct, 1),
        "server_cpu_ms_per_request": round(
            1000 * sample.server_cpu / sample.requests, 3
        )
        if sample.requests
        else None,
    }


def report(result: dict, args: argparse.Namespace) -> str:
    """The human-readable table for one scale."""
    lines = [
        f"\n## scale {result['scale']} — concurrency {args.concurrency}, "
        f"{args.seconds:g} s per query per server over {args.rounds} interleaved rounds"
        + (", cache-busting" if args.cache_bust else "")
    ]
    if result["samples"]:
        lines.append(
            f"{'query':6} | {'onteam req/s':>12} {'p50 ms':>8} {'p99 ms':>8} | "
            f"{'oxigraph req/s':>14} {'p50 ms':>8} {'p99 ms':>8} | {'ratio':>6} {'target':>7} | "
            f"{'cpu ms/req on/ox':>17} | {'load':>8} | errors"
        )
        for name, by_server in result["samples"].items():
            on, ox = by_server.get("onteam"), by_server.get("oxigraph")
            if on is None or ox is None:
                continue
            ratio = on.throughput / ox.throughput if ox.throughput else float("nan")
            target = TARGETS.get(name)
            verdict = (
                f"{'≥' if target else ''}{target:g} {'ok' if ratio >= target else 'MISS'}"
                if target
                else "-"
            )
            cpu = "/".join(
                f"{1000 * s.server_cpu / s.requests:.2f}" if s.requests else "-"
                for s in (on, ox)
            )
            result.setdefault("table", {})[name] = {
                "onteam": _summary(on),
                "oxigraph": _summary(ox),
                "ratio": round(ratio, 3),
                "target": target,
                "load": result["modes"].get(name),
            }
            lines.append(
                f"{name:6} | {on.throughput:12.1f} {on.percentile_ms(50):8.2f} {on.percentile_ms(99):8.2f} | "
                f"{ox.throughput:14.1f} {ox.percentile_ms(50):8.2f} {ox.percentile_ms(99):8.2f} | "
                f"{ratio:6.3f} {verdict:>7} | {cpu:>17} | {result['modes'].get(name, ''):>8} | {on.errors}/{ox.errors}"
            )
    if result["export"]:
        lines.append(
            f"\nexport (q10 CONSTRUCT, N-Triples, streamed; fresh server each time; target: peak ≤ idle + "
            f"{EXPORT_RSS_TARGET_MB} MiB)"
        )
        lines.append(
            f"{'server':9} {'status':>6} {'triples':>9} {'MiB':>7} {'headers s':>9} {'1st byte s':>10} "
            f"{'total s':>8} {'idle MiB':>8} {'peak MiB':>8} {'+MiB':>7}"
        )
        for e in result["export"]:
            mb = export.MB
            ok = "ok" if e["peak_over_idle_mb"] <= EXPORT_RSS_TARGET_MB else "MISS"
            lines.append(
                f"{e['server']:9} {e['status']:>6} {e['triples']:>9} {e['bytes'] / mb:7.1f} {e['headers_s']:9.3f} "
                f"{e['first_byte_s']:10.3f} {e['total_s']:8.3f} {e['idle_rss'] / mb:8.1f} {e['peak_rss'] / mb:8.1f} "
                f"{e['peak_over_idle_mb']:7.1f} {ok if e['server'] == 'onteam' else ''}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 0 when every measurement ran (targets are reported, not enforced)."""
    args = build_parser().parse_args(argv)
    if args.quick:
        args.scale = args.scale or ["10k"]
        args.seconds, args.rounds = 2, 2
    scales = args.scale or ["100k"]
    for tool in (args.wrk, args.oxigraph):
        if shutil.which(tool) is None:
            log(
                f"error: {tool!r} not found (wrk: apt-get install wrk; oxigraph: pip install oxigraph)"
            )
            return 2
    every = load_queries(args.query_dir)
    export_query = next((q for q in every if q.short == EXPORT_QUERY), None)
    queries = [q for q in every if q.mix]
    if args.queries:
        wanted = set(args.queries.split(","))
        queries = [q for q in every if q.short in wanted or q.name in wanted]
    started = datetime.now(UTC)
    results = {
        "started": started.isoformat(timespec="seconds"),
        "command": "python -m benchmarks.bench "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "options": {k: str(v) for k, v in vars(args).items()},
        "scales": [],
    }
    text = []
    for scale in scales:
        result = measure_scale(scale, args, queries, export_query)
        text.append(report(result, args))
        print(text[-1], flush=True)
        results["scales"].append({k: v for k, v in result.items() if k != "samples"})
    results["elapsed_s"] = round(time.time() - started.timestamp(), 1)
    write_results(results, args.out or RESULTS_DIR / f"{started:%Y%m%dT%H%M%S}-{'-'.join(scales)}.json")
    return 0


def write_results(results: dict, out: Path) -> None:
    """Close a run's record (the load average at its end) and write it as JSON to `out`."""
    results["machine"]["loadavg_at_end"] = round(os.getloadavg()[0], 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nmachine: {results['machine']}\nresults: {out}")


if __name__ == "__main__":
    sys.exit(main())
