"""How tests/assets/runlogs/v2 was built: the v1 fixture's records, an alert and an artifact
(wire 2), its blobs staged as a run leaves them. Kept for the record: the committed log is a
released format and must sync as it is forever, so do not regenerate it.

    PYTHONPATH=. python tests/assets/make_runlog_v2.py
"""

import hashlib
from pathlib import Path

from cairn.sdk.runlog.files import LogReader, LogWriter
from cairn.sdk.runlog.format import LogHeader
from cairn.wire import encode_record
from cairn.wire.records import alert_record, artifact_record

assets = Path("tests/assets/runlogs")
v1 = LogReader(assets / "v1" / "run-fixture1.cairn")
payloads = [f.payload for f in v1.frames(0, None)]
v1.close()
out = assets / "v2"
files = {"train.csv": b"x,y\n1,2\n3,4\n", "meta/readme.txt": b"fixture dataset, wire 2\n"}
entries = []
for path, data in files.items():
    sha = hashlib.sha256(data).hexdigest()
    (out / "artifact-staging" / sha).write_bytes(data)
    entries.append({"path": path, "sha256": sha, "size": len(data)})
entries.append(
    {
        "path": "remote/big.bin",
        "ref": "https://example.com/big.bin",
        "checksum": "etag:fixture",
        "size": 1000,
    }
)
header = LogHeader(
    bytes(range(16, 32)),
    "fixtures",
    "runlog-v2",
    "fixture2",
    1795000000.0,
    "http://127.0.0.1:8080",
    wire=2,
)
writer = LogWriter(out / "run-fixture2.cairn", header)
extra = [
    encode_record(
        alert_record("loss plateau", "no progress for 10 steps", "WARN", 1795000060.0, None)
    ),
    encode_record(
        artifact_record(
            "00112233445566778899aabbccddeeff",
            "fixture-ds",
            "dataset",
            entries,
            1795000090.0,
            description="a wire-2 fixture",
            metadata={"rows": 2},
            aliases=["golden"],
        )
    ),
]
writer.append(payloads[:-1] + extra + payloads[-1:])
writer.close()
