import { describe, expect, it } from "vitest";
import type { ArtifactEntry } from "../api/artifacts";
import { aliasProblem, diffRows, diffSummary, formatDelta, metadataText, shortSha, ttlText } from "./format";

const file = (path: string, size: number | null, sha = "a".repeat(64)): ArtifactEntry => ({
  path, sha256: sha, size, md5: null, ref: null, checksum: null, extra: null,
});

describe("diffRows", () => {
  it("lists added, removed and changed paths by path with their sizes and deltas", () => {
    const rows = diffRows({
      added: [file("z.txt", 10)],
      removed: [file("a.txt", 2048)],
      changed: [{ path: "m.bin", before: file("m.bin", 100), after: file("m.bin", 40, "b".repeat(64)) }],
    });
    expect(rows).toEqual([
      { kind: "removed", path: "a.txt", before: 2048, after: null, delta: -2048 },
      { kind: "changed", path: "m.bin", before: 100, after: 40, delta: -60 },
      { kind: "added", path: "z.txt", before: null, after: 10, delta: 10 },
    ]);
  });

  it("leaves the delta unknown for a reference without a size", () => {
    const [row] = diffRows({ added: [], removed: [], changed: [{ path: "r", before: file("r", null), after: file("r", 5) }] });
    expect(row?.delta).toBeNull();
  });
});

describe("diffSummary", () => {
  it("counts each kind and sums the sizes", () => {
    expect(diffSummary({ added: [file("b", 1536)], removed: [], changed: [] })).toBe("1 added · +1.5 KiB");
    expect(
      diffSummary({ added: [file("b", 10)], removed: [file("a", 30)], changed: [{ path: "c", before: file("c", 1), after: file("c", 1) }] }),
    ).toBe("1 added, 1 removed, 1 changed · −20 B");
  });

  it("says when nothing differs", () => {
    expect(diffSummary({ added: [], removed: [], changed: [] })).toBe("The versions hold the same files.");
  });
});

describe("formatting", () => {
  it("signs size changes", () => {
    expect(formatDelta(0)).toBe("±0 B");
    expect(formatDelta(-512)).toBe("−512 B");
    expect(formatDelta(null)).toBe("—");
  });

  it("shortens digests and tells the TTL", () => {
    expect(shortSha("0123456789abcdef".repeat(4))).toBe("0123456789ab");
    expect(ttlText(null)).toBe("kept for good");
    expect(ttlText(1000 + 3 * 86400, 1000)).toBe("deleted in 3 days");
    expect(ttlText(999, 1000)).toMatch(/^expired/);
  });

  it("shows metadata as indented JSON text, nothing for none", () => {
    expect(metadataText({})).toBe("");
    expect(metadataText({ a: "<b>" })).toBe('{\n  "a": "<b>"\n}');
  });
});

describe("aliasProblem", () => {
  it("accepts the server's alias names and refuses the ones it keeps or forbids", () => {
    expect(aliasProblem("production")).toBeNull();
    expect(aliasProblem("best-2.0_a")).toBeNull();
    expect(aliasProblem("latest")).toMatch(/kept by the server/);
    expect(aliasProblem("v3")).toMatch(/kept by the server/);
    expect(aliasProblem("a/b")).toMatch(/letters, digits/);
    expect(aliasProblem("a..b")).toMatch(/no '\.\.'/);
    expect(aliasProblem("")).toBe("Type an alias.");
  });
});
