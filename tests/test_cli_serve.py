"""`onteam serve` and the command line as a whole: options, env, shutdown, sockets, errors."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from cli_run import DATA, assert_clean_failure, onteam, quad_count
from conftest import Server, free_port

from server.cli import uvicorn_options

COMMANDS = ("serve", "load", "query", "validate", "dump", "backup", "restore")


def test_help_lists_every_command() -> None:
    result = onteam("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_validate_command_exists() -> None:
    # Its behaviour (exit status, report) is tested where server/validate.py lives.
    result = onteam("validate", "--help")
    assert result.returncode == 0 and "--root" in result.stdout


def test_unknown_command_is_exit_2_without_traceback() -> None:
    assert_clean_failure(onteam("frobnicate"), 2)


def test_bad_environment_value_is_exit_2() -> None:
    result = onteam("query", "--memory", "ASK {}", env={"ONTEAM_WORKERS": "many"})
    assert_clean_failure(result, 2)
    assert "ONTEAM_WORKERS" in result.stderr


def test_update_token_from_environment_turns_writes_on(
    make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    server = make_server("--memory", env={"ONTEAM_UPDATE_TOKEN": "from-env"}, root=make_root(DATA))
    response = server.client.put("/store", params={"graph": "https://example.org/g"}, content="<https://example.org/a> <https://example.org/b> 1 .",
                                 headers={"Content-Type": "text/turtle", "Authorization": "Bearer from-env"})
    assert response.status_code == 201


def test_serve_on_a_store_in_use_fails_cleanly(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    make_server("--store", str(store), root=root)
    result = onteam("serve", "--store", str(store), "--port", str(free_port()), root=root)
    assert_clean_failure(result, 1)
    assert "in use" in result.stderr


def test_sigterm_shuts_down_cleanly_and_releases_the_store(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    server = make_server("--store", str(store), "--update-token", "t", root=root)
    server.client.put("/store", params={"graph": "https://example.org/kept"}, content="<https://example.org/a> <https://example.org/b> 1 .",
                      headers={"Content-Type": "text/turtle", "Authorization": "Bearer t"})
    server.process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal: the status says "SIGTERM".
    assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
    (tmp_path / "x.ttl").write_text("<https://example.org/x> <https://example.org/p> 2 .\n")
    assert onteam("load", "--store", str(store), str(tmp_path / "x.ttl")).returncode == 0  # lock released
    assert "<https://example.org/kept>" in onteam("dump", "--store", str(store)).stdout
    assert quad_count(store) > 2


async def _tiny_app(scope: dict, receive: Callable, send: Callable) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def uvicorn_server() -> Iterator[tuple[uvicorn.Server, int]]:
    """uvicorn with the options `onteam serve` uses, in a thread of this process."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_tiny_app, host="127.0.0.1", port=port, log_level="error", **uvicorn_options()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield server, port
    server.should_exit = True
    thread.join(timeout=30)


def test_accepted_connections_have_tcp_nodelay(uvicorn_server: tuple[uvicorn.Server, int]) -> None:
    # Without TCP_NODELAY, Nagle's algorithm and delayed ACKs stall small answers ~40 ms.
    _, port = uvicorn_server
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert client.recv(1024).startswith(b"HTTP/1.1 200")
        accepted = _server_side_of(client)
        assert accepted is not None
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        accepted.close()


def _server_side_of(client: socket.socket) -> socket.socket | None:
    """The accepted socket (in this process) whose peer is `client`, found among our fds."""
    for name in os.listdir("/proc/self/fd"):
        try:
            candidate = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        try:
            if candidate.type == socket.SOCK_STREAM and candidate.getpeername() == client.getsockname():
                return candidate
        except OSError:
            pass
        candidate.close()
    return None


def test_uvicorn_uses_httptools_and_uvloop_when_installed() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from server.upgrade import Protocol

    assert uvicorn_options() == {"http": Protocol, "loop": "uvloop"}
    assert issubclass(Protocol, HttpToolsProtocol)


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--workers", "0"], {}, "--workers or ONTEAM_WORKERS"),
        ([], {"ONTEAM_WORKERS": "0"}, "--workers or ONTEAM_WORKERS"),
        ([], {"ONTEAM_PORT": "70000"}, "--port or ONTEAM_PORT"),
        (["--port", "-1"], {}, "--port or ONTEAM_PORT"),
        (["--query-timeout", "0"], {}, "--query-timeout or ONTEAM_QUERY_TIMEOUT"),
        ([], {"ONTEAM_QUERY_TIMEOUT": "nan"}, "--query-timeout or ONTEAM_QUERY_TIMEOUT"),
        ([], {"ONTEAM_RESULT_CACHE_MB": "-1"}, "ONTEAM_RESULT_CACHE_MB"),
        ([], {"ONTEAM_QUEUE_TIMEOUT": "inf"}, "ONTEAM_QUEUE_TIMEOUT"),
    ],
)
def test_serve_out_of_range_setting_is_exit_2_naming_it(
    tmp_path: Path, args: list[str], env: dict[str, str], named: str
) -> None:
    result = onteam("serve", "--store", str(tmp_path / "store"), *args, env=env)
    assert_clean_failure(result, 2)
    assert named in result.stderr
    assert not (tmp_path / "store").exists()  # refused before the store was opened


def test_serve_option_wins_over_a_bad_environment_value(
    make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    # make_server passes --port and --store; the environment's values must not matter then.
    server = make_server("--workers", "1", env={"ONTEAM_PORT": "not-a-port", "ONTEAM_WORKERS": "0"},
                         root=make_root(DATA))
    assert server.client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_serve_no_read_only_overrides_the_environment(
    make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    server = make_server("--memory", "--no-read-only", "--update-token", "t",
                         env={"ONTEAM_READ_ONLY": "true"}, root=make_root(DATA))
    response = server.client.put("/store", params={"graph": "https://example.org/g"},
                                 content="<https://example.org/a> <https://example.org/b> 1 .",
                                 headers={"Content-Type": "text/turtle", "Authorization": "Bearer t"})
    assert response.status_code == 201


def test_serve_help_names_each_option_with_its_variable() -> None:
    text = onteam("serve", "--help").stdout
    for option, variable in (("--host", "ONTEAM_HOST"), ("--port", "ONTEAM_PORT"), ("--workers N", "ONTEAM_WORKERS"),
                             ("--store PATH", "ONTEAM_STORE"), ("--memory", "ONTEAM_MEMORY"),
                             ("--update-token TOKEN", "ONTEAM_UPDATE_TOKEN"), ("--read-only", "ONTEAM_READ_ONLY")):
        assert option in text and variable in text, option


def test_empty_environment_variables_mean_unset() -> None:
    from server.settings import Settings

    settings = Settings.from_env({"ONTEAM_HOST": "", "ONTEAM_STORE": "", "ONTEAM_PORT": "", "ONTEAM_UPDATE_TOKEN": ""})
    assert settings == Settings()  # not a store in ".", a host of None or a port error
