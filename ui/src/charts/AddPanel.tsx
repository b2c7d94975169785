/** "Add panel": a line plot of a metric, a scatter of two config/summary keys, or a bar chart. */

import { useId, useState } from "react";
import { lineId, type PanelConfig, type PanelType } from "./layout";

interface Props {
  metrics: string[];
  /** config./summary. keys, or null where only line panels make sense (one run) */
  fieldKeys: string[] | null;
  /** the new panel (a line panel of a removed generated key brings that one back) */
  onAdd: (panel: PanelConfig) => void;
}

export function AddPanel({ metrics, fieldKeys, onAdd }: Props) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [type, setType] = useState<PanelType>("line");
  const [key, setKey] = useState("");
  const [xKey, setXKey] = useState("");
  const [yKey, setYKey] = useState("");
  const fields = fieldKeys ?? [];
  const summaries = fields.filter((k) => k.startsWith("summary."));
  const barKeys = summaries.length > 0 ? summaries : fields;

  const close = () => {
    setOpen(false);
    setKey("");
    setXKey("");
    setYKey("");
  };

  const add = () => {
    const unique = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    if (type === "line") {
      const metric = key || metrics[0];
      if (!metric) return;
      onAdd({ id: `${lineId(metric)}#${unique}`, type: "line", key: metric, size: "M" });
    } else if (type === "scatter") {
      const x = xKey || fields[0];
      const y = yKey || fields[1] || fields[0];
      if (!x || !y) return;
      onAdd({ id: `scatter:${unique}`, type: "scatter", xKey: x, yKey: y, size: "M" });
    } else {
      const k = key || barKeys[0];
      if (!k) return;
      onAdd({ id: `bar:${unique}`, type: "bar", key: k, size: "M" });
    }
    close();
  };

  return (
    <span className="add-panel">
      <button
        type="button"
        className="primary"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => {
          setOpen(!open);
        }}
      >
        Add panel
      </button>
      {open ? (
        <div
          className="add-panel-dialog"
          role="dialog"
          aria-label="Add panel"
          onKeyDown={(e) => {
            if (e.key === "Escape") close();
          }}
        >
          <div className="settings-row" role="radiogroup" aria-label="Panel type">
            {(["line", "scatter", "bar"] as const)
              .filter((t) => t === "line" || fieldKeys !== null)
              .map((t) => (
                <label key={t}>
                  <input
                    type="radio"
                    name={`${id}-type`}
                    checked={type === t}
                    onChange={() => {
                      setType(t);
                      setKey("");
                    }}
                  />{" "}
                  {t === "line" ? "Line plot" : t === "scatter" ? "Scatter plot" : "Bar chart"}
                </label>
              ))}
          </div>
          {type === "line" ? (
            <KeySelect label="Metric" keys={metrics} value={key} onChange={setKey} />
          ) : type === "scatter" ? (
            <>
              <KeySelect label="X" keys={fields} value={xKey} onChange={setXKey} />
              <KeySelect label="Y" keys={fields} value={yKey || fields[1] || ""} onChange={setYKey} />
            </>
          ) : (
            <KeySelect label="Value" keys={barKeys} value={key} onChange={setKey} />
          )}
          <div className="settings-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={add}>
              Add
            </button>
          </div>
        </div>
      ) : null}
    </span>
  );
}

function KeySelect(props: { label: string; keys: string[]; value: string; onChange: (key: string) => void }) {
  const id = useId();
  return (
    <div className="settings-row">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={props.value || props.keys[0] || ""}
        onChange={(e) => {
          props.onChange(e.target.value);
        }}
      >
        {props.keys.length === 0 ? <option value="">(no keys)</option> : null}
        {props.keys.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </div>
  );
}
