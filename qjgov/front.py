"""The app on several processes behind nginx: `python -m qjgov.serve --replicas N --port P`.

One Streamlit process draws every page in one Python interpreter, so on one core. The front
starts N of them (each `python -m qjgov.serve`, with its head start, headless on a free
127.0.0.1 port) and Debian's nginx on port P in front of them, so the machine's cores share
the visitors.

A visitor's session lives in the process that opened it: its websocket, and the files it
hands out (downloads and media under `/media/`, uploads under `/_stcore/`) exist only
there. Open-source nginx has no sticky-cookie directive, so the front makes one: a response
to a request without the `qjgov_replica` cookie sets it to that request's random id, and
nginx picks the replica by a consistent hash of the cookie (of the request id until the
browser has it). Every later request of that browser lands on the same replica; new
visitors spread over all of them.

nginx runs in the foreground from a config written into a runtime directory (its pid,
logs, temporary paths there; it needs no root), proxies the websocket with long read
timeouts and, in the public and office settings, closes what qjgov.guard closes in each
replica (in the office setting uploads pass on to the replica, whose guard lets only those
who may import upload). Ctrl+C or SIGTERM stops nginx and every replica; a replica that
exits is reported and started again.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from qjgov import guard, settings
from qjgov.paths import ROOT, WAREHOUSE

NGINX_MISSING = (
    "nginx is not installed: run `bash .ci/install-front.sh` as root (Debian's nginx), "
    "or serve one process with --replicas 1"
)
COOKIE = "qjgov_replica"
MAX_REPLICAS = 16
START_WAIT = 180.0  # seconds for a replica (import, preload, first health answer) on a busy machine
# A replica that exits sooner than this after its start would only exit again: left down.
STEADY_AFTER = 30.0


def nginx_binary() -> str:
    """The nginx to run, or SystemExit naming the script that installs it."""
    # /usr/sbin is not on every user's PATH.
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        raise SystemExit(NGINX_MISSING)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def take_option(options: list[str], name: str) -> tuple[str | None, list[str]]:
    """The value of `--name value` or `--name=value` in `options` (the last one given), and
    the options without it."""
    value, rest, i = None, [], 0
    while i < len(options):
        option = options[i]
        if option == name and i + 1 < len(options):
            value, i = options[i + 1], i + 2
            continue
        if option.startswith(name + "="):
            value = option.split("=", 1)[1]
        else:
            rest.append(option)
        i += 1
    return value, rest


def upload_limit_mb(options: list[str]) -> int:
    """Streamlit's `server.maxUploadSize` for these options (flag, environment, config files)."""
    given, _ = take_option(options, "--server.maxUploadSize")
    given = given if given is not None else os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")
    if given is not None:
        try:
            return int(given)
        except ValueError:
            raise SystemExit(f"server.maxUploadSize must be a whole number of megabytes, not {given!r}") from None
    from streamlit import config

    return int(config.get_option("server.maxUploadSize"))


def nginx_config(run_dir: Path, address: str, port: int, replica_ports: list[int], public: bool, body_mb: int,
                 office: bool = False) -> str:
    """nginx's whole configuration for the front (see the module's docstring). `public`:
    close what qjgov.guard closes; with `office` too, uploads pass on to the replica's guard,
    which alone can tell who signed in."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in replica_ports)
    temp = run_dir / "temp"
    closed = ""
    if public:
        paths = guard.METRICS_PATH if office else guard.CLOSED_PATHS
        frame = "\n".join(f'        add_header {name.decode().title()} "{value.decode()}" always;' for name, value in guard.FRAME_HEADERS)
        hidden = "\n".join(f"        proxy_hide_header {name.decode().title()};" for name, _ in guard.FRAME_HEADERS)
        closed = f"""
{frame}
{hidden}
        # What the public setting does not use (qjgov/guard.py refuses the same in each replica).
        location ~ {paths.pattern} {{
            return 403;
        }}"""
    listen = f"[{address}]:{port}" if ":" in address else f"{address}:{port}" if address else str(port)
    return f"""# Written by `python -m qjgov.serve --replicas {len(replica_ports)}` at every start (qjgov/front.py).
