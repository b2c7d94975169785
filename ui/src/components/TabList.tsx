/** A row of tabs with the ARIA tab pattern: arrow keys move between them (wrapping), the
 * selected one is the only one in the tab order; the panel is the caller's (`panel-<id>`). */

export function TabList<T extends string>({ tabs, current, label, onSelect }: {
  tabs: readonly (readonly [T, string])[];
  current: T;
  label: string;
  onSelect: (id: T) => void;
}) {
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {tabs.map(([id, text], index) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={`tab-${id}`}
          aria-selected={current === id}
          aria-controls={`panel-${id}`}
          tabIndex={current === id ? 0 : -1}
          onClick={() => { onSelect(id); }}
          onKeyDown={(e) => {
            const move = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
            if (move === 0) return;
            const next = tabs[(index + move + tabs.length) % tabs.length];
            if (next) {
              onSelect(next[0]);
              document.getElementById(`tab-${next[0]}`)?.focus();
            }
          }}
        >
          {text}
        </button>
      ))}
    </div>
  );
}
