/** "Add panel": every registered panel type that has something to show here (../panels/registry),
 * with the keys it asks for: a metric, an x/y pair of config/summary keys, one such key, or a
 * media key of a `_type` it shows. */

import { useId, useMemo, useState } from "react";
import { addablePanels, type MediaKeyRef } from "../panels/registry";
import type { PanelModule } from "../panels/types";
import type { PanelConfig } from "./layout";

interface Props {
  metrics: string[];
  /** config./summary. keys, or null where such panels make no sense (one run) */
  fieldKeys: string[] | null;
  /** media keys with their `_type` */
  media?: readonly MediaKeyRef[];
  /** the new panel (a panel of a removed generated key brings that one back: see layout.addPanel) */
  onAdd: (panel: PanelConfig) => void;
}

const KEY_LABEL: Record<PanelModule["add"], string> = { metric: "Metric", xy: "X", field: "Value", media: "Key" };

function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** The panel a module adds for the chosen keys, or null when a key is missing. A "metric" panel
 * plots `key` and the `more` metrics (PanelConfig.keys). */
export function newPanel(
  module: PanelModule,
  keys: readonly string[],
  key: string,
  xKey: string,
  yKey: string,
  more: readonly string[] = [],
): PanelConfig | null {
  const unique = uniqueSuffix();
  if (module.add === "xy") {
    const x = xKey || keys[0];
    const y = yKey || keys[1] || keys[0];
    if (!x || !y) return null;
    return { id: `${module.type}:${unique}`, type: module.type, xKey: x, yKey: y, size: "M" };
  }
  const k = key || keys[0];
  if (!k) return null;
  // panels of a key carry it in their id (a removed generated panel is recognised by its key)
  const id = module.add === "field" ? `${module.type}:${unique}` : `${module.type}:${k}#${unique}`;
  if (module.add === "metric") {
    return { id, type: module.type, key: k, keys: [...new Set([k, ...more.filter((m) => keys.includes(m))])], size: "M" };
  }
  return { id, type: module.type, key: k, size: "M" };
}

export function AddPanel({ metrics, fieldKeys, media, onAdd }: Props) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [type, setType] = useState<string | null>(null);
  const [key, setKey] = useState("");
  const [xKey, setXKey] = useState("");
  const [yKey, setYKey] = useState("");
  const [more, setMore] = useState<string[]>([]);
  const entries = useMemo(() => addablePanels({ metrics, fieldKeys, media: media ?? [] }), [metrics, fieldKeys, media]);
  const chosen = entries.find((e) => e.module.type === type) ?? entries[0];

  const close = () => {
    setOpen(false);
    setKey("");
    setXKey("");
    setYKey("");
    setMore([]);
  };

  const add = () => {
    if (!chosen) return;
    const panel = newPanel(chosen.module, chosen.keys, key, xKey, yKey, chosen.module.add === "metric" ? more : []);
    if (!panel) return;
    onAdd(panel);
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
          {entries.length === 0 ? <p className="panel-empty">Nothing to add yet: no keys logged.</p> : null}
          <div className="settings-row" role="radiogroup" aria-label="Panel type">
            {entries.map(({ module }) => (
              <label key={module.type}>
                <input
                  type="radio"
                  name={`${id}-type`}
                  checked={chosen?.module.type === module.type}
                  onChange={() => {
                    setType(module.type);
                    setKey("");
                  }}
                />{" "}
                {module.label}
              </label>
            ))}
          </div>
          {!chosen ? null : chosen.module.add === "xy" ? (
            <>
              <KeySelect label="X" keys={chosen.keys} value={xKey} onChange={setXKey} />
              <KeySelect label="Y" keys={chosen.keys} value={yKey || chosen.keys[1] || ""} onChange={setYKey} />
            </>
          ) : (
            <KeySelect label={KEY_LABEL[chosen.module.add]} keys={chosen.keys} value={key} onChange={setKey} />
          )}
          {chosen?.module.add === "metric" && chosen.keys.length > 1 ? (
            <MoreMetrics keys={chosen.keys.filter((k) => k !== (key || chosen.keys[0]))} value={more} onChange={setMore} />
          ) : null}
          <div className="settings-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={add} disabled={!chosen}>
              Add
            </button>
          </div>
        </div>
      ) : null}
    </span>
  );
}

/** More metrics on the same panel: a list to pick several from (Ctrl/⌘ or Shift). */
function MoreMetrics(props: { keys: string[]; value: string[]; onChange: (keys: string[]) => void }) {
  const id = useId();
  return (
    <div className="settings-row">
      <label htmlFor={id}>Also plot</label>
      <select
        id={id}
        multiple
        size={Math.min(6, props.keys.length)}
        title="more metrics on the same panel (Ctrl/⌘-click for several)"
        value={props.value.filter((k) => props.keys.includes(k))}
        onChange={(e) => {
          props.onChange([...e.target.selectedOptions].map((o) => o.value));
        }}
      >
        {props.keys.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </div>
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
