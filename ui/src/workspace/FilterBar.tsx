import { useId, useMemo, useRef, useState } from "react";
import { completions, type Completion } from "./filter/autocomplete";
import { ExpressionError, formatField, formatValue, parseExpression, type FilterTree, type Scalar } from "./filter/expression";

interface Props {
  expression: string;
  /** fields for autocomplete and the builder: `config.lr`, `summary.acc`, ... */
  fields: string[];
  onApply: (expression: string) => void;
  /** the server's message when it refused the last filter */
  serverError: string | null;
}

const OPS = ["=", "!=", ">", ">=", "<", "<=", "contains", "~", "~*", "!~", "!~*", "in", "notin", "exists"] as const;
type Op = (typeof OPS)[number];
const TREE_OPS: Record<string, Op> = {
  $eq: "=", $ne: "!=", $gt: ">", $gte: ">=", $lt: "<", $lte: "<=", $in: "in", $nin: "notin", $exists: "exists", $contains: "contains",
};

/** The regex operator of a leaf's body (`{$regex, $options?}` or `!~`'s `{$exists, $not: {...}}`), or null. */
function regexOp(body: Record<string, unknown>): [Op, string] | null {
  const keys = Object.keys(body).sort().join(",");
  if (keys === "$exists,$not" && body.$exists === true && body.$not !== null && typeof body.$not === "object") {
    const inner = regexOp(body.$not as Record<string, unknown>);
    return inner && (inner[0] === "~" || inner[0] === "~*") ? [inner[0] === "~" ? "!~" : "!~*", inner[1]] : null;
  }
  if (typeof body.$regex !== "string") return null;
  if (keys === "$regex") return ["~", body.$regex];
  if (keys === "$options,$regex" && body.$options === "i") return ["~*", body.$regex];
  return null;
}

interface Row {
  field: string;
  op: Op;
  value: string;
}

/** Builder rows for an expression that is an AND of simple comparisons; null when it is not. */
export function rowsOf(tree: FilterTree): Row[] | null {
  const leaves = Object.keys(tree).length === 0 ? [] : "$and" in tree ? (tree.$and as FilterTree[]) : [tree];
  const rows: Row[] = [];
  for (const leaf of leaves) {
    const entries = Object.entries(leaf);
    if (entries.length !== 1) return null;
    const [field, body] = entries[0] as [string, unknown];
    if (field.startsWith("$") || body === null || typeof body !== "object") return null;
    const regex = regexOp(body as Record<string, unknown>);
    if (regex) {
      rows.push({ field, op: regex[0], value: formatValue(regex[1]) });
      continue;
    }
    const ops = Object.entries(body as Record<string, unknown>);
    if (ops.length !== 1) return null;
    const [op, operand] = ops[0] as [string, unknown];
    const mapped = TREE_OPS[op];
    if (mapped === undefined || (op === "$exists" && operand !== true)) return null;
    const value = Array.isArray(operand)
      ? (operand as Scalar[]).map(formatValue).join(", ")
      : op === "$exists"
        ? ""
        : formatValue(operand as Scalar);
    rows.push({ field, op: mapped, value });
  }
  return rows;
}

/** The expression text for builder rows. */
export function expressionOf(rows: Row[]): string {
  return rows
    .filter((r) => r.field.trim() !== "")
    .map((r) => {
      const field = formatField(r.field.trim());
      if (r.op === "exists") return `${field} exists`;
      if (r.op === "in" || r.op === "notin") return `${field} ${r.op} [${r.value}]`;
      return `${field} ${r.op} ${r.value.trim() === "" ? '""' : r.value.trim()}`;
    })
    .join(" and ");
}

