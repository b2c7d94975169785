import { describe, expect, it } from "vitest";
import { commonTags, deleteQuestion, doneMessage, keepsSelection, parseTags } from "./bulk";

describe("parseTags", () => {
  it("splits on commas, trims, drops empty and repeated tags", () => {
    expect(parseTags(" baseline, resnet ,, baseline,")).toEqual(["baseline", "resnet"]);
    expect(parseTags("two words")).toEqual(["two words"]);
    expect(parseTags(" , ")).toEqual([]);
  });
});

describe("doneMessage", () => {
  it("says what happened to how many runs", () => {
    expect(doneMessage({ action: "tag", tags: ["a", "b"] }, 3)).toBe("Tagged 3 runs with a, b.");
    expect(doneMessage({ action: "untag", tags: ["a"] }, 1)).toBe("Removed a from 1 run.");
    expect(doneMessage({ action: "archive" }, 2)).toBe("Archived 2 runs.");
    expect(doneMessage({ action: "restore" }, 1)).toBe("Restored 1 run.");
    expect(doneMessage({ action: "move", project: "other" }, 4)).toBe("Moved 4 runs to other.");
    expect(doneMessage({ action: "delete" }, 1200)).toBe("Deleted 1,200 runs.");
  });
});

describe("keepsSelection", () => {
  it("keeps the runs selected after tagging only", () => {
    expect(keepsSelection({ action: "tag", tags: ["x"] })).toBe(true);
    expect(keepsSelection({ action: "untag", tags: ["x"] })).toBe(true);
    for (const action of ["archive", "restore", "delete"] as const) expect(keepsSelection({ action })).toBe(false);
    expect(keepsSelection({ action: "move", project: "p" })).toBe(false);
  });
});

describe("deleteQuestion", () => {
  it("names the count and that it cannot be undone", () => {
    expect(deleteQuestion(1)).toBe("Delete 1 run and all its data? This cannot be undone.");
    expect(deleteQuestion(3)).toBe("Delete 3 runs and all their data? This cannot be undone.");
    expect(deleteQuestion(3)).toContain("3 runs");
  });
});

describe("commonTags", () => {
  it("orders tags by how many runs carry them, then by name", () => {
    expect(commonTags([["b", "a"], ["a"], ["c", "a", "b"], []])).toEqual(["a", "b", "c"]);
    expect(commonTags([["x", "x"]])).toEqual(["x"]);
  });
});
