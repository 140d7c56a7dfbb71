"""`fimrl sql`: the named analysis queries, or free SQL, printed as a table, CSV or JSON.

``fimrl sql list`` names the queries; ``fimrl sql NAME [--run R] [--limit N]`` runs one (each
reads a view of migration 0002, see :mod:`fimrl.db.queries`); ``fimrl sql "SELECT ..."`` runs
one statement of free SQL. Everything runs in a READ ONLY transaction that the database
enforces, so a write is refused by PostgreSQL itself, unless ``--write`` is given. A database
error (bad SQL, a refused write, the statement timeout) prints the database's message and
exits with status 2, never a traceback.

It connects as ``fimrl_reader`` (``--write``: ``fimrl_writer``), never as the database owner:
a superuser's SQL reaches the server's files and programs even read-only (:mod:`fimrl.db.roles`).
A connection that turns out to be a superuser is refused unless ``--allow-superuser``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import json
import re
import sys
import uuid
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
import typer
from psycopg import capabilities, pq
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fimrl.commands.config_cmd import load_settings
from fimrl.config import mask_url
from fimrl.db import queries
from fimrl.db.session import libpq_url
from fimrl.services.probe import database_unreachable

# Piped output keeps whole rows (a terminal's own width otherwise).
console = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)

#: Rows a table shows unless --limit says otherwise (CSV and JSON print every row).
TABLE_ROWS = 100
#: Rows fetched at a time while reading a free query's result.
CHUNK = 500
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class SqlFailed(Exception):
    """The database refused the statement (or could not be reached): one line to print."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@dataclass
class Result:
    """What one statement gave back."""

    columns: list[str] | None = None
    rows: list[Sequence[Any]] = field(default_factory=list)
    truncated: bool = False
    status: str | None = None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def db_message(exc: psycopg.Error) -> str:
    """The database's own words: primary message (+ detail and hint), else the first line."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if diag is None or not primary:
        return _first_line(exc)
    parts = [primary]
    if diag.message_detail:
        parts.append(diag.message_detail.splitlines()[0])
    if diag.message_hint:
        parts.append(f"hint: {diag.message_hint.splitlines()[0]}")
    position = diag.statement_position
    if position:
        parts.append(f"at character {position}")
    return "; ".join(parts)


def connect(url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(libpq_url(url), connect_timeout=10)
    except psycopg.Error as exc:
        first = _first_line(exc)
        if "role" in first and "does not exist" in first:
            raise SqlFailed(
                f"cannot connect to {mask_url(url)}: {first}. `fimrl db upgrade` creates the "
                "roles where it may; elsewhere an administrator runs the SQL that "
                "`fimrl db sql-roles` prints (or set FIMRL_SQL_READER_URL / FIMRL_SQL_WRITER_URL)."
            ) from None
        raise SqlFailed(database_unreachable(mask_url(url), first)) from None


def refuse_superuser(conn: psycopg.Connection[Any], url: str) -> None:
    """A superuser's SQL reaches the server's files and programs: not without being told."""
    if conn.info.parameter_status("is_superuser") == "on":
        raise SqlFailed(
            f"{mask_url(url)} connects as superuser {conn.info.user!r}, whose SQL can reach the "
            "server's files and programs; point FIMRL_SQL_READER_URL / FIMRL_SQL_WRITER_URL at "
            "a non-superuser role, or pass --allow-superuser"
        )


def _describe(conn: psycopg.Connection[Any], sql: str) -> list[str] | None:
    """Parse ``sql`` as one prepared statement (several statements are refused by the server)
    and return its result columns, or None for a statement that returns no rows."""
    name = f"fimrl_sql_{uuid.uuid4().hex[:8]}".encode()
    pgconn = conn.pgconn
    res = pgconn.prepare(name, sql.encode(conn.info.encoding))
    if res.status != pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(res, encoding=conn.info.encoding)
    try:
        desc = pgconn.describe_prepared(name)
        if desc.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(desc, encoding=conn.info.encoding)
        if desc.nfields == 0:
            return None
        return [
            (desc.fname(i) or b"?column?").decode(conn.info.encoding) for i in range(desc.nfields)
        ]
    finally:
        pgconn.exec_(b"DEALLOCATE " + name)


def execute(
    url: str,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    write: bool = False,
    limit: int | None = None,
    timeout_s: float = 60.0,
    allow_superuser: bool = False,
) -> Result:
    """Run one statement; read-only (enforced by PostgreSQL) unless ``write``.

    ``params`` (psycopg ``%(name)s`` style) marks a named query, whose SQL carries its own
    LIMIT; free SQL (``params`` None) must be a single statement and is read ``limit`` rows
    at a time, so a huge result is never loaded whole just to show its first rows.
    """
    conn = connect(url)
    try:
        if not allow_superuser:
            refuse_superuser(conn, url)
        timeout_ms = str(max(0, int(timeout_s * 1000)))
        with conn.cursor() as cur:
            if write:
                conn.autocommit = True  # one statement, committed by the server on success
                cur.execute("SELECT set_config('statement_timeout', %s, false)", [timeout_ms])
            else:
                cur.execute("SET TRANSACTION READ ONLY")
                cur.execute("SELECT set_config('statement_timeout', %s, true)", [timeout_ms])
                # Take the snapshot now: past this point `SET TRANSACTION READ WRITE` in the
                # user's statement is refused by the server.
                cur.execute("SELECT 1")
            if params is not None:
                cur.execute(sql, params)
                return Result(
                    columns=[d.name for d in cur.description or []],
                    rows=cur.fetchall() if cur.description else [],
                    status=cur.statusmessage,
                )
            columns = _describe(conn, sql)
            if columns is None:
                cur.execute(sql, binary=True)  # binary forces the extended protocol
                return Result(status=cur.statusmessage)
            result = Result(columns=columns)
            # A write that returns rows (DELETE ... RETURNING) is read to its end: stopping
            # early cancels the statement, which would undo it.
            keep = None if write or not limit else limit
            size = CHUNK if capabilities.has_stream_chunked() else 1
            # A generator (closing it cancels the statement), typed by psycopg as an Iterator.
            stream = cast(Generator[Any, None, None], cur.stream(sql, size=size))
            try:
                for row in stream:
                    if keep is not None and len(result.rows) >= keep:
                        result.truncated = True  # closing the stream cancels the rest
                        break
                    result.rows.append(row)
            finally:
                stream.close()
            result.status = cur.statusmessage
            return result
    except psycopg.Error as exc:
        message = db_message(exc)
        sqlstate = getattr(exc, "sqlstate", None)
        if sqlstate == "25006" and not write:  # read_only_sql_transaction
            message += " (fimrl sql is read-only; add --write to change data)"
        elif sqlstate == "57014":  # query_canceled
            message += f" (--timeout {timeout_s:g} s)"
        raise SqlFailed(message, sqlstate) from None
    finally:
        if not conn.closed:
            if not conn.autocommit:
                with contextlib.suppress(psycopg.Error):
                    conn.rollback()
            conn.close()


# --------------------------------------------------------------------------- output


def _plain(value: Any) -> Any:
    """A JSON-ready value."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(_plain(value), ensure_ascii=False)
    plain = _plain(value)
    return plain if isinstance(plain, str) else str(plain)


