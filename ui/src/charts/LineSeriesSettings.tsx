/** What a line panel plots, in its settings: its metrics (add from the project's keys, remove)
 * and its derived metrics (expressions, checked as they are typed; only a valid one is added). */

import { useId, useState } from "react";
import { expressionProblem } from "../lib/expression";
import { dashFor } from "./lineData";
import { Swatch } from "./Swatch";

interface Props {
  metrics: readonly string[];
  expressions: readonly string[];
  /** every metric key of the project (or run), in the order to offer them */
  allKeys: readonly string[];
  onChange: (metrics: string[], expressions: string[]) => void;
}

export function LineSeriesSettings({ metrics, expressions, allKeys, onChange }: Props) {
  const id = useId();
  const [draft, setDraft] = useState("");
  const known = new Set(allKeys);
  const problem = draft.trim() === "" ? null : expressionProblem(draft, known);
  const duplicate = expressions.includes(draft.trim());
  const lines = metrics.length + expressions.length;
  const addable = allKeys.filter((k) => !metrics.includes(k));

  const addExpression = () => {
    const text = draft.trim();
    if (text === "" || problem !== null || duplicate) return;
    onChange([...metrics], [...expressions, text]);
    setDraft("");
  };

  return (
    <fieldset className="settings-lines">
      <legend>Lines</legend>
      <ul className="settings-list" aria-label="Metrics">
        {metrics.map((m, i) => (
          <li key={m}>
            <Swatch color="currentColor" dash={dashFor(i)} />
            <span className="settings-item">{m}</span>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove metric ${m}`}
              title={lines <= 1 ? "a panel keeps at least one line" : "Remove"}
              disabled={lines <= 1}
              onClick={() => {
                onChange(
                  metrics.filter((k) => k !== m),
                  [...expressions],
                );
              }}
            >
              ×
            </button>
          </li>
        ))}
        {expressions.map((e, i) => (
          <li key={e}>
            <Swatch color="currentColor" dash={dashFor(metrics.length + i)} />
            <code className="settings-item">{e}</code>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove derived ${e}`}
              title={lines <= 1 ? "a panel keeps at least one line" : "Remove"}
              disabled={lines <= 1}
              onClick={() => {
                onChange(
                  [...metrics],
                  expressions.filter((k) => k !== e),
                );
              }}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="settings-row">
        <label htmlFor={`${id}-add`}>Metric</label>
        <select
          id={`${id}-add`}
          aria-label="Add metric"
          value=""
          disabled={addable.length === 0}
          onChange={(e) => {
            if (e.target.value) onChange([...metrics, e.target.value], [...expressions]);
          }}
        >
          <option value="">{addable.length === 0 ? "(every metric is shown)" : "Add a metric…"}</option>
          {addable.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </div>
      <div className="settings-row">
        <label htmlFor={`${id}-expr`}>Derived</label>
        <input
          id={`${id}-expr`}
          className="settings-expression"
          aria-label="Expression"
          aria-invalid={problem !== null}
          aria-describedby={`${id}-expr-help`}
          placeholder="val/loss - train/loss"
          spellCheck={false}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              addExpression();
            }
          }}
        />
        <button type="button" onClick={addExpression} disabled={draft.trim() === "" || problem !== null || duplicate}>
          Add line
        </button>
      </div>
      <div id={`${id}-expr-help`} className={problem ? "settings-error" : "settings-help"} role={problem ? "alert" : undefined}>
        {problem ??
          (duplicate
            ? "this expression is already a line"
            : "+ - * / ^, ( ), log exp abs sqrt min max; metric names bare or in `backticks`")}
      </div>
    </fieldset>
  );
}
