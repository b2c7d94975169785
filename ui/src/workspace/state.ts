/** Workspace state: what the URL carries (shareable) and what the saved layout keeps. */

import { useCallback } from "react";
import { useSearchParams } from "react-router";

export interface TableLayout {
  /** picked columns beyond the fixed ones: `config.lr`, `summary.acc`, `meta.python`, `group`... */
  columns: string[];
  /** picked columns shown first, before the others */
  pinned: string[];
  widths: Record<string, number>;
  /** run id → colour chosen by the user */
  colors: Record<string, string>;
  /** run ids whose eye is off: not drawn in charts */
  hidden: string[];
  /** how many runs the charts draw when none are selected */
  maxRuns: number;
  /** width of the table pane in px; 0 when collapsed */
  tableWidth: number;
}

export const DEFAULT_TABLE: TableLayout = {
  columns: [],
  pinned: [],
  widths: {},
  colors: {},
  hidden: [],
  maxRuns: 10,
  tableWidth: 620,
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

const record = <T>(value: unknown, check: (v: unknown) => v is T): Record<string, T> => {
  const out: Record<string, T> = {};
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (check(v)) out[k] = v;
  }
  return out;
};

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isColor = (v: unknown): v is string => typeof v === "string" && /^#[0-9a-fA-F]{6}$/.test(v);

/** A saved table layout, checked field by field (a bad or old document never breaks the page). */
export function readTableLayout(saved: unknown): TableLayout {
  if (saved === null || typeof saved !== "object") return { ...DEFAULT_TABLE, columns: [] };
  const s = saved as Record<string, unknown>;
  return {
    columns: strings(s.columns),
    pinned: strings(s.pinned),
    widths: record(s.widths, isNumber),
    colors: record(s.colors, isColor),
    hidden: strings(s.hidden),
    maxRuns: isNumber(s.maxRuns) && s.maxRuns >= 1 ? Math.min(Math.round(s.maxRuns), 100) : DEFAULT_TABLE.maxRuns,
    tableWidth: isNumber(s.tableWidth) && s.tableWidth >= 0 ? s.tableWidth : DEFAULT_TABLE.tableWidth,
  };
}

export interface UrlState {
  /** the filter expression as typed */
  expression: string;
  /** e.g. `-summary.acc`; empty: newest first */
  order: string;
  /** e.g. `config.optimizer`; empty: no grouping */
  groupBy: string;
  /** archived runs are listed too (`?archived=1`) */
  archived: boolean;
}

/** Filter, sort, group-by and showing archived runs in the URL's query string (other parameters are kept). */
export function useUrlState(): [UrlState, (change: Partial<UrlState>) => void] {
  const [params, setParams] = useSearchParams();
  const state: UrlState = {
    expression: params.get("q") ?? "",
    order: params.get("sort") ?? "",
    groupBy: params.get("group") ?? "",
    archived: params.get("archived") === "1",
  };
  const update = useCallback(
    (change: Partial<UrlState>) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          const set = (name: string, value: string | undefined) => {
            if (value === undefined) return;
            if (value) next.set(name, value);
            else next.delete(name);
          };
          set("q", change.expression);
          set("sort", change.order);
          set("group", change.groupBy);
          if (change.archived !== undefined) set("archived", change.archived ? "1" : "");
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [state, update];
}
