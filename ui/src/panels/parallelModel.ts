/** Parallel coordinates without drawing: which keys vary, each axis's kind and scale, brushing,
 * and the metric's colour scale. The panel (./parallel.tsx) only lays these out on a canvas. */

import { runValue, toNumber } from "../charts/layout";

export interface RunValues {
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
}

export type AxisKind = "linear" | "log" | "categorical";

export interface Axis {
  /** "config.lr" / "summary.acc" */
  key: string;
  kind: AxisKind;
  /** numeric axes: the range shown (log axes: of the values, not their logs) */
  min: number;
  max: number;
  /** categorical axes: the values in order, as text */
  categories: string[];
}

/** A brush: the selected part of an axis, as positions in [0, 1] (0 at the bottom). */
export type Brushes = Record<string, readonly [number, number]>;

/** `{a: {b: 1}}` → `["a.b"]`; `{value, desc}` entries (the SDK's described config) are leaves. */
export function configKeys(config: Record<string, unknown>, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, item] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key.startsWith("_")) continue;
    if (item !== null && typeof item === "object" && !Array.isArray(item) && !("value" in item) && Object.keys(item).length > 0) {
      out.push(...configKeys(item as Record<string, unknown>, path));
    } else {
      out.push(path);
    }
  }
  return out;
}

/** The value of a run at a key, as text for categories (lists and objects as JSON). */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** The config keys (as "config.<key>") whose values differ among the runs, sorted. */
export function varyingKeys(runs: readonly RunValues[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of configKeys(run.config)) keys.add(`config.${key}`);
  return [...keys]
    .filter((key) => new Set(runs.map((run) => valueText(runValue(run, key)))).size > 1)
    .sort();
}

/** A number on a numeric axis, or null when the value is not a finite number (booleans are
 * categories, not 0/1). */
function numeric(value: unknown): number | null {
  if (typeof value === "boolean") return null;
  const n = toNumber(value);
  return n !== null && Number.isFinite(n) ? n : null;
}

/** Whether a positive range spans at least two decades (a log axis then reads better). */
export function spansDecades(min: number, max: number): boolean {
  return min > 0 && max > 0 && Math.log10(max) - Math.log10(min) >= 2;
}

/** One axis over the runs' values at `key`. Numeric when every present value is a finite number,
 * categorical otherwise (categories sorted, numbers numerically). `log`: true or false forces a log
 * or a linear scale (a log scale only where every value is positive); undefined picks log for
 * positive ranges spanning two decades or more. */
export function buildAxis(runs: readonly RunValues[], key: string, log?: boolean): Axis {
  const values = runs.map((run) => runValue(run, key)).filter((v) => v !== undefined && v !== null);
  const numbers = values.map(numeric);
  if (values.length > 0 && numbers.every((n) => n !== null)) {
    const ns = numbers;
    const min = Math.min(...ns);
    const max = Math.max(...ns);
    const canLog = min > 0;
    const useLog = canLog && (log ?? spansDecades(min, max));
    return { key, kind: useLog ? "log" : "linear", min, max, categories: [] };
  }
  const categories = [...new Set(values.map(valueText))];
  categories.sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
  });
  return { key, kind: "categorical", min: 0, max: Math.max(0, categories.length - 1), categories };
}

/** Where a value sits on an axis, in [0, 1] (0 at the bottom); null when the run has no value
 * there (it is then drawn without that segment, not at a made-up place). */
export function position(axis: Axis, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (axis.kind === "categorical") {
    const index = axis.categories.indexOf(valueText(value));
    if (index < 0) return null;
    return axis.categories.length === 1 ? 0.5 : index / (axis.categories.length - 1);
  }
  const n = numeric(value);
  if (n === null) return null;
  if (axis.max === axis.min) return 0.5;
  if (axis.kind === "log") {
    if (n <= 0) return null;
    return (Math.log10(n) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min));
  }
  return (n - axis.min) / (axis.max - axis.min);
}

/** The value at a position of a numeric axis (for tick labels and brush read-outs). */
export function valueAt(axis: Axis, t: number): number {
  if (axis.kind === "log") return 10 ** (Math.log10(axis.min) + t * (Math.log10(axis.max) - Math.log10(axis.min)));
  return axis.min + t * (axis.max - axis.min);
}

/** Tick positions and labels of an axis: every category (thinned to `max`), or ~5 numbers (log
 * axes: powers of ten when the range holds two or more). */
export function axisTicks(axis: Axis, max = 8): { t: number; label: string }[] {
  if (axis.kind === "categorical") {
    const n = axis.categories.length;
    const stride = Math.max(1, Math.ceil(n / max));
    return axis.categories
      .map((label, i) => ({ t: n === 1 ? 0.5 : i / (n - 1), label }))
      .filter((_, i) => i % stride === 0 || i === n - 1);
  }
  if (axis.max === axis.min) return [{ t: 0.5, label: formatTick(axis.min) }];
  if (axis.kind === "log") {
    const lo = Math.ceil(Math.log10(axis.min) - 1e-9);
    const hi = Math.floor(Math.log10(axis.max) + 1e-9);
    if (hi - lo >= 1) {
      const out: { t: number; label: string }[] = [];
      const stride = Math.max(1, Math.ceil((hi - lo + 1) / max));
      for (let e = lo; e <= hi; e += stride) out.push({ t: position(axis, 10 ** e) ?? 0, label: formatTick(10 ** e) });
      return out;
    }
  }
  return [0, 0.25, 0.5, 0.75, 1].map((t) => ({ t, label: formatTick(valueAt(axis, t)) }));
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e5 || a < 1e-3) return Number(v.toPrecision(2)).toExponential().replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

/** The positions of every run on every axis (rows in run order). */
export function placeRuns(runs: readonly RunValues[], axes: readonly Axis[]): (number | null)[][] {
  return runs.map((run) => axes.map((axis) => position(axis, runValue(run, axis.key))));
}

/** Whether a run passes every brush: a brushed axis needs the run's position inside its range
 * (a run without a value there is out). */
export function passes(row: readonly (number | null)[], axes: readonly Axis[], brushes: Brushes): boolean {
  for (let i = 0; i < axes.length; i++) {
    const axis = axes[i];
    const brush = axis ? brushes[axis.key] : undefined;
    if (!brush) continue;
    const t = row[i];
    const [lo, hi] = brush[0] <= brush[1] ? brush : [brush[1], brush[0]];
    if (t === null || t === undefined || t < lo - 1e-9 || t > hi + 1e-9) return false;
  }
  return true;
}

/** How many runs pass the brushes. */
export function countHighlighted(rows: readonly (readonly (number | null)[])[], axes: readonly Axis[], brushes: Brushes): number {
  return rows.filter((row) => passes(row, axes, brushes)).length;
}

// viridis, sampled: a sequential scale that reads on light and dark backgrounds
const VIRIDIS = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
] as const;

/** The colour of t in [0, 1] on the sequential scale (out-of-range t is clamped). */
export function sequentialColor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i] ?? VIRIDIS[0];
  const b = VIRIDIS[i + 1] ?? a;
  const mix = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** The axis keys a panel shows: the chosen ones, or the varying config keys; the metric last and
 * once. */
export function axisKeys(runs: readonly RunValues[], chosen: readonly string[] | undefined, metric: string | undefined): string[] {
  const base = chosen && chosen.length > 0 ? [...chosen] : varyingKeys(runs);
  const keys = base.filter((k) => k !== metric);
  if (metric) keys.push(metric);
  return keys;
}
