import { describe, expect, it } from "vitest";
import { completions } from "./autocomplete";
import { ExpressionError, formatValue, parseExpression, tokenize } from "./expression";

describe("parseExpression", () => {
  it("builds the same trees as the server's parser", () => {
    expect(parseExpression("config.lr > 0.01 and state = finished")).toEqual({
      $and: [{ "config.lr": { $gt: 0.01 } }, { state: { $eq: "finished" } }],
    });
    expect(parseExpression('summary.acc >= 0.9 or (tags in [a, b] and not name = "x y")')).toEqual({
      $or: [
        { "summary.acc": { $gte: 0.9 } },
        { $and: [{ tags: { $in: ["a", "b"] } }, { $not: { name: { $eq: "x y" } } }] },
      ],
    });
    expect(parseExpression("config.optimizer notin [sgd, rmsprop]")).toEqual({
      "config.optimizer": { $nin: ["sgd", "rmsprop"] },
    });
    expect(parseExpression("config.opt not in []")).toEqual({ "config.opt": { $nin: [] } });
    expect(parseExpression("not summary.acc exists")).toEqual({ $not: { "summary.acc": { $exists: true } } });
    expect(parseExpression("")).toEqual({});
    expect(parseExpression("   ")).toEqual({});
  });

  it("types values: ints, floats, bools, quoted numbers stay text, aliases are canonical", () => {
    expect(parseExpression("config.n = 3")).toEqual({ "config.n": { $eq: 3 } });
    expect(parseExpression("config.lr = 1e-4")).toEqual({ "config.lr": { $eq: 0.0001 } });
    expect(parseExpression("config.flag == TRUE")).toEqual({ "config.flag": { $eq: true } });
    expect(parseExpression('name = "1e3"')).toEqual({ name: { $eq: "1e3" } });
    expect(parseExpression("name = v1.2-rc")).toEqual({ name: { $eq: "v1.2-rc" } });
    expect(parseExpression("summary_metrics.acc < 1")).toEqual({ "summary.acc": { $lt: 1 } });
    expect(parseExpression("displayName = a")).toEqual({ name: { $eq: "a" } });
    expect(parseExpression(`"config.my key" = 'it\\'s'`)).toEqual({ "config.my key": { $eq: "it's" } });
    expect(parseExpression("NOT state = running OR state = failed")).toEqual({
      $or: [{ $not: { state: { $eq: "running" } } }, { state: { $eq: "failed" } }],
    });
  });

  it.each([
    ["config.lr >", "expected a value, found the end at column 12"],
    ["config.lr > 1 state = x", "expected 'and', 'or' or the end, found 'state' at column 15"],
    ["(config.lr > 1", "expected ')', found the end at column 15"],
    ["config.lr ? 1", "expected an operator (= != > >= < <= ~ ~* !~ !~* in notin contains exists), found '?' at column 11"],
    ["name ~", "expected a value, found the end at column 7"],
    ["name contains and", "expected a value, found keyword 'and'; quote it at column 15"],
    ["name ~ [a]", "expected a value, found '[' at column 8"],
    ["state ! 1", "unknown operator '!'; use = != > >= < <= ~ ~* !~ !~* at column 7"],
    ["config.lr => 1", "expected a value, found '>' at column 12"],
    ["lr > 1", "unknown field 'lr'; use one of id, name, state, group, job_type, host, notes, created_at, updated_at, heartbeat_at, sweep, tags, config.<key> or summary.<key> at column 1"],
    ['name = "open', "unterminated string (missing closing \") at column 8"],
    ["config.x = null", "null cannot be compared; use 'exists' or 'not ... exists' at column 12"],
    ["config.x in [1 2]", "expected ',' or ']' in the list, found '2' at column 16"],
    ["config.x in 1", "expected '[' to start a list, found '1' at column 13"],
    ["config.x = and", "expected a value, found keyword 'and'; quote it at column 12"],
    ["and", "expected a field such as config.lr, found 'and' at column 1"],
    ["config.x not 3", "expected 'in' after 'not', found '3' at column 14"],
  ])("explains %j", (source, message) => {
    expect(() => parseExpression(source)).toThrow(new ExpressionError(message.replace(/ at column \d+$/, ""), Number(/(\d+)$/.exec(message)?.[1])));
  });

  it("matches text with ~, ~*, !~, !~* and contains (the server's trees)", () => {
    expect(parseExpression('name ~ "^res.et"')).toEqual({ name: { $regex: "^res.et" } });
    expect(parseExpression("name ~* ^res")).toEqual({ name: { $regex: "^res", $options: "i" } });
    expect(parseExpression('name !~ "x"')).toEqual({ name: { $exists: true, $not: { $regex: "x" } } });
    expect(parseExpression("group !~* x")).toEqual({ group: { $exists: true, $not: { $regex: "x", $options: "i" } } });
    expect(parseExpression("name contains resnet")).toEqual({ name: { $contains: "resnet" } });
    expect(parseExpression("name CONTAINS 1e3")).toEqual({ name: { $contains: "1e3" } });
    expect(parseExpression("tags ~ true")).toEqual({ tags: { $regex: "true" } });
    expect(parseExpression('config.arch~"net$"')).toEqual({ "config.arch": { $regex: "net$" } });
    expect(parseExpression("not name contains x")).toEqual({ $not: { name: { $contains: "x" } } });
    // inside quotes a backslash escapes the next character: double it for a regex escape
    expect(parseExpression('name contains "100%" and tags ~ "^a\\\\.b" and name ~ ^x\\.y')).toEqual({
      $and: [{ name: { $contains: "100%" } }, { tags: { $regex: "^a\\.b" } }, { name: { $regex: "^x\\.y" } }],
    });
  });

  it("reports the column of the problem", () => {
    try {
      parseExpression("state = finished and");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressionError);
      expect((error as ExpressionError).column).toBe(21);
    }
  });

  it("tokenizes operators greedily and keeps columns", () => {
    expect(tokenize("a>=1").map((t) => [t.kind, t.text, t.column])).toEqual([
      ["word", "a", 1], ["op", ">=", 2], ["word", "1", 4], ["end", "", 5],
    ]);
  });

  it("formats values so they parse back to themselves", () => {
    for (const value of ["finished", "x y", "1e3", "and", 'q"uote', 3, 0.5, true]) {
      const tree = parseExpression(`name = ${formatValue(value)}`);
      expect(tree).toEqual({ name: { $eq: value } });
    }
  });
});

describe("completions", () => {
  const fields = ["config.lr", "config.optimizer", "summary.acc"];

  it("suggests fields at the start and after and/or/not/(", () => {
    expect(completions("con", 3, fields).map((c) => c.label)).toEqual(["config.lr", "config.optimizer"]);
    const after = completions("state = x and summ", 18, fields);
    expect(after.map((c) => c.label)).toEqual(["summary.acc"]);
    expect(after[0]).toMatchObject({ from: 14, to: 18 });
    expect(completions("(opt", 4, fields).map((c) => c.label)).toEqual(["config.optimizer"]);
  });

  it("suggests operators after a field and nothing inside a value", () => {
    expect(completions("config.lr ", 10, fields).map((c) => c.label)).toContain(">=");
    expect(completions("config.lr ex", 12, fields).map((c) => c.label)).toEqual(["exists"]);
    expect(completions("config.lr > 0.0", 15, fields)).toEqual([]);
  });
});
