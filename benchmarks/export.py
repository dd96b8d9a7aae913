"""The full export (q10 CONSTRUCT as N-Triples): first-byte latency and the server's peak RSS."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass

import httpx

from .queries import Query
from .servers import Server

MB = 1024 * 1024


@dataclass
class ExportResult:
    """One streamed export from one freshly started server."""

    server: str
    status: int
    triples: int
    bytes: int
    headers_s: float  # request sent -> response headers
    first_byte_s: float  # request sent -> first body byte
    total_s: float
    idle_rss: int
    peak_rss: int  # max of the sampled RSS and the kernel's VmHWM since the reset
    hwm_reset: bool

    @property
    def peak_over_idle_mb(self) -> float:
        """Peak RSS above idle, in MiB."""
        return (self.peak_rss - self.idle_rss) / MB

    def as_dict(self) -> dict:
        """JSON-ready, with the derived figure."""
        return {**asdict(self), "peak_over_idle_mb": round(self.peak_over_idle_mb, 1)}


class _RssSampler(threading.Thread):
    """Polls /proc/<pid>/statm every `interval` seconds and keeps the maximum."""

    def __init__(self, server: Server, interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.server, self.interval, self.peak = server, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.peak = max(self.peak, self.server.rss_bytes())
            except OSError:
                return
            time.sleep(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def idle_rss(server: Server, settle: float = 1.0) -> int:
    """RSS after a short pause with no requests (median of a few samples)."""
    time.sleep(settle)
    samples = sorted(server.rss_bytes() for _ in range(5) if time.sleep(0.05) is None)
    return samples[len(samples) // 2]


def measure_export(
    server: Server, query: Query, timeout: float = 600.0
) -> ExportResult:
    """Stream `query` from an idle `server`, counting lines, while sampling its RSS."""
    idle = idle_rss(server)
    reset = server.reset_hwm()
    sampler = _RssSampler(server)
    sampler.start()
    nbytes = lines = 0
    first_byte = None
    started = time.perf_counter()
    with (
        httpx.Client(timeout=timeout) as client,
        client.stream(
            "POST",
            server.url,
            content=query.text.encode("utf-8"),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/n-triples",
                "Accept-Encoding": "identity",  # count the N-Triples lines, not gzip bytes
            },
        ) as response,
    ):
        headers_at = time.perf_counter() - started
        for chunk in response.iter_raw(1 << 16):
            if first_byte is None and chunk:
                first_byte = time.perf_counter() - started
            nbytes += len(chunk)
            lines += chunk.count(b"\n")
        status = response.status_code
    total = time.perf_counter() - started
    peak = sampler.stop()
    if reset:
        peak = max(peak, server.hwm_bytes())
    return ExportResult(
        server=server.name,
        status=status,
        triples=lines,
        bytes=nbytes,
        headers_s=headers_at,
        first_byte_s=first_byte if first_byte is not None else total,
        total_s=total,
        idle_rss=idle,
        peak_rss=max(peak, idle),
        hwm_reset=reset,
    )
