"""What every schema module shares: the one MetaData and the column types of both backends."""

from __future__ import annotations

from sqlalchemy import JSON, Integer, MetaData, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import BigInteger, TypeEngine

metadata = MetaData()

Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid, so BigInteger keys use a variant.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def code_point_string(length: int) -> TypeEngine[str]:
    """A string ordered by code point on SQLite and PostgreSQL alike (PostgreSQL collation "C")."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")
