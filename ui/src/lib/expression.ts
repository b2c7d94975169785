/** Derived-metric expressions (`val/loss - train/loss`, `1 - acc`, `log(`lr sched`)`): a small
 * parser and evaluator, no `eval`/`Function`.
 *
 * Grammar (usual precedence; `^` binds tighter than a unary minus and is right-associative):
 *
 *     expr    := term (("+" | "-") term)*
 *     term    := unary (("*" | "/") unary)*
 *     unary   := ("-" | "+") unary | power
 *     power   := primary ("^" unary)?
 *     primary := number | metric | func "(" expr ("," expr)* ")" | "(" expr ")"
 *     metric  := "`" any text but "`" "`" | bare name
 *
 * A bare name is letters, digits, `_` and `.` (not starting with a digit). It may go on across
 * `/` (`val/loss`) when the whole name is one of the known metric keys: the longest known one is
 * taken, else `/` divides. So `a / b` (spaces) always divides; a name with other characters is
 * written in backticks.
 */

export type Expr =
  | { kind: "number"; value: number }
  | { kind: "metric"; name: string }
  | { kind: "negate"; arg: Expr }
  | { kind: "binary"; op: "+" | "-" | "*" | "/" | "^"; left: Expr; right: Expr }
  | { kind: "call"; fn: FunctionName; args: Expr[] };

const FUNCTIONS = {
  log: { arity: [1, 1], apply: (a: number[]) => Math.log(a[0] as number) },
  exp: { arity: [1, 1], apply: (a: number[]) => Math.exp(a[0] as number) },
  abs: { arity: [1, 1], apply: (a: number[]) => Math.abs(a[0] as number) },
  sqrt: { arity: [1, 1], apply: (a: number[]) => Math.sqrt(a[0] as number) },
  min: { arity: [2, Infinity], apply: (a: number[]) => Math.min(...a) },
  max: { arity: [2, Infinity], apply: (a: number[]) => Math.max(...a) },
} as const;

export type FunctionName = keyof typeof FUNCTIONS;
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** Longest expression text accepted, and deepest nesting (keeps the recursion bounded). */
export const MAX_LENGTH = 1000;
const MAX_DEPTH = 64;

export type ParseResult =
  | { ok: true; expr: Expr; /** referenced metric keys, distinct, in order of appearance */ metrics: string[] }
  | { ok: false; error: string; /** 1-based column of the problem */ column: number };

type Token =
  | { t: "num"; value: number; at: number }
  | { t: "name"; name: string; quoted: boolean; at: number }
  | { t: "op"; op: string; at: number }
  | { t: "end"; at: number };

class ParseError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_.]/;
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

