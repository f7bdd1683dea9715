"""Plain SQL against a test's case store, outside ogi's engine: what an operator's own client would see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, text

from infra.store import store_url


def sql_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query, read on a separate connection."""
    eng = create_engine(store_url(url))
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        eng.dispose()


def sql_run(url: str, *statements: str) -> None:
    """Run statements in one transaction (building an old schema by hand)."""
    eng = create_engine(store_url(url))
    try:
        with eng.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        eng.dispose()


def table_names(url: str) -> set[str]:
    """The tables the store holds."""
    eng = create_engine(store_url(url))
    try:
        return set(inspect(eng).get_table_names())
    finally:
        eng.dispose()
