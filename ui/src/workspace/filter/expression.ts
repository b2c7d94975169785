/**
 * The typed filter expression, parsed in the browser into the server's JSON filter tree.
 *
 * A twin of `cairn/server/query/expression.py` (same grammar, same trees, same messages), so the
 * table shows errors and suggestions while typing; the server stays the authority and parses the
 * tree again. Grammar (keywords case-insensitive):
 *
 *     or := and ("or" and)* ; and := unary ("and" unary)*
 *     unary := "not" unary | "(" or ")" | comparison
 *     comparison := field (= == != > >= < <=) value | field (in | notin | not in) list | field exists
 *                 | field (~ | ~* | !~ | !~* | contains) text
 *
 * `~` is `$regex` (`~*` ignoring case), `!~`/`!~*` "present and not matching", `contains` a
 * case-insensitive substring; their operand is text, a bare word taken as written.
 */

export type FilterTree = Record<string, unknown>;
export type Scalar = string | number | boolean;

export interface Token {
  kind: "word" | "string" | "op" | "punct" | "end";
  text: string;
  /** 1-based column of the token's first character */
  column: number;
}

export class ExpressionError extends Error {
  readonly column: number;

  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.name = "ExpressionError";
    this.column = column;
  }
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const INTEGER = /^[-+]?\d+$/;
const WORD_STOP = new Set([" ", "\t", "\r", "\n", '"', "'", "(", ")", "[", "]", ",", "=", "!", "<", ">", "~"]);
const OPS: Record<string, string> = { "=": "$eq", "==": "$eq", "!=": "$ne", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte" };
/** regex operators: [negated, $options] */
const MATCH_OPS: Record<string, [boolean, string]> = { "~": [false, ""], "~*": [false, "i"], "!~": [true, ""], "!~*": [true, "i"] };
const isOp = (text: string): boolean => text in OPS || text in MATCH_OPS;
export const KEYWORDS = new Set(["and", "or", "not", "in", "notin", "exists", "contains"]);
export const OPERATOR_HELP = "= != > >= < <= ~ ~* !~ !~* in notin contains exists";
export const MAX_LENGTH = 10_000;

/** Run columns the filter accepts, and the spellings W&B users bring along. */
export const COLUMNS = [
  "id", "name", "state", "group", "job_type", "host", "notes", "created_at", "updated_at", "heartbeat_at", "sweep",
];
const ALIASES: Record<string, string> = {
  display_name: "name",
  displayName: "name",
  jobType: "job_type",
  createdAt: "created_at",
  updatedAt: "updated_at",
  heartbeatAt: "heartbeat_at",
};
const PREFIXES: [string, string][] = [
  ["config.", "config."],
  ["summary.", "summary."],
  ["summary_metrics.", "summary."],
];
const KEY_MAX = 300;

/** The canonical name of a field (`summary_metrics.x` → `summary.x`), or an ExpressionError. */
export function parseField(name: string, column: number): string {
  const canonical = ALIASES[name] ?? name;
  if (COLUMNS.includes(canonical) || canonical === "tags") return canonical;
  for (const [prefix, to] of PREFIXES) {
    if (canonical.startsWith(prefix) && canonical.length > prefix.length) {
      const key = to + canonical.slice(prefix.length);
      if (key.length > KEY_MAX) throw new ExpressionError(`key '${name.slice(0, 40)}'... is longer than ${KEY_MAX}`, column);
      return key;
    }
  }
  throw new ExpressionError(
    `unknown field '${name}'; use one of ${COLUMNS.join(", ")}, tags, config.<key> or summary.<key>`,
    column,
  );
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const char = source.charAt(i);
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === '"' || char === "'") {
      const start = i;
      let text = "";
      i += 1;
      while (i < n && source.charAt(i) !== char) {
        if (source.charAt(i) === "\\" && i + 1 < n) i += 1;
        text += source.charAt(i);
        i += 1;
      }
      if (i >= n) throw new ExpressionError(`unterminated string (missing closing ${char})`, start + 1);
      tokens.push({ kind: "string", text, column: start + 1 });
      i += 1;
    } else if ("()[],".includes(char)) {
      tokens.push({ kind: "punct", text: char, column: i + 1 });
      i += 1;
    } else if ("=!<>~".includes(char)) {
      const op = [source.slice(i, i + 3), source.slice(i, i + 2)].find(isOp) ?? char;
      if (!isOp(op)) throw new ExpressionError(`unknown operator '${op}'; use = != > >= < <= ~ ~* !~ !~*`, i + 1);
      tokens.push({ kind: "op", text: op, column: i + 1 });
      i += op.length;
    } else {
      const start = i;
      while (i < n && !WORD_STOP.has(source.charAt(i))) i += 1;
      tokens.push({ kind: "word", text: source.slice(start, i), column: start + 1 });
    }
  }
  tokens.push({ kind: "end", text: "", column: n + 1 });
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(source: string) {
    this.tokens = tokenize(source);
  }

  private get peek(): Token {
    return this.tokens[this.pos] ?? { kind: "end", text: "", column: 1 };
  }

  private next(): Token {
    const token = this.peek;
    this.pos += 1;
    return token;
  }

  private keyword(word: string): boolean {
    const token = this.peek;
    if (token.kind === "word" && token.text.toLowerCase() === word) {
      this.pos += 1;
      return true;
    }
    return false;
  }

  private isPunct(text: string): boolean {
    return this.peek.kind === "punct" && this.peek.text === text;
  }

  private describe(token: Token = this.peek): string {
    return token.kind === "end" ? "the end" : `'${token.text}'`;
  }

  private atEnd(): boolean {
    return this.peek.kind === "end";
  }

  parse(): FilterTree {
    if (this.atEnd()) return {};
    const tree = this.or();
    if (!this.atEnd()) {
      throw new ExpressionError(`expected 'and', 'or' or the end, found ${this.describe()}`, this.peek.column);
    }
    return tree;
  }

  private or(): FilterTree {
    const items = [this.and()];
    while (this.keyword("or")) items.push(this.and());
    return items.length === 1 ? (items[0] as FilterTree) : { $or: items };
  }

  private and(): FilterTree {
    const items = [this.unary()];
    while (this.keyword("and")) items.push(this.unary());
    return items.length === 1 ? (items[0] as FilterTree) : { $and: items };
  }

  private unary(): FilterTree {
    if (this.keyword("not")) return { $not: this.unary() };
    if (this.isPunct("(")) {
      this.next();
      const tree = this.or();
      if (!this.isPunct(")")) throw new ExpressionError(`expected ')', found ${this.describe()}`, this.peek.column);
      this.next();
      return tree;
    }
    return this.comparison();
  }

  private comparison(): FilterTree {
    const token = this.peek;
    const isField = token.kind === "string" || (token.kind === "word" && !KEYWORDS.has(token.text.toLowerCase()));
    if (!isField) {
      throw new ExpressionError(`expected a field such as config.lr, found ${this.describe()}`, token.column);
    }
    this.next();
    const name = parseField(token.text, token.column);
    if (this.peek.kind === "op") {
      const text = this.next().text;
      const match = MATCH_OPS[text];
      if (match) {
        const [negated, options] = match;
        const regex: FilterTree = options ? { $regex: this.text(), $options: options } : { $regex: this.text() };
        return { [name]: negated ? { $exists: true, $not: regex } : regex };
      }
      return { [name]: { [OPS[text] ?? "$eq"]: this.value() } };
    }
    if (this.keyword("contains")) return { [name]: { $contains: this.text() } };
    if (this.keyword("in")) return { [name]: { $in: this.list() } };
    if (this.keyword("notin")) return { [name]: { $nin: this.list() } };
    if (this.keyword("not")) {
      if (!this.keyword("in")) throw new ExpressionError(`expected 'in' after 'not', found ${this.describe()}`, this.peek.column);
      return { [name]: { $nin: this.list() } };
    }
    if (this.keyword("exists")) return { [name]: { $exists: true } };
    throw new ExpressionError(`expected an operator (${OPERATOR_HELP}), found ${this.describe()}`, this.peek.column);
  }

  /** A pattern or substring: a quoted string, or a word taken as it is written. */
  private text(): string {
    const token = this.peek;
    if (token.kind === "word" && KEYWORDS.has(token.text.toLowerCase())) {
      throw new ExpressionError(`expected a value, found keyword '${token.text}'; quote it`, token.column);
    }
    if (token.kind !== "word" && token.kind !== "string") {
      throw new ExpressionError(`expected a value, found ${this.describe()}`, token.column);
    }
    this.next();
    return token.text;
  }

  private list(): Scalar[] {
    if (!this.isPunct("[")) throw new ExpressionError(`expected '[' to start a list, found ${this.describe()}`, this.peek.column);
    this.next();
    const values: Scalar[] = [];
    if (this.isPunct("]")) {
      this.next();
      return values;
    }
    for (;;) {
      values.push(this.value());
      const token = this.next();
      if (token.kind === "punct" && token.text === "]") return values;
      if (!(token.kind === "punct" && token.text === ",")) {
        throw new ExpressionError(`expected ',' or ']' in the list, found ${this.describe(token)}`, token.column);
      }
    }
  }

  private value(): Scalar {
    const token = this.peek;
    if (token.kind === "string") {
      this.next();
      return token.text;
    }
    if (token.kind !== "word") throw new ExpressionError(`expected a value, found ${this.describe()}`, token.column);
    const lowered = token.text.toLowerCase();
    if (KEYWORDS.has(lowered)) {
      throw new ExpressionError(`expected a value, found keyword '${token.text}'; quote it`, token.column);
    }
    this.next();
    if (lowered === "null") {
      throw new ExpressionError("null cannot be compared; use 'exists' or 'not ... exists'", token.column);
    }
    if (lowered === "true") return true;
    if (lowered === "false") return false;
    if (NUMBER.test(token.text)) return INTEGER.test(token.text) ? parseInt(token.text, 10) : parseFloat(token.text);
    return token.text;
  }
}

/** The JSON filter tree of an expression (`{}` for an empty one); throws ExpressionError. */
export function parseExpression(source: string): FilterTree {
  if (source.length > MAX_LENGTH) throw new ExpressionError(`filter expression longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  return new Parser(source).parse();
}

function needsQuotes(text: string): boolean {
  if (!text) return true;
  for (const char of text) if (WORD_STOP.has(char)) return true;
  const lowered = text.toLowerCase();
  return KEYWORDS.has(lowered) || ["true", "false", "null"].includes(lowered) || NUMBER.test(text);
}

/** A value as the expression writes it (quoted when it would read as something else). */
export function formatValue(value: Scalar): string {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  return needsQuotes(value) ? quote(value) : value;
}

/** A string in double quotes, backslashes and quotes escaped. */
export function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A field as the expression writes it. */
export function formatField(name: string): string {
  return needsQuotes(name) ? formatValue(name) : name;
}
