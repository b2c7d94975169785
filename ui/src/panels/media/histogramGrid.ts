/** Histograms over steps: every step's bins are resampled onto one common value grid so the
 * heatmap's rows mean the same value range at every step. */

import type { HistogramValue } from "./values";

export interface HistogramStep {
  step: number;
  hist: HistogramValue;
}

export interface HeatGrid {
  steps: number[];
  /** value range of the grid: rows are equal slices of [lo, hi] */
  lo: number;
  hi: number;
  rows: number;
  /** counts[column * rows + row], row 0 at lo */
  counts: Float64Array;
  max: number;
}

/** The common value range of the steps' bins, or null for no steps. A single point range is
 * widened so it has a height. */
export function valueRange(steps: readonly HistogramStep[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const { hist } of steps) {
    lo = Math.min(lo, hist.bins[0] as number);
    hi = Math.max(hi, hist.bins[hist.bins.length - 1] as number);
  }
  if (!(lo <= hi)) return null;
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** One histogram's counts on `rows` equal slices of [lo, hi]: each source bin's count is spread
 * over the slices it overlaps in proportion to the overlap (counts are assumed uniform within a
 * bin); a zero-width bin puts its count in the slice holding its edge. Totals are preserved for
 * bins inside [lo, hi]. */
export function resample(hist: HistogramValue, lo: number, hi: number, rows: number): Float64Array {
  const out = new Float64Array(rows);
  const h = (hi - lo) / rows;
  if (!(h > 0)) return out;
  const rowOf = (v: number) => Math.min(rows - 1, Math.max(0, Math.floor((v - lo) / h)));
  for (let i = 0; i < hist.values.length; i++) {
    const count = hist.values[i] as number;
    if (count === 0) continue;
    const a = hist.bins[i] as number;
    const b = hist.bins[i + 1] as number;
    if (b <= a) {
      out[rowOf(a)] = (out[rowOf(a)] ?? 0) + count;
      continue;
    }
    const first = rowOf(a);
    const last = rowOf(b - (b - a) * 1e-12);
    for (let r = first; r <= last; r++) {
      const r0 = lo + r * h;
      const overlap = Math.min(b, r0 + h) - Math.max(a, r0);
      if (overlap > 0) out[r] = (out[r] ?? 0) + (count * overlap) / (b - a);
    }
  }
  return out;
}

/** The heatmap of histograms over steps (sorted by step) on `rows` rows. */
export function heatGrid(steps: readonly HistogramStep[], rows: number): HeatGrid | null {
  const range = valueRange(steps);
  if (!range || rows < 1) return null;
  const [lo, hi] = range;
  const sorted = [...steps].sort((x, y) => x.step - y.step);
  const counts = new Float64Array(sorted.length * rows);
  let max = 0;
  sorted.forEach(({ hist }, column) => {
    const col = resample(hist, lo, hi, rows);
    counts.set(col, column * rows);
    for (const c of col) max = Math.max(max, c);
  });
  return { steps: sorted.map((s) => s.step), lo, hi, rows, counts, max };
}

/** The column (step index) under x in [0, width) for `n` steps drawn left to right. */
export function columnAt(x: number, width: number, n: number): number | null {
  if (n === 0 || width <= 0 || x < 0 || x >= width) return null;
  return Math.min(n - 1, Math.floor((x / width) * n));
}
