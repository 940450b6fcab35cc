"""The embedded store: one DuckDB file under the user's data directory.

Holds fetched HTS schedules and computed panels (and, later, scenario runs) with their metadata. Every
write is one transaction: an interrupted run leaves the store as it was. A file that is not a DuckDB
database, or a database without tariffscope's catalog, is reported as corrupt and never overwritten.

The location is ``$TARIFFSCOPE_HOME/tariffscope.duckdb`` when ``TARIFFSCOPE_HOME`` is set, else the
platform's user data directory (``~/.local/share/tariffscope`` on Linux).

>>> import tempfile, polars as pl
>>> with tempfile.TemporaryDirectory() as d:
...     s = Store(d + "/t.duckdb")
...     _ = s.save_frame("demo", pl.DataFrame({"a": [1, 2]}), kind="panel", meta={"x": 1})
...     s.load_frame("demo")["a"].to_list()
[1, 2]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from tariffscope.errors import InputError, StoreError

_CATALOG = "tariffscope_catalog"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def data_dir() -> Path:
    """The folder of tariffscope's data (store, downloads)."""
    env = os.environ.get("TARIFFSCOPE_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("tariffscope", appauthor=False))


def default_store_path() -> Path:
    return data_dir() / "tariffscope.duckdb"


def _table_name(name: str) -> str:
    digest = hashlib.sha1(name.encode()).hexdigest()[:16]
    return f"t_{digest}"


class Store:
    """A DuckDB-backed store of named frames with metadata."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._check()

    def _connect(self) -> Any:
        import duckdb

        try:
            return duckdb.connect(str(self.path))
        except (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException,
                duckdb.InternalException) as exc:
            raise StoreError(
                f"the store at {self.path} is corrupt or not a DuckDB file ({str(exc).splitlines()[0]}); "
                "move it aside (it is not overwritten) and run again to start a new store"
            ) from None

    def _check(self) -> None:
        existed = self.path.exists() and self.path.stat().st_size > 0
        con = self._connect()
        try:
            tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if existed and tables and _CATALOG not in tables:
                raise StoreError(
                    f"{self.path} is a DuckDB file but not a tariffscope store (no catalog table); "
                    "point TARIFFSCOPE_HOME elsewhere or move the file aside"
                )
            if _CATALOG not in tables:
                con.execute(
                    f"CREATE TABLE {_CATALOG} (name VARCHAR PRIMARY KEY, kind VARCHAR, table_name VARCHAR, "
                    "created TIMESTAMP, rows BIGINT, content_hash VARCHAR, version VARCHAR, meta JSON)"
                )
        finally:
            con.close()

    def save_frame(self, name: str, frame: Any, kind: str, meta: dict[str, Any] | None = None) -> str:
        """Store a polars frame under ``name`` (replacing it) in one transaction; returns its content hash."""
        import polars as pl

        from tariffscope import __version__

        if not _NAME_RE.match(name):
            raise InputError(f"store name '{name}' may use letters, digits and _.:- (1-100 characters)")
        if not isinstance(frame, pl.DataFrame):
            raise InputError("save_frame takes a polars DataFrame")
        content_hash = hashlib.sha256(frame.hash_rows().to_numpy().tobytes()).hexdigest()[:32] if frame.height else ""
        table = _table_name(name)
        arrow = frame.to_arrow()  # noqa: F841 - referenced by name in SQL
        con = self._connect()
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM arrow")
            con.execute(f"DELETE FROM {_CATALOG} WHERE name = ?", [name])
            con.execute(
                f"INSERT INTO {_CATALOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [name, kind, table, dt.datetime.now(), frame.height, content_hash, __version__,
                 json.dumps(meta or {}, default=str)],
            )
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):  # rollback after a failed transaction may itself fail
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        return content_hash

    def load_frame(self, name: str) -> Any:
        """The polars frame stored under ``name``."""
        con = self._connect()
        try:
            found = con.execute(f"SELECT table_name FROM {_CATALOG} WHERE name = ?", [name]).fetchall()
            row = found[0] if found else None
            if row is None:
                known = [r[0] for r in con.execute(f"SELECT name FROM {_CATALOG} ORDER BY name").fetchall()]
                raise InputError(f"nothing named '{name}' in the store; stored: {', '.join(known) or '(empty)'}")
            return con.sql(f"SELECT * FROM {row[0]}").pl()
        finally:
            con.close()

    def meta(self, name: str) -> dict[str, Any]:
        """The catalog entry of ``name``."""
        for entry in self.list():
            if entry["name"] == name:
                return entry
        raise InputError(f"nothing named '{name}' in the store")

    def list(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Catalog entries, newest first."""
        con = self._connect()
        try:
            q = f"SELECT name, kind, created, rows, content_hash, version, meta FROM {_CATALOG}"
            args: list[Any] = []
            if kind:
                q += " WHERE kind = ?"
                args.append(kind)
            rows = con.execute(q + " ORDER BY created DESC", args).fetchall()
        finally:
            con.close()
        return [
            {"name": r[0], "kind": r[1], "created": r[2].isoformat(), "rows": r[3], "content_hash": r[4],
             "version": r[5], "meta": json.loads(r[6]) if r[6] else {}}
            for r in rows
        ]
