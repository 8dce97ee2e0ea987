"""A pre-imported runner for the terminal tests: `python -m wizard` in a real pseudo-terminal
without paying the SDK's import (about 1.3 s of CPU) in every child.

One server per pytest worker imports flux-setup and the SDK once and waits on a Unix socket.
A test spawns the small client (`python -S -I tests/prefork.py run SOCKET ARGS...`, stdlib only)
in its pseudo-terminal, as it spawned `python -m wizard`. The client hands the server its three
standard streams (SCM_RIGHTS), its argv, environment and folder; the server forks a child that
takes them, makes the terminal its controlling one (job control, Ctrl-C and /dev/tty as the
program has them when started directly), and runs `wizard/__main__.py` as `python -m wizard`
would. The client forwards the signals it is sent, waits, and ends as the child ended (its
code, or the same signal). Tests that kill the process itself (SIGKILL campaigns) or read
what a fresh interpreter imports keep starting their own.
"""

from __future__ import annotations

import array
import json
import os
import signal
import socket
import sys

FDS = 3  # stdin, stdout, stderr


def _send(sock: socket.socket, payload: dict) -> None:
    data = json.dumps(payload).encode()
    fds = array.array("i", range(FDS))
    sock.sendmsg(
        [len(data).to_bytes(4, "big") + data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)]
    )


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    fds = array.array("i")
    head, ancillary, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(FDS * fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    size = int.from_bytes(head[:4], "big")
    body = head[4:]
    while len(body) < size:
        more = conn.recv(size - len(body))
        if not more:
            raise EOFError("the client went away")
        body += more
    return json.loads(body), list(fds)


# -- the client: stdlib only, started in the pseudo-terminal ---------------------------------


def client(path: str, argv: list[str]) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    _send(sock, {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()})
    reader = sock.makefile("r")
    pid = int(reader.readline())

    def forward(number: int, frame: object) -> None:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            pass

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGWINCH):
        signal.signal(number, forward)
    # the terminal is the child's now: this process keeps none of it open, so the terminal's
    # other end sees the end of output when the child (and what it started) is done
    null = os.open(os.devnull, os.O_RDWR)
    for fd in range(FDS):
        os.dup2(null, fd)
    status = int(reader.readline() or "256")
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


# -- the server: flux-setup and the SDK imported once, a fork per run ------------------------


def _child(request: dict, fds: list[int]) -> None:
    """In the fork: become `python -m wizard ARGS` in the client's terminal, folder and
    environment."""
    import io
    import runpy

    os.setsid()
    for number, fd in enumerate(fds):
        os.dup2(fd, number)
        if fd >= FDS:
            os.close(fd)
    if os.isatty(0):
        import fcntl
        import termios

        try:  # the controlling terminal, as a shell gives a program it starts
            fcntl.ioctl(0, termios.TIOCSCTTY, 1)
        except OSError:
            pass
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGWINCH, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tty = os.isatty(1)
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(
        io.FileIO(0, "r", closefd=False), encoding="utf-8", line_buffering=os.isatty(0)
    )
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=tty
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.argv = ["-m", *request["argv"]]
    code = 1
    try:
        runpy.run_module("wizard", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # as the interpreter would: the traceback, then 1
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    os._exit(code)


def _watch(conn: socket.socket) -> None:
    """In a fork of the server: start the child, tell the client its pid, then its end."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    request, fds = _receive(conn)
    pid = os.fork()
    if pid == 0:
        conn.close()
        _child(request, fds)
    for fd in fds:
        os.close(fd)
    conn.sendall(f"{pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    try:
        conn.sendall(f"{status}\n".encode())
    except OSError:
        pass


def serve(path: str) -> None:
    import anthropic  # noqa: F401  (the cost each child would otherwise pay)
    import prompt_toolkit  # noqa: F401
    import questionary  # noqa: F401
    import rich.console  # noqa: F401

    import wizard.cli
    import wizard.commands.run  # noqa: F401

    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    listener.settimeout(0.5)
    stopping = []
    signal.signal(signal.SIGTERM, lambda number, frame: stopping.append(number))
    print("ready", flush=True)
    watchers: set[int] = set()
    while os.getppid() == parent and not stopping:  # the worker that started it is there
        _reap(watchers, block=False)
        try:
            conn, _ = listener.accept()
        except (TimeoutError, InterruptedError):
            continue
        conn.settimeout(None)
        pid = os.fork()
        if pid == 0:
            listener.close()
            try:
                _watch(conn)
            finally:
                os._exit(0)
        watchers.add(pid)
        conn.close()
    _reap(watchers, block=True)


def _reap(watchers: set[int], *, block: bool) -> None:
    """Wait for the watchers that ended (all of them, at the end): so the CPU time of every
    run counts in the server's, and the worker's, as a child's would."""
    for pid in list(watchers):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            watchers.discard(pid)


# -- the test side ----------------------------------------------------------------------------

_server: dict = {}


def command(args: list[str]) -> tuple[str, list[str]]:
    """The program and arguments to spawn instead of `python -m wizard ARGS`."""
    if "path" not in _server:
        _start()
    return sys.executable, ["-S", "-I", __file__, "run", _server["path"], *args]


def shim_folder() -> str:
    """A folder holding a `flux-setup` that runs through this worker's server: put first on
    PATH, the shell recipes' `flux-setup` (docs/ci.md) pays no SDK import of its own."""
    program, argv = command([])
    shim = os.path.join(_server["folder"], "flux-setup")
    if not os.path.exists(shim):
        words = " ".join(f"'{word}'" for word in (program, *argv))
        with open(shim, "w") as file:
            file.write(f'#!/bin/sh\nexec {words} "$@"\n')
        os.chmod(shim, 0o755)
    return _server["folder"]


def _start() -> None:
    import subprocess
    import tempfile

    folder = tempfile.mkdtemp(prefix="flux-prefork-")
    path = os.path.join(folder, "socket")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # none of the test's own variables: the children take the client's environment whole
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    process = subprocess.Popen(
        [sys.executable, __file__, "serve", path],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        cwd=root,
        env={**env, "PYTHONPATH": root},
        start_new_session=True,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    _server.update(path=path, folder=folder, process=process)


def stop() -> None:
    """End this worker's server, if one was started (`tests/conftest.py`, at the session's
    end), and wait for it: its runs' CPU time counts in the worker's, as a child's would."""
    process = _server.pop("process", None)
    if process is None:
        return
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a run it waits for never ended: not the session's end
        process.kill()
        process.wait(timeout=10)
    import shutil

    _server.pop("path")
    shutil.rmtree(_server.pop("folder"), ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1] == "run":
        client(sys.argv[2], sys.argv[3:])
    else:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        serve(sys.argv[2])
