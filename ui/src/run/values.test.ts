import { describe, expect, it } from "vitest";
import { valueText } from "./Values";

describe("valueText", () => {
  it("shows strings as they are and other values as indented JSON", () => {
    expect(valueText("warm\nup")).toBe("warm\nup");
    expect(valueText({ a: [1, true] })).toBe('{\n  "a": [\n    1,\n    true\n  ]\n}');
    expect(valueText(null)).toBe("null");
    expect(valueText(undefined)).toBe("");
  });
});