def _display(value: Any) -> Text:
    if value is None:
        return Text("NULL", style="dim")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return Text(str(value))
        return Text(f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}")
    if isinstance(value, dt.datetime):
        return Text(value.isoformat(sep=" ", timespec="seconds"))
    text = _cell(value).replace("\r\n", "\n").replace("\n", " ↵ ")
    return Text(text if len(text) <= 100 else text[:99] + "…")


def print_table(title: str, result: Result, limit: int | None) -> None:
    columns = result.columns or []
    rows = result.rows[:limit] if limit else result.rows
    table = Table(title=title, title_justify="left")
    numeric = [
        bool(rows)
        and all(isinstance(r[i], int | float | decimal.Decimal) for r in rows if r[i] is not None)
        for i in range(len(columns))
    ]
    for name, is_number in zip(columns, numeric, strict=True):
        table.add_column(name, justify="right" if is_number else "left", overflow="fold")
    for row in rows:
        table.add_row(*(_display(v) for v in row))
    console.print(table)
    more = result.truncated or len(result.rows) > len(rows)
    shown = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    console.print(f"{shown}; more not shown (--limit N, or 0 for all)" if more else shown)


def print_csv(result: Result) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(result.columns or [])
    for row in result.rows:
        writer.writerow([_cell(v) for v in row])


def print_json(result: Result) -> None:
    columns = result.columns or []
    payload = [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in result.rows]
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")


