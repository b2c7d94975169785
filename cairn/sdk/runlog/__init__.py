"""The run log: an append-only, CRC-framed file of wire records (the SDK's write-ahead log)."""
