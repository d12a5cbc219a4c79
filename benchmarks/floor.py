"""The reference floor: a bare WSGI app with no framework, answering a stored JSON body from one
indexed query per request. The API is measured as a share of what this serves."""

import os
import sqlite3
from urllib.parse import urlparse

DATABASE_URL = os.environ["FLOOR_DATABASE_URL"]
_connection = None


def _query(path: str):
    global _connection
    if DATABASE_URL.startswith("postgres"):
        import psycopg

        if _connection is None:
            _connection = psycopg.connect(DATABASE_URL, autocommit=True)
        return _connection.execute("SELECT body FROM bench_floor WHERE path = %s", (path,)).fetchone()
    if _connection is None:
        _connection = sqlite3.connect(urlparse(DATABASE_URL).path, check_same_thread=False)
    return _connection.execute("SELECT body FROM bench_floor WHERE path = ?", (path,)).fetchone()


def application(environ, start_response):
    row = _query(environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""))
    if row is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    body = row[0].encode() if isinstance(row[0], str) else bytes(row[0])
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