/** The typed filter with autocomplete, and a builder of key / operator / value rows. */
export function FilterBar({ expression, fields, onApply, serverError }: Props) {
  const [text, setText] = useState(expression);
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState(false);
  const [focused, setFocused] = useState(false);
  const [active, setActive] = useState(0);
  const [builder, setBuilder] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const errorId = useId();

  const [applied, setApplied] = useState(expression);
  if (applied !== expression) {
    // the URL changed (back button, a link, Clear): show what now applies
    setApplied(expression);
    setText(expression);
  }

  const localError = useMemo(() => {
    try {
      parseExpression(text);
      return null;
    } catch (error) {
      return error instanceof ExpressionError ? error : null;
    }
  }, [text]);

  const suggestions: Completion[] = useMemo(
    () => (open && focused ? completions(text, Math.min(cursor, text.length), fields) : []),
    [open, focused, text, cursor, fields],
  );

  const accept = (c: Completion) => {
    const next = text.slice(0, c.from) + c.insert + " " + text.slice(c.to).replace(/^\s*/, "");
    setText(next);
    const position = c.from + c.insert.length + 1;
    setCursor(position);
    setActive(0);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(position, position);
    });
  };

  const apply = (value: string) => {
    setOpen(false);
    try {
      parseExpression(value);
    } catch {
      return; // the inline message says what is wrong; nothing is sent
    }
    onApply(value.trim());
  };

  const rows = useMemo(() => {
    try {
      return rowsOf(parseExpression(text));
    } catch {
      return null;
    }
  }, [text]);

  const setRows = (next: Row[]) => {
    const value = expressionOf(next);
    setText(value);
    apply(value);
  };

  const message = localError?.message ?? serverError;

  return (
    <div className="filter-bar">
      <div className="filter-line">
        <div className="filter-input-wrap">
          <input
            ref={input}
            type="text"
            className={`filter-input${message ? " invalid" : ""}`}
            aria-label="Filter runs"
            placeholder="Filter: config.lr > 0.01 and state = finished"
            value={text}
            role="combobox"
            aria-expanded={suggestions.length > 0}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-invalid={message !== null}
            aria-describedby={message ? errorId : undefined}
            spellCheck={false}
            onChange={(e) => {
              setText(e.target.value);
              setCursor(e.target.selectionStart ?? e.target.value.length);
              setOpen(true);
              setActive(0);
            }}
            onClick={(e) => {
              setCursor(e.currentTarget.selectionStart ?? 0);
            }}
            onFocus={() => {
              setFocused(true);
            }}
            onBlur={() => {
              setFocused(false);
              setOpen(false);
            }}
            onKeyDown={(e) => {
              if (suggestions.length > 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
                e.preventDefault();
                setActive((a) => (a + (e.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length);
              } else if (suggestions.length > 0 && e.key === "Tab") {
                e.preventDefault();
                const chosen = suggestions[active];
                if (chosen) accept(chosen);
              } else if (e.key === "Enter") {
                const chosen = suggestions[active];
                if (suggestions.length > 0 && chosen && !e.ctrlKey) {
                  e.preventDefault();
                  accept(chosen);
                } else {
                  apply(text);
                }
              } else if (e.key === "Escape") {
                setOpen(false);
              } else if (e.key === " " && e.ctrlKey) {
                e.preventDefault();
                setOpen(true);
              }
            }}
            onKeyUp={(e) => {
              setCursor(e.currentTarget.selectionStart ?? 0);
            }}
          />
          {suggestions.length > 0 && (
            <ul id={listId} role="listbox" aria-label="Suggestions" className="filter-suggestions">
              {suggestions.map((s, i) => (
                <li
                  key={s.label}
                  role="option"
                  aria-selected={i === active}
                  className={i === active ? "active" : undefined}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    accept(s);
                  }}
                >
                  {s.label}
                </li>
              ))}
            </ul>
          )}
        </div>
        <button type="button" onClick={() => { apply(text); }} disabled={localError !== null}>
          Apply
        </button>
        {expression !== "" && (
          <button type="button" onClick={() => { setText(""); onApply(""); }}>
            Clear
          </button>
        )}
        <button type="button" aria-expanded={builder} onClick={() => { setBuilder(!builder); }}>
          Filter builder
        </button>
      </div>
      {message && (
        <div id={errorId} className="filter-error" role="alert">
          {message}
        </div>
      )}
      {builder && (
        <FilterBuilder rows={rows} fields={fields} onChange={setRows} />
      )}
    </div>
  );
}

function FilterBuilder({ rows, fields, onChange }: { rows: Row[] | null; fields: string[]; onChange: (rows: Row[]) => void }) {
  const listId = useId();
  const [draft, setDraft] = useState<Row>({ field: "", op: "=", value: "" });
  if (rows === null) {
    return (
      <div className="filter-builder" role="group" aria-label="Filter builder">
        This filter uses or / not / parentheses: edit it as text.
      </div>
    );
  }
  const update = (index: number, change: Partial<Row>) => {
    onChange(rows.map((r, i) => (i === index ? { ...r, ...change } : r)));
  };
  return (
    <div className="filter-builder" role="group" aria-label="Filter builder">
      <datalist id={listId}>
        {fields.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      {rows.map((row, index) => (
        <div className="filter-row" key={`${index}-${row.field}`}>
          <span className="filter-row-join">{index === 0 ? "where" : "and"}</span>
          <input aria-label={`Field ${index + 1}`} list={listId} defaultValue={row.field}
            onBlur={(e) => { if (e.target.value !== row.field) update(index, { field: e.target.value }); }} />
          <select aria-label={`Operator ${index + 1}`} value={row.op} onChange={(e) => { update(index, { op: e.target.value as Op }); }}>
            {OPS.map((op) => <option key={op} value={op}>{op}</option>)}
          </select>
          {row.op !== "exists" && (
            <input aria-label={`Value ${index + 1}`} defaultValue={row.value}
              onBlur={(e) => { if (e.target.value !== row.value) update(index, { value: e.target.value }); }} />
          )}
          <button type="button" aria-label={`Remove condition ${index + 1}`} onClick={() => { onChange(rows.filter((_, i) => i !== index)); }}>
            ✕
          </button>
        </div>
      ))}
      <form
        className="filter-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.field.trim() === "") return;
          onChange([...rows, draft]);
          setDraft({ field: "", op: "=", value: "" });
        }}
      >
        <span className="filter-row-join">{rows.length === 0 ? "where" : "and"}</span>
        <input aria-label="New condition field" list={listId} placeholder="config.lr" value={draft.field}
          onChange={(e) => { setDraft({ ...draft, field: e.target.value }); }} />
        <select aria-label="New condition operator" value={draft.op} onChange={(e) => { setDraft({ ...draft, op: e.target.value as Op }); }}>
          {OPS.map((op) => <option key={op} value={op}>{op}</option>)}
        </select>
        {draft.op !== "exists" && (
          <input aria-label="New condition value" placeholder={draft.op === "in" || draft.op === "notin" ? "a, b" : "0.01"}
            value={draft.value} onChange={(e) => { setDraft({ ...draft, value: e.target.value }); }} />
        )}
        <button type="submit">Add condition</button>
      </form>
    </div>
  );
}
