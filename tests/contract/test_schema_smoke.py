from sqlalchemy import Engine, inspect


def test_schema_creates_every_table(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {"runs", "run_kv", "series", "series_chunks", "stream_offsets"} <= names
