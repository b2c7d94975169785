/** The settings these panels keep in `PanelConfig.settings`, read defensively (a saved layout may
 * hold anything) and written back through one function. */

import type { PanelConfig } from "../../charts/layout";
import type { SortKey } from "./api";

export interface TableSettings {
  /** the step shown; null = the latest */
  step: number | null;
  sort: SortKey[];
  /** filter expression in the runs' filter language, e.g. `score > 0.5 and label = cat` */
  expr: string;
  groupBy: string | null;
  /** several runs: join their rows on this column (null stacks them under a `run` column) */
  joinOn: string | null;
}

export interface ViewSettings {
  /** the step shown; null = the latest */
  step: number | null;
}

export const DEFAULT_TABLE_SETTINGS: TableSettings = { step: null, sort: [], expr: "", groupBy: null, joinOn: null };

function raw(panel: PanelConfig): Record<string, unknown> {
  const s: unknown = panel.settings;
  return typeof s === "object" && s !== null ? (s as Record<string, unknown>) : {};
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const step = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null);

export function tableSettings(panel: PanelConfig): TableSettings {
  const s = raw(panel);
  const sort = Array.isArray(s.sort)
    ? s.sort.filter(
        (k): k is SortKey =>
          typeof k === "object" &&
          k !== null &&
          typeof (k as SortKey).column === "string" &&
          ((k as SortKey).order === "asc" || (k as SortKey).order === "desc"),
      )
    : [];
  return {
    step: step(s.step),
    sort,
    expr: typeof s.expr === "string" ? s.expr : "",
    groupBy: str(s.groupBy),
    joinOn: str(s.joinOn),
  };
}

export function viewSettings(panel: PanelConfig): ViewSettings {
  return { step: step(raw(panel).step) };
}

/** `panel` with `patch` merged into its settings (other keys kept). */
export function withSettings(panel: PanelConfig, patch: Partial<TableSettings> | Partial<ViewSettings>): PanelConfig {
  // PanelConfig.settings is typed for line panels; the registry keeps any object a module stores
  const settings = { ...raw(panel), ...patch } as PanelConfig["settings"];
  return { ...panel, settings };
}

/** The next sort after a click on `column`'s header: ascending, descending, then none. */
export function nextSort(sort: readonly SortKey[], column: string): SortKey[] {
  const current = sort.find((k) => k.column === column);
  if (!current) return [{ column, order: "asc" }];
  if (current.order === "asc") return [{ column, order: "desc" }];
  return [];
}
