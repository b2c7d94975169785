"""Write the generated documentation pages (``make docs``); ``--check`` only compares."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cairn.cli import clidoc, envdoc  # noqa: E402


def main() -> int:
    stale = 0
    for page, render in ((envdoc.PAGE, envdoc.render_page), (clidoc.PAGE, clidoc.render_page)):
        target = ROOT / page
        text = render()
        if "--check" in sys.argv[1:]:
            if not target.is_file() or target.read_text() != text:
                print(f"{page} is out of date: run make docs", file=sys.stderr)
                stale = 1
            continue
        target.write_text(text)
        print(f"wrote {page}")
    return stale


if __name__ == "__main__":
    sys.exit(main())
