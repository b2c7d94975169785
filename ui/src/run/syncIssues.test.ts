import { describe, expect, it } from "vitest";
import { parseSyncIssues } from "./syncIssues";

describe("parseSyncIssues", () => {
  it("lists the entries oldest first", () => {
    const value = {
      "ab:7": { kind: "file", what: "ckpt.pt", reason: "HTTP 413", at: 20 },
      "ab:2": { kind: "run", what: "2796228 bytes", reason: "HTTP 413", at: 10 },
    };
    expect(parseSyncIssues(value).map((i) => i.id)).toEqual(["ab:2", "ab:7"]);
    expect(parseSyncIssues(value)[1]).toEqual({ id: "ab:7", kind: "file", what: "ckpt.pt", reason: "HTTP 413", at: 20 });
  });

  it("leaves out what is not an entry", () => {
    expect(parseSyncIssues(undefined)).toEqual([]);
    expect(parseSyncIssues([{ kind: "run" }])).toEqual([]);
    expect(parseSyncIssues({ a: null, b: "x", c: { kind: 3 } })).toEqual([{ id: "c", kind: "?", what: "", reason: "", at: null }]);
  });
});
