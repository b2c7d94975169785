/** Pure data shaping for the chart panel: the `chart` value, and a table's rows turned into a
 * confusion matrix, aligned curves for uPlot (PR, ROC, line), scatter points or bars.
 *
 * Column names come from the value's `fields` (W&B's names: confusion matrices use `Actual`,
 * `Predicted`, `nPredictions`; PR and ROC curves `x`, `y`, `class`; `line` `x`, `y`, `stroke`;
 * `bar` `label`, `value`), falling back to W&B's default column names when a field is missing.
 * Shape errors throw `ChartDataError` with a message that names the missing column.
 */

import { PALETTE } from "../../lib/colors";

export type ChartKind = "confusion_matrix" | "pr_curve" | "roc_curve" | "line" | "scatter" | "bar";
export const CHART_KINDS: readonly ChartKind[] = ["confusion_matrix", "pr_curve", "roc_curve", "line", "scatter", "bar"];

export interface ChartSpec {
  chart: ChartKind;
  tableKey: string;
  fields: Record<string, string>;
  title: string | null;
}

export class ChartDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChartDataError";
  }
}

/** The logged `chart` value, or a ChartDataError saying what is wrong with it. */
export function parseChartValue(value: unknown): ChartSpec {
  if (typeof value !== "object" || value === null) throw new ChartDataError("the logged value is not a chart");
  const v = value as Record<string, unknown>;
  const chart = v.chart;
  if (typeof chart !== "string" || !(CHART_KINDS as readonly string[]).includes(chart)) {
    throw new ChartDataError(`unknown chart kind ${JSON.stringify(chart)} (known: ${CHART_KINDS.join(", ")})`);
  }
  if (typeof v.table_key !== "string" || v.table_key === "") throw new ChartDataError("the chart names no table_key");
  const fields: Record<string, string> = {};
  if (typeof v.fields === "object" && v.fields !== null) {
    for (const [name, column] of Object.entries(v.fields as Record<string, unknown>)) {
      if (typeof column === "string") fields[name] = column;
    }
  }
  return { chart: chart as ChartKind, tableKey: v.table_key, fields, title: typeof v.title === "string" && v.title ? v.title : null };
}

type Columns = readonly { name: string }[];
type Rows = readonly (readonly unknown[])[];

/** The index of the first column named by `fields[role]` or else one of `defaults`; -1 if none. */
export function findColumn(columns: Columns, fields: Record<string, string>, roles: readonly string[], defaults: readonly string[]): number {
  for (const role of roles) {
    const name = fields[role];
    if (name !== undefined) {
      const i = columns.findIndex((c) => c.name === name);
      if (i >= 0) return i;
    }
  }
  for (const name of defaults) {
    const i = columns.findIndex((c) => c.name === name);
    if (i >= 0) return i;
  }
  return -1;
}

function need(columns: Columns, fields: Record<string, string>, roles: readonly string[], defaults: readonly string[], what: string): number {
  const i = findColumn(columns, fields, roles, defaults);
  if (i < 0) {
    const named = roles.map((r) => fields[r]).find((n) => n !== undefined);
    throw new ChartDataError(
      `the table has no ${what} column (${named ? `"${named}"` : defaults.map((d) => `"${d}"`).join(" or ")}); it has ${columns.map((c) => c.name).join(", ") || "none"}`,
    );
  }
  return i;
}

