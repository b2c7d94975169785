/** Suggestions while typing a filter expression: fields where a field goes, keywords after it. */

import { COLUMNS, KEYWORDS } from "./expression";

export interface Completion {
  /** the text that replaces `from`..`to` of the source */
  insert: string;
  label: string;
  from: number;
  to: number;
}

const OPERATORS = ["=", "!=", ">", ">=", "<", "<=", "~", "~*", "!~", "!~*", "contains", "in", "notin", "exists"];

/**
 * Completions at `cursor` (0-based) in `source`, given the project's fields (e.g.
 * `config.lr`, `summary.acc`). A word after `and`/`or`/`not`/`(` or at the start is a field;
 * a space after a field asks for an operator.
 */
export function completions(source: string, cursor: number, fields: readonly string[], limit = 12): Completion[] {
  const before = source.slice(0, cursor);
  const match = /[^\s"'()[\],=!<>~]*$/.exec(before);
  const word = match ? match[0] : "";
  const from = cursor - word.length;
  const previous = before.slice(0, from).trimEnd();
  const lastWord = /([^\s"'()[\],=!<>~]+)$/.exec(previous)?.[1]?.toLowerCase() ?? "";
  const fieldPosition =
    previous === "" || previous.endsWith("(") || ["and", "or", "not"].includes(lastWord);
  const to = cursor + (/^[^\s"'()[\],=!<>~]*/.exec(source.slice(cursor))?.[0].length ?? 0);
  if (fieldPosition) {
    const all = [...fields, ...COLUMNS, "tags"];
    const needle = word.toLowerCase();
    const starts = all.filter((f) => f.toLowerCase().startsWith(needle));
    const contains = all.filter((f) => !f.toLowerCase().startsWith(needle) && f.toLowerCase().includes(needle));
    return [...new Set([...starts, ...contains])]
      .filter((f) => f !== word)
      .slice(0, limit)
      .map((f) => ({ insert: f, label: f, from, to }));
  }
  const looksLikeField = lastWord.includes(".") || COLUMNS.includes(lastWord) || lastWord === "tags";
  if (looksLikeField && !KEYWORDS.has(lastWord) && /\s$/.test(before.slice(0, from))) {
    return OPERATORS.filter((op) => op.startsWith(word) && op !== word)
      .slice(0, limit)
      .map((op) => ({ insert: op, label: op, from, to }));
  }
  return [];
}
