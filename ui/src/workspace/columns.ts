/** Table columns: the fixed ones, picked config/summary/meta keys, how each shows and sorts. */

import type { Run } from "../api/types";
import { formatDuration, formatNumber, formatRelativeTime } from "../lib/format";
import { valueAt } from "./api";

export interface Column {
  id: string;
  label: string;
  /** the server's sort field, or null when not sortable */
  sortField: string | null;
  width: number;
  align: "left" | "right";
  render: (run: Run) => string;
}

const FIXED_SORTABLE = new Set(["name", "state", "created_at", "group", "job_type", "host", "notes", "id"]);

export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  return JSON.stringify(value);
}

function duration(run: Run): string {
  const end = run.finished_at ?? (run.state === "running" ? Date.now() / 1000 : run.heartbeat_at);
  return formatDuration(Math.max(0, end - run.created_at));
}

export function columnFor(id: string, widths: Record<string, number>): Column {
  const base = { id, width: widths[id] ?? 120, align: "left" as const };
  switch (id) {
    case "created_at":
      return { ...base, label: "Created", sortField: "created_at", width: widths[id] ?? 96, render: (r) => formatRelativeTime(r.created_at) };
    case "duration":
      return { ...base, label: "Runtime", sortField: null, width: widths[id] ?? 80, render: duration };
    case "tags":
      return { ...base, label: "Tags", sortField: null, width: widths[id] ?? 140, render: (r) => r.tags.join(", ") };
    default: {
      const numeric = id.startsWith("summary.") || id.startsWith("config.");
      return {
        ...base,
        label: id,
        sortField: id.startsWith("config.") || id.startsWith("summary.") || FIXED_SORTABLE.has(id) ? id : null,
        align: numeric ? "right" : "left",
        render: (r) => formatCell(valueAt(r, id)),
      };
    }
  }
}

/** Columns the picker offers besides config/summary keys. */
export const OTHER_COLUMNS = ["created_at", "duration", "tags", "group", "job_type", "host", "notes", "id"];

/** The columns shown when a project's layout picks none: a few summary and config keys. */
export function defaultColumns(config: { key: string; count: number }[], summary: { key: string; count: number }[]): string[] {
  const top = (keys: { key: string; count: number }[], n: number) =>
    [...keys].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)).slice(0, n).map((k) => k.key);
  return ["created_at", "duration", "tags", ...top(summary, 4).map((k) => `summary.${k}`), ...top(config, 4).map((k) => `config.${k}`)];
}

/** The next sort after a click on a column header: ascending, descending, then none. */
export function nextOrder(current: string, field: string): string {
  if (current === field || current === `+${field}`) return `-${field}`;
  if (current === `-${field}`) return "";
  return field;
}

export function sortDirection(current: string, field: string | null): "ascending" | "descending" | "none" {
  if (field === null) return "none";
  if (current === field || current === `+${field}`) return "ascending";
  if (current === `-${field}`) return "descending";
  return "none";
}
