/** Derived lines: an expression over one run's series, evaluated on aligned x.
 *
 * Exact windows align on equal x (on the Step axis, the steps; a repeated x takes its last
 * value): a point is kept where every metric the expression names has one. Where any of them is
 * bucketed, all are put on one grid of `cells` equal cells over their x range and the
 * expression is evaluated on each cell's means, in the cells where every metric has points
 * (the line says so: `bucketMeans`). A cell's x is the smallest x any of its metrics has there.
 */

import { evaluate, type Expr } from "../lib/expression";
import { fromPoints, toGrid, type Buckets } from "../lib/bucketing";

/** One metric's window of one run. */
export interface MetricWindow {
  mode: "exact" | "buckets";
  data: Buckets;
}

export interface DerivedLine {
  mode: "exact" | "buckets";
  /** the derived values as exact points (one per aligned x) */
  data: Buckets;
  /** computed from bucket means, not from the logged points themselves */
  bucketMeans: boolean;
}

/** The expression's line for one run, or null when a metric it names has no window here (or it
 * names none: a constant has nothing to align on). */
export function derivedLine(
  expr: Expr,
  metrics: readonly string[],
  windows: ReadonlyMap<string, MetricWindow>,
  cells: number,
): DerivedLine | null {
  if (metrics.length === 0) return null;
  const inputs: MetricWindow[] = [];
  for (const m of metrics) {
    const w = windows.get(m);
    if (!w || w.data.x.length === 0) return null;
    inputs.push(w);
  }
  const aligned = inputs.every((w) => w.mode === "exact") ? alignExact(inputs) : alignGrid(inputs, cells);
  const values = new Float64Array(aligned.x.length);
  const at = new Map<string, number>();
  for (let i = 0; i < aligned.x.length; i++) {
    metrics.forEach((m, k) => at.set(m, aligned.columns[k]?.[i] ?? NaN));
    values[i] = evaluate(expr, (m) => at.get(m) ?? NaN);
  }
  const bucketMeans = aligned.mode === "buckets";
  return { mode: aligned.mode, data: fromPoints(aligned.x, values), bucketMeans };
}

interface Aligned {
  mode: "exact" | "buckets";
  x: number[];
  /** one column per input, values at each aligned x */
  columns: number[][];
}

function alignExact(inputs: MetricWindow[]): Aligned {
  const maps = inputs.map((w) => {
    const m = new Map<number, number>();
    for (let i = 0; i < w.data.x.length; i++) m.set(w.data.x[i] as number, w.data.mean[i] as number);
    return m;
  });
  const [first, ...rest] = maps;
  const x = [...(first?.keys() ?? [])].filter((v) => rest.every((m) => m.has(v))).sort((a, b) => a - b);
  return { mode: "exact", x, columns: maps.map((m) => x.map((v) => m.get(v) as number)) };
}

function alignGrid(inputs: MetricWindow[], cells: number): Aligned {
  let lo = Infinity;
  let hi = -Infinity;
  for (const w of inputs) {
    lo = Math.min(lo, w.data.x[0] as number);
    hi = Math.max(hi, w.data.x[w.data.x.length - 1] as number);
  }
  const grid = { lo, hi, n: Math.max(1, cells) };
  const gridded = inputs.map((w) => toGrid(w.data, grid));
  const x: number[] = [];
  const columns: number[][] = inputs.map(() => []);
  for (let c = 0; c < grid.n; c++) {
    if (!gridded.every((g) => !Number.isNaN(g.x[c] as number))) continue; // empty cells have x NaN
    x.push(Math.min(...gridded.map((g) => g.x[c] as number)));
    gridded.forEach((g, k) => columns[k]?.push(g.mean[c] as number));
  }
  return { mode: "buckets", x, columns };
}
