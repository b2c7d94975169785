"""The record and batch format shared by the SDK and the server; no other module encodes."""

from cairn.wire.batch import (
    CONTENT_TYPE,
    Batch,
    check_name,
    check_run_id,
    decode_batch,
    encode_batch,
)
from cairn.wire.columns import ColumnBlock, ColumnBlockBuilder, decode_column_block
from cairn.wire.packing import decode_record, encode_record, encode_records, of_kind
from cairn.wire.records import (
    WIRE_VERSION,
    Record,
    check_artifact_path,
    check_file_path,
    check_key,
    validate_record,
)

__all__ = [
    "CONTENT_TYPE",
    "WIRE_VERSION",
    "Batch",
    "ColumnBlock",
    "ColumnBlockBuilder",
    "Record",
    "check_artifact_path",
    "check_file_path",
    "check_key",
    "check_name",
    "check_run_id",
    "decode_batch",
    "decode_column_block",
    "decode_record",
    "encode_batch",
    "encode_record",
    "encode_records",
    "of_kind",
    "validate_record",
]