function tokenize(text: string, known: ReadonlySet<string> | null): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      const m = NUMBER.exec(text.slice(i));
      if (!m) throw new ParseError(`unexpected \`${c}\``, i);
      tokens.push({ t: "num", value: Number(m[0]), at: i });
      i += m[0].length;
      continue;
    }
    if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end < 0) throw new ParseError("a backtick-quoted metric name is not closed", i);
      const name = text.slice(i + 1, end);
      if (name.trim() === "") throw new ParseError("empty metric name between backticks", i);
      tokens.push({ t: "name", name, quoted: true, at: i });
      i = end + 1;
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < text.length && NAME_PART.test(text[j] as string)) j++;
      let name = text.slice(i, j);
      // go on across "/" while a longer known key is spelled out
      let k = j;
      while (known && text[k] === "/" && k + 1 < text.length && NAME_PART.test(text[k + 1] as string)) {
        let e = k + 1;
        while (e < text.length && NAME_PART.test(text[e] as string)) e++;
        const longer = text.slice(i, e);
        if (known.has(longer) || [...known].some((key) => key.startsWith(`${longer}/`))) {
          k = e;
          if (known.has(longer)) {
            name = longer;
            j = e;
          }
        } else break;
      }
      tokens.push({ t: "name", name, quoted: false, at: i });
      i = j;
      continue;
    }
    if ("+-*/^(),".includes(c)) {
      tokens.push({ t: "op", op: c, at: i });
      i++;
      continue;
    }
    throw new ParseError(`unexpected \`${c}\` (a metric name with it goes in backticks)`, i);
  }
  tokens.push({ t: "end", at: text.length });
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;
  readonly metrics: string[] = [];

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.op === op;
  }

  private describe(t: Token): string {
    if (t.t === "end") return "the end";
    if (t.t === "num") return `\`${t.value}\``;
    if (t.t === "name") return `\`${t.name}\``;
    return `\`${t.op}\``;
  }

  parse(): Expr {
    if (this.peek().t === "end") throw new ParseError("the expression is empty", 0);
    const expr = this.expr();
    const t = this.peek();
    if (t.t !== "end") throw new ParseError(`unexpected ${this.describe(t)}: an operator is missing before it`, t.at);
    return expr;
  }

  private nest<T>(at: number, f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ParseError(`nested more than ${MAX_DEPTH} deep`, at);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private expr(): Expr {
    let left = this.term();
    while (this.isOp("+") || this.isOp("-")) {
      const op = (this.tokens[this.pos++] as { op: "+" | "-" }).op;
      left = { kind: "binary", op, left, right: this.term() };
    }
    return left;
  }

  private term(): Expr {
    let left = this.unary();
    while (this.isOp("*") || this.isOp("/")) {
      const op = (this.tokens[this.pos++] as { op: "*" | "/" }).op;
      left = { kind: "binary", op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.isOp("-") || this.isOp("+")) {
      this.pos++;
      const arg = this.nest(t.at, () => this.unary());
      return t.t === "op" && t.op === "-" ? { kind: "negate", arg } : arg;
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.primary();
    if (!this.isOp("^")) return base;
    const at = this.peek().at;
    this.pos++;
    return { kind: "binary", op: "^", left: base, right: this.nest(at, () => this.unary()) };
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.t === "num") {
      this.pos++;
      return { kind: "number", value: t.value };
    }
    if (t.t === "op" && t.op === "(") {
      this.pos++;
      const inner = this.nest(t.at, () => this.expr());
      this.close(t.at);
      return inner;
    }
    if (t.t === "name") {
      this.pos++;
      if (!t.quoted && this.isOp("(")) return this.call(t.name, t.at);
      if (!this.metrics.includes(t.name)) this.metrics.push(t.name);
      return { kind: "metric", name: t.name };
    }
    throw new ParseError(`expected a number, a metric or \`(\`, found ${this.describe(t)}`, t.at);
  }

  private call(name: string, at: number): Expr {
    if (!(name in FUNCTIONS)) {
      throw new ParseError(`unknown function \`${name}\` (there are ${FUNCTION_NAMES.join(", ")})`, at);
    }
    const fn = name as FunctionName;
    const open = this.peek().at;
    this.pos++;
    const args: Expr[] = [];
    if (!this.isOp(")")) {
      args.push(this.nest(open, () => this.expr()));
      while (this.isOp(",")) {
        this.pos++;
        args.push(this.nest(open, () => this.expr()));
      }
    }
    this.close(open);
    const [lo, hi] = FUNCTIONS[fn].arity;
    if (args.length < lo || args.length > hi) {
      const wanted = lo === hi ? `${lo} argument${lo === 1 ? "" : "s"}` : `${lo} or more arguments`;
      throw new ParseError(`\`${fn}\` takes ${wanted}, got ${args.length}`, at);
    }
    return { kind: "call", fn, args };
  }

  private close(openAt: number): void {
    if (this.isOp(")")) {
      this.pos++;
      return;
    }
    const t = this.peek();
    throw new ParseError(`expected \`)\` to close the \`(\` at column ${openAt + 1}, found ${this.describe(t)}`, t.at);
  }
}

/** Parse an expression. `known` (the metric keys there are) lets bare names run across `/`;
 * names are not checked against it here (see `unknownMetrics`). Never throws. */
export function parseExpression(text: string, known: ReadonlySet<string> | null = null): ParseResult {
  if (text.length > MAX_LENGTH) return { ok: false, error: `longer than ${MAX_LENGTH} characters`, column: MAX_LENGTH };
  try {
    const parser = new Parser(tokenize(text, known));
    const expr = parser.parse();
    return { ok: true, expr, metrics: parser.metrics };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, error: error.message, column: error.at + 1 };
    throw error;
  }
}

/** The metrics an expression names that are not among `known`. */
export function unknownMetrics(metrics: readonly string[], known: ReadonlySet<string>): string[] {
  return metrics.filter((m) => !known.has(m));
}

/** Parse and check against the known keys: the message to show, or null when it is fine. */
export function expressionProblem(text: string, known: ReadonlySet<string>): string | null {
  const parsed = parseExpression(text, known);
  if (!parsed.ok) return `column ${parsed.column}: ${parsed.error}`;
  if (parsed.metrics.length === 0) return "name at least one metric: a line is drawn at its steps";
  const unknown = unknownMetrics(parsed.metrics, known);
  if (unknown.length > 0) {
    return `no metric named ${unknown.map((m) => `\`${m}\``).join(", ")} (names with spaces or other signs go in backticks)`;
  }
  return null;
}

/** Evaluate with each metric's value from `value` (IEEE arithmetic: x/0 is ±∞, log(-1) NaN). */
export function evaluate(expr: Expr, value: (metric: string) => number): number {
  switch (expr.kind) {
    case "number":
      return expr.value;
    case "metric":
      return value(expr.name);
    case "negate":
      return -evaluate(expr.arg, value);
    case "binary": {
      const a = evaluate(expr.left, value);
      const b = evaluate(expr.right, value);
      switch (expr.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return a / b;
        case "^":
          return Math.pow(a, b);
      }
      break;
    }
    case "call":
      return FUNCTIONS[expr.fn].apply(expr.args.map((arg) => evaluate(arg, value)));
  }
  return NaN;
}
