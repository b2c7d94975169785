import { describe, expect, it } from "vitest";
import { parseExpression } from "./expression";
import { nameSearchOf, withNameSearch } from "./search";

describe("the name search clause", () => {
  it("adds, updates and removes one clause, keeping the rest as typed", () => {
    expect(withNameSearch("", "res")).toBe('name contains "res"');
    const added = withNameSearch("config.lr > 0.01", "res");
    expect(added).toBe('config.lr > 0.01 and name contains "res"');
    expect(nameSearchOf(added)).toBe("res");
    const updated = withNameSearch(added, 'resnet "50"');
    expect(updated).toBe('config.lr > 0.01 and name contains "resnet \\"50\\""');
    expect(nameSearchOf(updated)).toBe('resnet "50"');
    expect(withNameSearch(updated, "")).toBe("config.lr > 0.01");
    expect(withNameSearch('name contains x and state = finished', "  ")).toBe("state = finished");
    expect(withNameSearch('name contains x', "")).toBe("");
    expect(withNameSearch("state = a AND name CONTAINS x AND tags in [b]", "y")).toBe(
      'state = a AND name contains "y" AND tags in [b]',
    );
  });

  it("parenthesizes a filter with a top-level or, and finds the clause after", () => {
    const added = withNameSearch("state = a or state = b", "res");
    expect(added).toBe('(state = a or state = b) and name contains "res"');
    expect(parseExpression(added)).toEqual({
      $and: [{ $or: [{ state: { $eq: "a" } }, { state: { $eq: "b" } }] }, { name: { $contains: "res" } }],
    });
    expect(withNameSearch(added, "x")).toBe('(state = a or state = b) and name contains "x"');
  });

  it("leaves other name clauses alone", () => {
    expect(nameSearchOf("not name contains x")).toBe("");
    expect(nameSearchOf('name ~ "x"')).toBe("");
    expect(withNameSearch('name ~ "x"', "y")).toBe('name ~ "x" and name contains "y"');
    expect(nameSearchOf('state = "unterminated')).toBe("");
  });
});