export function toNum(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const label = (value: unknown): string => (value === null || value === undefined ? "–" : typeof value === "string" ? value : JSON.stringify(value));

export interface Matrix {
  /** class names, in order of first appearance (actual, then predicted) */
  classes: string[];
  /** counts[actual][predicted] */
  counts: number[][];
  max: number;
  total: number;
}

export function confusionMatrix(columns: Columns, rows: Rows, fields: Record<string, string>): Matrix {
  const a = need(columns, fields, ["Actual", "actual", "y_true"], ["Actual", "actual"], "actual-class");
  const p = need(columns, fields, ["Predicted", "predicted", "y_pred"], ["Predicted", "predicted"], "predicted-class");
  const n = need(columns, fields, ["nPredictions", "count", "value"], ["nPredictions", "count"], "count");
  const index = new Map<string, number>();
  const cls = (v: unknown): number => {
    const name = label(v);
    let i = index.get(name);
    if (i === undefined) {
      i = index.size;
      index.set(name, i);
    }
    return i;
  };
  const cells: [number, number, number][] = [];
  for (const row of rows) cells.push([cls(row[a]), cls(row[p]), toNum(row[n]) ?? 0]);
  const k = index.size;
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let max = 0;
  let total = 0;
  for (const [i, j, c] of cells) {
    const line = counts[i];
    if (!line) continue;
    line[j] = (line[j] ?? 0) + c;
    max = Math.max(max, line[j] ?? 0);
    total += c;
  }
  return { classes: [...index.keys()], counts, max, total };
}

export interface Curves {
  /** x of every point, ascending (repeats allowed): uPlot's x column */
  x: number[];
  /** one column per series, a value only on that series' own points (drawn with spanGaps) */
  series: { name: string; color: string; values: (number | null)[] }[];
}

/** Points grouped into series by `group` (one series when null), merged into one ascending x
 * column so uPlot draws each series through its own points, vertical steps included. */
export function curves(columns: Columns, rows: Rows, kind: "pr_curve" | "roc_curve" | "line", fields: Record<string, string>): Curves {
  const xDefaults = kind === "pr_curve" ? ["recall", "x"] : kind === "roc_curve" ? ["fpr", "x"] : ["x", "step"];
  const yDefaults = kind === "pr_curve" ? ["precision", "y"] : kind === "roc_curve" ? ["tpr", "y"] : ["y", "value"];
  const xi = need(columns, fields, ["x"], xDefaults, "x");
  const yi = need(columns, fields, ["y"], yDefaults, "y");
  const gi = findColumn(columns, fields, ["class", "stroke", "color"], kind === "line" ? [] : ["class"]);
  const names = new Map<string, number>();
  const points: { x: number; y: number; s: number }[] = [];
  for (const row of rows) {
    const x = toNum(row[xi]);
    const y = toNum(row[yi]);
    if (x === null || y === null) continue;
    const name = gi >= 0 ? label(row[gi]) : (columns[yi]?.name ?? "y");
    let s = names.get(name);
    if (s === undefined) {
      s = names.size;
      names.set(name, s);
    }
    points.push({ x, y, s });
  }
  // stable sort: points of one series at the same x keep their logged order
  points.sort((p, q) => p.x - q.x);
  const series = [...names.keys()].map((name, i) => ({
    name,
    color: PALETTE[i % PALETTE.length] ?? "#1f77b4",
    values: new Array<number | null>(points.length).fill(null),
  }));
  points.forEach((p, i) => {
    const s = series[p.s];
    if (s) s.values[i] = p.y;
  });
  return { x: points.map((p) => p.x), series };
}

export interface ScatterPoint {
  x: number;
  y: number;
  color: string;
}

export function scatterPoints(columns: Columns, rows: Rows, fields: Record<string, string>): { points: ScatterPoint[]; groups: { name: string; color: string }[] } {
  const xi = need(columns, fields, ["x"], ["x"], "x");
  const yi = need(columns, fields, ["y"], ["y"], "y");
  const gi = findColumn(columns, fields, ["class", "color", "stroke"], []);
  const groups = new Map<string, string>();
  const points: ScatterPoint[] = [];
  for (const row of rows) {
    const x = toNum(row[xi]);
    const y = toNum(row[yi]);
    if (x === null || y === null) continue;
    const name = gi >= 0 ? label(row[gi]) : "";
    let color = groups.get(name);
    if (color === undefined) {
      color = PALETTE[groups.size % PALETTE.length] ?? "#1f77b4";
      groups.set(name, color);
    }
    points.push({ x, y, color });
  }
  return { points, groups: gi >= 0 ? [...groups].map(([name, color]) => ({ name, color })) : [] };
}

export interface Bar {
  label: string;
  value: number;
}

export const MAX_BARS = 500;

/** One bar per row (W&B's `bar`: `label`, `value`), at most MAX_BARS. */
export function bars(columns: Columns, rows: Rows, fields: Record<string, string>): Bar[] {
  const li = need(columns, fields, ["label", "x"], ["label"], "label");
  const vi = need(columns, fields, ["value", "y"], ["value"], "value");
  const out: Bar[] = [];
  for (const row of rows) {
    const value = toNum(row[vi]);
    if (value === null) continue;
    out.push({ label: label(row[li]), value });
    if (out.length >= MAX_BARS) break;
  }
  return out;
}

/** Heatmap cell colour: the accent colour at an opacity that grows with the count. */
export function heat(count: number, max: number): number {
  if (max <= 0 || count <= 0) return 0;
  return 0.08 + 0.92 * Math.sqrt(count / max);
}
