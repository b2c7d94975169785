import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref } from "./markdown";

describe("safeHref", () => {
  it("keeps http(s) only", () => {
    expect(safeHref("https://example.com/a")).toBe("https://example.com/a");
    expect(safeHref("http://x.org")).toBe("http://x.org/");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref(" JavaScript:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,<b>")).toBeNull();
    expect(safeHref("/relative")).toBeNull();
  });
});

describe("parseInline", () => {
  it("reads code, strong, emphasis and links", () => {
    expect(parseInline("a `b` **c** *d* [e](https://e.org)")).toEqual([
      { kind: "text", text: "a " },
      { kind: "code", text: "b" },
      { kind: "text", text: " " },
      { kind: "strong", children: [{ kind: "text", text: "c" }] },
      { kind: "text", text: " " },
      { kind: "em", children: [{ kind: "text", text: "d" }] },
      { kind: "text", text: " " },
      { kind: "link", href: "https://e.org/", children: [{ kind: "text", text: "e" }] },
    ]);
  });
  it("turns an unsafe link into its text and keeps HTML as text", () => {
    expect(parseInline("[click](javascript:alert(1))")).toEqual([{ kind: "text", text: "click)" }]);
    expect(parseInline("<script>x</script>")).toEqual([{ kind: "text", text: "<script>x</script>" }]);
  });
  it("keeps unmatched markers and escapes as text", () => {
    expect(parseInline("2 * 3 and \\*x\\*")).toEqual([{ kind: "text", text: "2 * 3 and *x*" }]);
  });
});

describe("parseMarkdown", () => {
  it("reads headings, paragraphs, lists, code, quotes and rules", () => {
    const blocks = parseMarkdown("# Title\n\nsome\ntext\n\n- a\n- b\n\n1. one\n2. two\n\n```py\nx = 1\n```\n> quoted\n\n---\n");
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "list", "list", "code", "quote", "rule"]);
    expect(blocks[0]).toEqual({ kind: "heading", level: 1, children: [{ kind: "text", text: "Title" }] });
    expect(blocks[1]).toEqual({ kind: "paragraph", children: [{ kind: "text", text: "some text" }] });
    expect(blocks[2]).toMatchObject({ ordered: false, items: [[{ text: "a" }], [{ text: "b" }]] });
    expect(blocks[3]).toMatchObject({ ordered: true });
    expect(blocks[4]).toEqual({ kind: "code", text: "x = 1", lang: "py" });
  });
  it("keeps an unclosed code fence to the end", () => {
    expect(parseMarkdown("```\n# not a heading")).toEqual([{ kind: "code", text: "# not a heading", lang: "" }]);
  });
});
