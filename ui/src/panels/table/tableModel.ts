/** Pure helpers of the table panel: which row windows to fetch for what is on screen, and what a
 * cell shows (numbers, text, media references). */

import type { MediaCell, TableAnswer } from "./api";
import { formatNumber } from "../../charts/theme";

/** rows fetched per request (the server allows up to 1000) */
export const WINDOW = 200;

/** The windows (index = offset / WINDOW) covering rows first..last, both included. */
export function windowsFor(first: number, last: number, total: number | null): number[] {
  if (total !== null && total <= 0) return [0];
  const end = total === null ? last : Math.min(last, total - 1);
  const lo = Math.max(0, Math.floor(first / WINDOW));
  const hi = Math.max(lo, Math.floor(Math.max(end, 0) / WINDOW));
  const out: number[] = [];
  for (let w = lo; w <= hi; w++) out.push(w);
  return out;
}

/** How many rows the panel can show: the total, or the rows at hand while the answer is partial. */
export function rowCount(answer: Pick<TableAnswer, "total" | "rows">): number {
  return answer.total ?? answer.rows.length;
}

/** asks for the full answer after a partial one, at most this many times */
export const MAX_PARTIAL_POLLS = 20;

/** How long to wait before asking again after `answered` partial answers (backoff: 0.25 s, 0.5 s,
 * 1 s, 2 s, then every 4 s); false when the answer is full or the asking is over (bounded). */
export function partialPollDelay(answer: Pick<TableAnswer, "partial"> | undefined, answered: number): number | false {
  if (answer?.partial !== true || answered > MAX_PARTIAL_POLLS) return false;
  return Math.min(4000, 250 * 2 ** Math.max(0, answered - 1));
}

/** The footer's row count: "1,234 rows", or "200 rows so far · loading the rest…" while partial. */
export function rowsText(answer: Pick<TableAnswer, "total" | "rows" | "partial">, polling: boolean): string {
  const count = rowCount(answer);
  const noun = count === 1 ? "row" : "rows";
  if (answer.total !== null && answer.partial !== true) return `${count.toLocaleString()} ${noun}`;
  return `first ${count.toLocaleString()} ${noun} · ${polling ? "loading the rest…" : "the rest is still being built"}`;
}

/** Row `index` from the loaded windows, or undefined while its window is loading. */
export function rowAt(windows: ReadonlyMap<number, TableAnswer>, index: number): unknown[] | undefined {
  return windows.get(Math.floor(index / WINDOW))?.rows[index % WINDOW];
}

export function isMediaCell(value: unknown): value is MediaCell {
  return typeof value === "object" && value !== null && typeof (value as { _type?: unknown })._type === "string";
}

export type CellView =
  | { kind: "empty" }
  | { kind: "text"; text: string; numeric: boolean }
  | { kind: "image"; url: string; alt: string }
  | { kind: "media"; label: string; url: string | null };

const MEDIA_LABELS: Record<string, string> = {
  "audio-file": "audio",
  "video-file": "video",
  "html-file": "html",
  "text-file": "text",
  "object3D-file": "3D",
  "plotly-file": "plotly",
  "table-file": "table",
  "joined-table": "table",
  histogram: "histogram",
  "images/separated": "images",
};

/** What one cell shows: a media value a thumbnail or a link, a server-sent JSON string parsed. */
export function cellView(value: unknown): CellView {
  if (value === null || value === undefined || value === "") return { kind: "empty" };
  let v: unknown = value;
  // media cells arrive as objects; be lenient with the reference JSON sent as text
  if (typeof v === "string" && v.startsWith("{\"_type\"")) {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      // not JSON after all: show the text
    }
  }
  if (isMediaCell(v)) {
    const url = typeof v.url === "string" ? v.url : null;
    if (v._type === "image-file" && url) return { kind: "image", url, alt: v.caption ?? "image" };
    const caption = typeof v.caption === "string" && v.caption ? `: ${v.caption}` : "";
    return { kind: "media", label: `${MEDIA_LABELS[v._type] ?? v._type}${caption}`, url };
  }
  if (typeof v === "number") return { kind: "text", text: formatNumber(v), numeric: true };
  if (typeof v === "boolean") return { kind: "text", text: String(v), numeric: false };
  if (typeof v === "string") return { kind: "text", text: v, numeric: false };
  return { kind: "text", text: JSON.stringify(v), numeric: false };
}

/** A file name for the CSV export: the key with path separators made safe, plus the step. */
export function exportName(key: string, step: number | null): string {
  const base = key.replace(/[^A-Za-z0-9._-]+/g, "_") || "table";
  return `${base}${step === null ? "" : `_step${step}`}.csv`;
}

/** A media column: `media` (mixed) or `media:<_type>` (every cell of that type). */
export const isMediaColumn = (type: string): boolean => type === "media" || type.startsWith("media:");

/** The columns a table can be grouped by or joined on: anything but media and JSON. */
export function groupableColumns(columns: readonly { name: string; type: string }[]): string[] {
  return columns.filter((c) => !isMediaColumn(c.type) && c.type !== "json").map((c) => c.name);
}

/** Column names as the user knows them: joined answers prefix other columns with `<run>/`, stacked
 * ones lead with `run`; both are taken off so group-by and join-on offer the table's own columns. */
export function baseColumns(columns: readonly { name: string; type: string }[], runIds: readonly string[]): { name: string; type: string }[] {
  const seen = new Set<string>();
  const out: { name: string; type: string }[] = [];
  for (const column of columns) {
    let name = column.name;
    for (const id of runIds) {
      if (name.startsWith(`${id}/`)) {
        name = name.slice(id.length + 1);
        break;
      }
    }
    if ((runIds.length > 1 && name === "run") || seen.has(name)) continue;
    seen.add(name);
    out.push({ name, type: column.type });
  }
  return out;
}
