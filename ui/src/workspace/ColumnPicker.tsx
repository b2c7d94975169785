import { useId, useMemo, useState } from "react";
import { OTHER_COLUMNS } from "./columns";

interface Props {
  config: string[];
  summary: string[];
  meta: string[];
  chosen: string[];
  pinned: string[];
  onChange: (columns: string[], pinned: string[]) => void;
}

/** Pick, pin and order the table's columns over config, summary and meta keys. */
export function ColumnPicker({ config, summary, meta, chosen, pinned, onChange }: Props) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState("");
  const dialogId = useId();
  const all = useMemo(
    () => [
      ...OTHER_COLUMNS.map((c) => ({ id: c, group: "Run" })),
      ...summary.map((k) => ({ id: `summary.${k}`, group: "Summary" })),
      ...config.map((k) => ({ id: `config.${k}`, group: "Config" })),
      ...meta.map((k) => ({ id: `meta.${k}`, group: "Meta" })),
    ],
    [config, summary, meta],
  );
  const needle = search.trim().toLowerCase();
  const shown = all.filter((c) => c.id.toLowerCase().includes(needle)).slice(0, 300);
  const toggle = (id: string) => {
    if (chosen.includes(id)) onChange(chosen.filter((c) => c !== id), pinned.filter((p) => p !== id));
    else onChange([...chosen, id], pinned);
  };
  const move = (id: string, by: number) => {
    const index = chosen.indexOf(id);
    const target = index + by;
    if (index < 0 || target < 0 || target >= chosen.length) return;
    const next = [...chosen];
    next.splice(index, 1);
    next.splice(target, 0, id);
    onChange(next, pinned);
  };
  return (
    <div className="column-picker">
      <button type="button" aria-expanded={open} aria-controls={dialogId} onClick={() => { setOpen(!open); }}>
        Columns
      </button>
      {open && (
        <div
          id={dialogId}
          className="popover column-popover"
          role="dialog"
          aria-label="Choose columns"
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
        >
          <input
            type="search"
            aria-label="Search columns"
            placeholder="Search config, summary, meta…"
            value={search}
            autoFocus
            onChange={(e) => { setSearch(e.target.value); }}
          />
          {chosen.length > 0 && (
            <div className="column-section">
              <div className="column-section-title">Shown</div>
              {chosen.map((id) => (
                <div key={id} className="column-option chosen">
                  <span className="column-name" title={id}>{id}</span>
                  <button type="button" aria-pressed={pinned.includes(id)} aria-label={`Pin ${id}`}
                    title="Pinned columns come first"
                    onClick={() => {
                      onChange(chosen, pinned.includes(id) ? pinned.filter((p) => p !== id) : [...pinned, id]);
                    }}>
                    {pinned.includes(id) ? "📌" : "📍"}
                  </button>
                  <button type="button" aria-label={`Move ${id} left`} onClick={() => { move(id, -1); }}>←</button>
                  <button type="button" aria-label={`Move ${id} right`} onClick={() => { move(id, 1); }}>→</button>
                  <button type="button" aria-label={`Hide column ${id}`} onClick={() => { toggle(id); }}>✕</button>
                </div>
              ))}
            </div>
          )}
          <div className="column-section">
            <div className="column-section-title">Available</div>
            {shown.length === 0 && <div className="muted">No key matches.</div>}
            {shown.map((c) => (
              <label key={c.id} className="column-option">
                <input type="checkbox" checked={chosen.includes(c.id)} onChange={() => { toggle(c.id); }} />
                <span className="column-group">{c.group}</span>
                <span className="column-name" title={c.id}>{c.id}</span>
              </label>
            ))}
          </div>
          <button type="button" onClick={() => { setOpen(false); }}>Done</button>
        </div>
      )}
    </div>
  );
}
