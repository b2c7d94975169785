/**
 * The runs search box's clause: `name contains "<text>"`, ANDed into the typed filter.
 *
 * The box edits one top-level clause of the expression in place and leaves the rest of the text
 * as the user wrote it: typing updates that clause, emptying the box removes it, and a filter
 * with a top-level `or` is parenthesized before the clause is added.
 */

import { ExpressionError, quote, tokenize, type Token } from "./expression";

const NAME_FIELDS = new Set(["name", "display_name", "displayName"]);

interface Clause {
  /** 0-based offsets of the clause in the source */
  start: number;
  end: number;
  /** the search text, for a `name contains ...` clause */
  search: string | null;
}

/** Top-level `and` clauses of an expression; null when it has a top-level `or` or fails to lex. */
function clauses(source: string): Clause[] | null {
  let tokens: Token[];
  try {
    tokens = tokenize(source);
  } catch (error) {
    if (error instanceof ExpressionError) return null;
    throw error;
  }
  const parts: Token[][] = [[]];
  const ends: number[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === "punct" && token.text === "(") depth += 1;
    if (token.kind === "punct" && token.text === ")") depth -= 1;
    const word = token.kind === "word" ? token.text.toLowerCase() : "";
    if (depth === 0 && word === "or") return null;
    if ((depth === 0 && word === "and") || token.kind === "end") {
      ends.push(source.slice(0, token.column - 1).trimEnd().length);
      if (token.kind !== "end") parts.push([]);
    } else {
      parts[parts.length - 1]?.push(token);
    }
  }
  return parts.map((part, i) => {
    const [field, op, value] = part;
    const isSearch =
      part.length === 3 &&
      field !== undefined &&
      (field.kind === "word" || field.kind === "string") &&
      NAME_FIELDS.has(field.text) &&
      op?.kind === "word" &&
      op.text.toLowerCase() === "contains" &&
      (value?.kind === "word" || value?.kind === "string");
    const search = isSearch ? (part[2] as Token).text : null;
    return { start: (part[0]?.column ?? 1) - 1, end: ends[i] ?? source.length, search };
  });
}

/** The text of the search clause in `expression` ("" when it has none). */
export function nameSearchOf(expression: string): string {
  return clauses(expression)?.find((c) => c.search !== null)?.search ?? "";
}

/** `expression` with its search clause set to `text` (removed when `text` is blank). */
export function withNameSearch(expression: string, text: string): string {
  const parts = clauses(expression);
  const index = parts?.findIndex((c) => c.search !== null) ?? -1;
  const blank = text.trim() === "";
  const clause = `name contains ${quote(text)}`;
  if (parts && index >= 0) {
    const found = parts[index] as Clause;
    if (!blank) return expression.slice(0, found.start) + clause + expression.slice(found.end);
    const before = parts[index - 1];
    const after = parts[index + 1];
    if (before) return (expression.slice(0, before.end) + expression.slice(found.end)).trim();
    if (after) return expression.slice(after.start).trim();
    return "";
  }
  if (blank) return expression;
  const rest = expression.trim();
  if (rest === "") return clause;
  return parts === null ? `(${rest}) and ${clause}` : `${rest} and ${clause}`;
}
