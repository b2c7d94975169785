import { memo } from "react";
import { Link } from "react-router";
import type { Run } from "../api/types";
import type { Column } from "./columns";

export interface RowControls {
  entity: string;
  project: string;
  colorOf: (run: Run) => string;
  isHidden: (id: string) => boolean;
  isSelected: (id: string) => boolean;
  toggleHidden: (id: string) => void;
  toggleSelected: (id: string) => void;
  setColor: (id: string, color: string) => void;
  openRun: (id: string) => void;
}

export const FIXED_WIDTH = 28 + 28 + 24 + 220 + 86; // select, eye, colour, name, state

/** The width of a row: fixed cells plus the picked columns. */
export function rowWidth(columns: Column[]): number {
  return FIXED_WIDTH + columns.reduce((w, c) => w + c.width, 0);
}

interface Props {
  run: Run | undefined;
  index: number;
  columns: Column[];
  controls: RowControls;
  style?: React.CSSProperties;
}

/** One run in the table (or a placeholder while its window loads). */
export const RunRow = memo(function RunRow({ run, index, columns, controls, style }: Props) {
  if (run === undefined) {
    return (
      <div className="runs-row placeholder" role="row" aria-rowindex={index + 2} style={style}>
        <div className="runs-cell" role="cell" style={{ width: FIXED_WIDTH }}>
          <span className="skeleton" />
        </div>
      </div>
    );
  }
  const hidden = controls.isHidden(run.id);
  const selected = controls.isSelected(run.id);
  const color = controls.colorOf(run);
  const archived = run.archived_at != null;
  return (
    <div
      className={`runs-row${selected ? " selected" : ""}${hidden ? " muted" : ""}${archived ? " archived" : ""}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      tabIndex={0}
      data-run-id={run.id}
      style={style}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return;
        if (e.key === "Enter") controls.openRun(run.id);
        else if (e.key === " ") {
          e.preventDefault();
          controls.toggleSelected(run.id);
        } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          const sibling = e.key === "ArrowDown" ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling;
          if (sibling instanceof HTMLElement && sibling.tabIndex === 0) sibling.focus();
        }
      }}
    >
      <div className="runs-cell fixed" role="cell" style={{ width: 28 }}>
        <input
          type="checkbox"
          aria-label={`Select ${run.name}`}
          checked={selected}
          onChange={() => { controls.toggleSelected(run.id); }}
        />
      </div>
      <div className="runs-cell fixed" role="cell" style={{ width: 28 }}>
        <button
          type="button"
          className={`eye${hidden ? " off" : ""}`}
          aria-label={`${hidden ? "Show" : "Hide"} ${run.name} in charts`}
          aria-pressed={!hidden}
          title={hidden ? "Hidden from charts" : "Shown in charts"}
          onClick={() => { controls.toggleHidden(run.id); }}
        >
          {hidden ? "◌" : "◉"}
        </button>
      </div>
      <div className="runs-cell fixed" role="cell" style={{ width: 24 }}>
        <label className="swatch" style={{ background: color }} title="Run colour">
          <input
            type="color"
            aria-label={`Colour of ${run.name}`}
            value={color}
            onChange={(e) => { controls.setColor(run.id, e.target.value); }}
          />
        </label>
      </div>
      <div className="runs-cell name" role="cell" style={{ width: 220 }}>
        {archived && <span className="badge archived-badge" title="Archived: hidden unless Show archived is on">archived</span>}
        <Link to={`/${encodeURIComponent(controls.entity)}/${encodeURIComponent(controls.project)}/runs/${encodeURIComponent(run.id)}`} title={run.name} tabIndex={-1}>
          {run.name}
        </Link>
      </div>
      <div className="runs-cell" role="cell" style={{ width: 86 }}>
        <span className={`badge state-${run.state}`}>{run.state}</span>
      </div>
      {columns.map((column) => {
        const text = column.render(run);
        return (
          <div key={column.id} className={`runs-cell ${column.align}`} role="cell" style={{ width: column.width }} title={text}>
            {text}
          </div>
        );
      })}
    </div>
  );
});