daemon off;
worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    log_format front '$remote_addr [$time_local] "$request_method $uri" $status $body_bytes_sent '
                     'upstream=$upstream_addr visitor=$visitor $request_time';
    access_log {run_dir}/access.log front;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server_tokens off;

    # Bodies are bounded here and streamed to the replica, responses streamed to the
    # visitor: nginx's workers never write temporary files.
    client_max_body_size {body_mb}m;
    proxy_request_buffering off;
    proxy_max_temp_file_size 0;

    # The sticky cookie: a visitor without one is hashed by its request's id, and that id
    # becomes its cookie, so its next requests hash alike.
    map $cookie_{COOKIE} $visitor {{
        ""      $request_id;
        default $cookie_{COOKIE};
    }}
    map $cookie_{COOKIE} $new_visitor_cookie {{
        ""      "{COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      "";
    }}

    upstream replicas {{
        hash $visitor consistent;
{servers}
        keepalive 32;
    }}

    server {{
        listen {listen};
        add_header Set-Cookie $new_visitor_cookie always;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
{closed}
        # The session's websocket: open as long as the visitor's tab.
        location ~ (^|/)_stcore/stream$ {{
            proxy_pass http://replicas;
            proxy_buffering off;
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
        }}

        location / {{
            proxy_pass http://replicas;
        }}
    }}
}}
"""


_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def _start(command: list[str], name: str, on_orphan: signal.Signals) -> subprocess.Popen:
    """`command` with its output copied to stderr, each line marked with `name`. The kernel
    sends the child `on_orphan` when the front's process ends, however it ends, so a front
    killed outright leaves nothing behind: SIGTERM lets nginx's master stop its workers;
    a replica gets SIGKILL, as its way of stopping prints to the front that is gone."""
    def die_with_the_front() -> None:
        _PRCTL(PR_SET_PDEATHSIG, on_orphan)

    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                               preexec_fn=die_with_the_front if _PRCTL else None)

    def copy() -> None:
        for line in process.stdout:
            print(f"[{name}] {line.rstrip()}", file=sys.stderr, flush=True)

    threading.Thread(target=copy, daemon=True).start()
    return process


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Replica:
    number: int
    port: int
    command: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    down: bool = False

    @property
    def name(self) -> str:
        return f"replica {self.number}"

    def start(self) -> None:
        self.process = _start(self.command, self.name, signal.SIGKILL)
        self.started = time.monotonic()


class Stopped(Exception):
    """SIGTERM, as Ctrl+C is KeyboardInterrupt."""


def _raise_stopped(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    raise Stopped


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run(script: str, replicas: int, port: int, options: list[str], run_dir: Path | None = None) -> int:
    """Serve `script` on `replicas` processes behind nginx on `port` until stopped; the exit
    status. `options` go to every replica's `streamlit run`, except `--server.address`,
    which is where the front listens (all interfaces unless given)."""
    if not 1 <= replicas <= MAX_REPLICAS:
        raise SystemExit(f"--replicas must be between 1 and {MAX_REPLICAS}, not {replicas}")
    nginx = nginx_binary()
    address, options = take_option(options, "--server.address")
    _, options = take_option(options, "--server.port")
    _, options = take_option(options, "--server.headless")
    mode = settings.mode()
    public = mode != "local"  # guarded: the office setting closes what the public one does, but uploads
    body_mb = 1 if mode == "public" else upload_limit_mb(options) + 1  # + the multipart envelope
    own_dir = run_dir is None
    run_dir = Path(tempfile.mkdtemp(prefix="qjgov-front-")) if run_dir is None else run_dir
    run_dir.mkdir(parents=True, exist_ok=True)

    fleet = []
    for number in range(1, replicas + 1):
        replica_port = free_port()
        command = [sys.executable, "-m", "qjgov.serve", script, *options, "--server.port", str(replica_port),
                   "--server.address", "127.0.0.1", "--server.headless", "true"]
        fleet.append(Replica(number, replica_port, command))
    config_file = run_dir / "nginx.conf"
    config_file.write_text(nginx_config(run_dir, address or "", port, [r.port for r in fleet], public, body_mb,
                                        office=mode == "office"), encoding="utf-8")
    (run_dir / "temp").mkdir(exist_ok=True)
    nginx_command = [nginx, "-p", str(run_dir), "-c", str(config_file), "-e", str(run_dir / "error.log")]
    checked = subprocess.run([*nginx_command, "-t", "-q"], capture_output=True, text=True)
    if checked.returncode != 0:
        print(f"nginx refused the front's config {config_file}:\n{checked.stderr.strip()}", file=sys.stderr)
        return 1

    if Path(script).resolve() == ROOT / "app.py" and not WAREHOUSE.exists():
        # Each replica would build the missing demo for its first visitor, all at once into
        # the same landing zone: built once here instead, as `make run` does.
        print(f"no warehouse at {WAREHOUSE}: building the demo first …", file=sys.stderr, flush=True)
        built = subprocess.run([sys.executable, "-m", "qjgov.demo", "--target", str(WAREHOUSE)])
        if built.returncode != 0:
            return built.returncode

    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    front = None
    try:
        print(f"starting {replicas} replicas of {Path(script).name} ({mode} setting; "
              f"nginx logs in {run_dir}) …", file=sys.stderr, flush=True)
        for replica in fleet:
            replica.start()
        waiting, deadline = list(fleet), time.monotonic() + START_WAIT
        while waiting:
            for replica in list(waiting):
                if replica.process.poll() is not None:
                    print(f"{replica.name} exited with {replica.process.returncode} before it answered: stopping",
                          file=sys.stderr, flush=True)
                    return 1
                if _healthy(f"http://127.0.0.1:{replica.port}"):
                    print(f"{replica.name} answers on 127.0.0.1:{replica.port}", file=sys.stderr, flush=True)
                    waiting.remove(replica)
            if waiting and time.monotonic() > deadline:
                print(f"{', '.join(r.name for r in waiting)} did not answer within {START_WAIT:.0f} s: stopping",
                      file=sys.stderr, flush=True)
                return 1
            time.sleep(0.2)
        front = _start(nginx_command, "nginx", signal.SIGTERM)
        everywhere = address in (None, "", "0.0.0.0", "::")
        host = "127.0.0.1" if everywhere else f"[{address}]" if ":" in address else address
        checked_url = f"http://{host}:{port}"
        deadline = time.monotonic() + 30
        while not _healthy(checked_url):
            if front.poll() is not None or time.monotonic() > deadline:
                print(f"nginx did not answer on port {port}:\n{_tail(run_dir / 'error.log')}", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.1)
        print(f"serving on http://{'localhost' if everywhere else host}:{port} ({replicas} replicas; Ctrl+C stops)", file=sys.stderr, flush=True)
        return _watch(front, fleet, run_dir)
    except (KeyboardInterrupt, Stopped):
        print("stopping the front and its replicas …", file=sys.stderr, flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop([p for p in [front, *(r.process for r in fleet)] if p is not None])
        if own_dir:
            shutil.rmtree(run_dir, ignore_errors=True)


def _watch(front: subprocess.Popen, fleet: list[Replica], run_dir: Path) -> int:
    """Until stopped: start a replica that exits again, unless it exited soon after its own
    start (it would only exit again); stop when nginx exits or no replica is left."""
    while True:
        time.sleep(0.5)
        if front.poll() is not None:
            if front.returncode in (0, -signal.SIGINT, -signal.SIGTERM):  # Ctrl+C reached nginx first (the whole process group)
                print("stopping the front and its replicas …", file=sys.stderr, flush=True)
                return 0
            print(f"nginx exited with {front.returncode}:\n{_tail(run_dir / 'error.log')}", file=sys.stderr, flush=True)
            return 1
        for replica in fleet:
            if replica.down or replica.process.poll() is None:
                continue
            ran = time.monotonic() - replica.started
            code = replica.process.returncode
            if ran < STEADY_AFTER:
                replica.down = True
                print(f"{replica.name} (127.0.0.1:{replica.port}) exited with {code} {ran:.0f} s after its start: "
                      "left down, its visitors move to the others", file=sys.stderr, flush=True)
            else:
                print(f"{replica.name} (127.0.0.1:{replica.port}) exited with {code}: starting it again; "
                      "its visitors' sessions start over", file=sys.stderr, flush=True)
                replica.start()
        if all(replica.down for replica in fleet):
            print("no replica is left: stopping", file=sys.stderr, flush=True)
            return 1
