"""Write the generated documentation pages (``make docs``); ``--check`` only compares."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cairn.cli.envdoc import PAGE, render_page  # noqa: E402


def main() -> int:
    target = ROOT / PAGE
    text = render_page()
    if "--check" in sys.argv[1:]:
        if not target.is_file() or target.read_text() != text:
            print(f"{PAGE} is out of date: run make docs", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