def print_list(as_json: bool) -> None:
    if as_json:
        payload = [
            {
                "name": q.name,
                "view": q.view,
                "description": q.description,
                "filters": list(q.filters),
            }
            for q in queries.QUERIES
        ]
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
        return
    table = Table(
        title="named queries (fimrl sql NAME [--run R] [--limit N])", title_justify="left"
    )
    table.add_column("name", style="bold")
    table.add_column("view")
    table.add_column("description", overflow="fold")
    for q in queries.QUERIES:
        table.add_row(q.name, q.view, q.description)
    console.print(table)


def _fail(message: str) -> None:
    line = Text("error: ", style="bold red")
    line.append(message)
    err.print(line, highlight=False)
    raise typer.Exit(2)


def sql(
    query: str = typer.Argument(
        None,
        metavar="NAME|SQL",
        help="`list`, a named query (see `fimrl sql list`), or one SQL statement.",
    ),
    run: str = typer.Option(None, "--run", help="Named queries: only this run (by name)."),
    limit: int = typer.Option(
        None,
        "--limit",
        min=0,
        help=f"Rows to print (default {TABLE_ROWS} in a table, all with --csv/--json; 0: all).",
    ),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV (header row first)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of objects."),
    write: bool = typer.Option(
        False, "--write", help="Free SQL may change data (default: a read-only transaction)."
    ),
    timeout: float = typer.Option(
        60.0, "--timeout", min=0, help="Statement timeout in seconds (0: none)."
    ),
    allow_superuser: bool = typer.Option(
        False,
        "--allow-superuser",
        help="Run as the database owner (FIMRL_DATABASE_URL), even a superuser: its SQL can "
        "reach the server's files and programs.",
    ),
) -> None:
    """Named analysis queries or free SQL over every proof attempt, as a table, CSV or JSON."""
    if as_csv and as_json:
        _fail("choose one of --csv and --json")
    if query is not None and not query.strip():
        _fail("empty SQL")
    if query is None or query.strip().lower() == "list":
        print_list(as_json)
        return
    named = queries.lookup(query)
    if named is None and _NAME.match(query.strip()):
        _fail(
            f"no named query {query!r}; `fimrl sql list` shows them: {', '.join(queries.names())}"
        )
    if named is None and run is not None:
        _fail("--run filters named queries; in free SQL write the WHERE clause yourself")
    if named is not None and write:
        _fail("--write applies to free SQL; named queries only read")
    if limit is None:
        limit = 0 if (as_csv or as_json) else TABLE_ROWS

    from fimrl.db.roles import sql_url
    from fimrl.services.registry import database_url

    settings = load_settings()
    url = database_url(settings) if allow_superuser else sql_url(settings, write=write)
    try:
        if named is not None:
            text_sql, params = named.sql(
                limit=limit + 1 if limit else None, paramstyle="pyformat", run=run
            )
            result = execute(
                url,
                text_sql,
                params,
                limit=limit,
                timeout_s=timeout,
                allow_superuser=allow_superuser,
            )
            if limit and len(result.rows) > limit:
                result.truncated = True
                result.rows = result.rows[:limit]
            if run is not None and not result.rows:
                _refuse_unknown_run(url, run, timeout, allow_superuser)
            title = f"{named.name}" + (f" (run {run})" if run else "")
        else:
            result = execute(
                url,
                query,
                write=write,
                limit=limit,
                timeout_s=timeout,
                allow_superuser=allow_superuser,
            )
            title = "sql"
    except SqlFailed as exc:
        message = str(exc)
        if named is not None and exc.sqlstate == "42P01":  # undefined_table: no views yet
            message += " (the named queries are views of migration 0002: run `fimrl db upgrade`)"
        _fail(message)
        return
    if result.columns is None:
        # A statement without rows: say what the server did.
        suffix = "" if not write else " (committed)"
        console.print(f"{result.status or 'OK'}{suffix}", highlight=False)
        return
    if as_csv:
        print_csv(result)
    elif as_json:
        print_json(result)
    else:
        print_table(title, result, limit)


def _refuse_unknown_run(url: str, run: str, timeout: float, allow_superuser: bool) -> None:
    """An empty result for a run that does not exist is a typo, not an answer: name it."""
    known = execute(
        url,
        "SELECT name FROM runs ORDER BY id DESC",
        limit=0,
        timeout_s=timeout,
        allow_superuser=allow_superuser,
    )
    names = [str(row[0]) for row in known.rows]
    if run not in names:
        shown = ", ".join(names[:10]) + (" …" if len(names) > 10 else "")
        _fail(f"no run named {run!r}; runs: {shown or 'none yet'}")
