import { describe, expect, it } from "vitest";
import { evaluate, expressionProblem, parseExpression, type Expr } from "./expression";

const KNOWN = new Set(["train/loss", "val/loss", "acc", "lr sched", "a", "b", "a/b/c"]);

function run(text: string, values: Record<string, number> = {}): number {
  const parsed = parseExpression(text, KNOWN);
  if (!parsed.ok) throw new Error(parsed.error);
  return evaluate(parsed.expr, (m) => values[m] ?? NaN);
}

function error(text: string, known: ReadonlySet<string> | null = KNOWN): { error: string; column: number } {
  const parsed = parseExpression(text, known);
  if (parsed.ok) throw new Error(`${text} parsed`);
  return { error: parsed.error, column: parsed.column };
}

describe("parseExpression", () => {
  it("reads bare names across / when the whole name is a known metric", () => {
    const parsed = parseExpression("val/loss - train/loss", KNOWN);
    expect(parsed.ok && parsed.metrics).toEqual(["val/loss", "train/loss"]);
    expect(run("val/loss - train/loss", { "val/loss": 0.5, "train/loss": 0.2 })).toBeCloseTo(0.3, 12);
  });

  it("divides where the joined name is not a metric, and always with spaces", () => {
    expect(run("a/b", { a: 6, b: 3 })).toBe(2);
    expect(run("a / b", { a: 6, b: 3 })).toBe(2);
    // a/b/c is a key: the longest known name wins
    const parsed = parseExpression("a/b/c * 2", KNOWN);
    expect(parsed.ok && parsed.metrics).toEqual(["a/b/c"]);
    // without known keys, / is always division
    const plain = parseExpression("val/loss", null);
    expect(plain.ok && plain.metrics).toEqual(["val", "loss"]);
  });

  it("takes any name in backticks, and numbers in every usual form", () => {
    expect(run("`lr sched` * 1e3 + .5 + 2.", { "lr sched": 0.002 })).toBeCloseTo(4.5, 12);
    const parsed = parseExpression("`val/loss` + `val/loss`");
    expect(parsed.ok && parsed.metrics).toEqual(["val/loss"]);
  });

  it("follows the usual precedence: ^ right-associative and above unary minus", () => {
    expect(run("1 + 2 * 3")).toBe(7);
    expect(run("(1 + 2) * 3")).toBe(9);
    expect(run("2 ^ 3 ^ 2")).toBe(512);
    expect(run("-2 ^ 2")).toBe(-4);
    expect(run("2 ^ -1")).toBe(0.5);
    expect(run("8 / 4 / 2")).toBe(1);
    expect(run("1 - 2 - 3")).toBe(-4);
    expect(run("--3")).toBe(3);
    expect(run("1 - acc", { acc: 0.25 })).toBe(0.75);
  });

  it("has log, exp, abs, sqrt, min and max", () => {
    expect(run("log(exp(2))")).toBeCloseTo(2, 12);
    expect(run("abs(-3) + sqrt(16)")).toBe(7);
    expect(run("min(3, a, 2) + max(a, b, 10)", { a: 1, b: 20 })).toBe(21);
    const tree = parseExpression("max(a, 1)");
    expect(tree.ok && tree.expr).toEqual<Expr>({
      kind: "call",
      fn: "max",
      args: [
        { kind: "metric", name: "a" },
        { kind: "number", value: 1 },
      ],
    });
  });

  it("gives IEEE results rather than failing: x/0, log of a negative, missing values", () => {
    expect(run("1 / 0")).toBe(Infinity);
    expect(Number.isNaN(run("log(-1)"))).toBe(true);
    expect(Number.isNaN(run("acc + 1"))).toBe(true);
  });

  it("says what is wrong and where", () => {
    expect(error("")).toEqual({ error: "the expression is empty", column: 1 });
    expect(error("1 +")).toMatchObject({ column: 4 });
    expect(error("1 +").error).toMatch(/expected a number/);
    expect(error("(1 + 2")).toEqual({ error: "expected `)` to close the `(` at column 1, found the end", column: 7 });
    expect(error("1 2")).toMatchObject({ column: 3, error: expect.stringMatching(/operator is missing/) as unknown });
    expect(error("foo(1)").error).toMatch(/unknown function `foo`/);
    expect(error("log(1, 2)").error).toBe("`log` takes 1 argument, got 2");
    expect(error("min(1)").error).toBe("`min` takes 2 or more arguments, got 1");
    expect(error("`open").error).toMatch(/not closed/);
    expect(error("a # b")).toMatchObject({ column: 3 });
    expect(error(")")).toMatchObject({ column: 1 });
    expect(error("1 ** 2").error).toMatch(/expected a number/);
  });

  it("refuses very deep nesting and very long text instead of overflowing", () => {
    expect(error("(".repeat(200) + "1" + ")".repeat(200)).error).toMatch(/nested more than/);
    expect(error("-".repeat(500) + "1").error).toMatch(/nested more than/);
    expect(error("1+".repeat(600) + "1").error).toMatch(/longer than/);
  });
});

describe("expressionProblem", () => {
  it("names unknown metrics and passes known ones", () => {
    expect(expressionProblem("val/loss - train/loss", KNOWN)).toBeNull();
    expect(expressionProblem("1 - accuracy", KNOWN)).toMatch(/no metric named `accuracy`/);
    expect(expressionProblem("1 +", KNOWN)).toMatch(/^column 4: /);
    expect(expressionProblem("1 + 2", KNOWN)).toMatch(/at least one metric/);
  });
});
