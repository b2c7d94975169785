/** From fetched windows to what uPlot draws: one x array shared by every line of a panel (a line
 * per run and metric: the run's colour, the metric's dash; grouped, per group and metric).
 *
 * Exact windows keep their exact x (the union over runs) when that stays small; otherwise every
 * run is put onto a common grid of `n` equal cells over the x range (lib/bucketing), cells empty
 * for every run are dropped. Grouped runs become one mean line per group with a min/max or ±std
 * band computed across the group's runs on that grid. Single bucketed runs (at most
 * BAND_MAX_LINES of them) get a band of the spread of their own points within each cell: min/max,
 * or mean ± std from the server's per-bucket std. One setting (`band`) picks the kind for both.
 */

import type { Buckets } from "../lib/bucketing";
import { aggregateRuns, fillGaps, fromPoints, toGrid } from "../lib/bucketing";
import { SMOOTHING_TYPES, smoother } from "../lib/smoothing";
import type { BandKind, LineSettings } from "./layout";

export interface RunSeries {
  path: string;
  name: string;
  color: string;
  group: string | null;
  mode: "exact" | "buckets";
  total: number;
  data: Buckets;
  /** the metric (or derived expression) of a panel of several: named after the run, and lines of
   * one metric are grouped apart from the others' */
  metric?: string;
  /** the line's dash pattern (uPlot's `dash`): one per metric of a panel */
  dash?: number[];
  /** no band of its own (derived lines: their points are values, not buckets of points) */
  noBand?: boolean;
}

/** Dash patterns, one per metric of a panel, in order: the first metric is drawn solid. */
export const DASHES: readonly number[][] = [[], [6, 4], [2, 3], [10, 4, 2, 4], [1, 5], [14, 6]];

export function dashFor(index: number): number[] {
  return DASHES[index % DASHES.length] ?? [];
}

export interface LineInfo {
  label: string;
  color: string;
  dash: number[];
  /** index of the drawn (maybe smoothed) line in the uPlot series list */
  series: number;
  /** index of the raw line when smoothing is on */
  raw: number | null;
  /** for groups: how many runs */
  runs?: number;
}

export interface SeriesSpec {
  kind: "line" | "raw" | "band";
  color: string;
  label: string;
  dash: number[];
}

export interface LineModel {
  x: number[];
  columns: (number | null)[][];
  specs: SeriesSpec[];
  /** pairs of series indices [upper, lower] to fill between */
  bands: { upper: number; lower: number; color: string }[];
  lines: LineInfo[];
  mode: "exact" | "buckets";
}

/** Runs drawn with their own band (min/max or ±std) when no more than this many are shown. */
export const BAND_MAX_LINES = 10;
const NO_GROUP = "(no group)";

function drawable(v: number | undefined, logY: boolean): number | null {
  if (v === undefined || !Number.isFinite(v)) return null;
  if (logY && v <= 0) return null;
  return v;
}

function column(values: ArrayLike<number>, rows: Int32Array | null, n: number, logY: boolean): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(n).fill(null);
  if (rows) {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      if (r >= 0) out[r] = drawable(values[i], logY);
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = drawable(values[i], logY);
  }
  return out;
}

function keepX(b: Buckets, lo: number, hi: number, logX: boolean): Buckets {
  let all = true;
  for (let i = 0; i < b.x.length; i++) {
    const x = b.x[i] as number;
    if (x < lo || x > hi || (logX && x <= 0)) {
      all = false;
      break;
    }
  }
  if (all) return b;
  const keep: number[] = [];
  for (let i = 0; i < b.x.length; i++) {
    const x = b.x[i] as number;
    if (x >= lo && x <= hi && !(logX && x <= 0)) keep.push(i);
  }
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i] as number);
  return {
    x: pick(b.x),
    min: pick(b.min),
    max: pick(b.max),
    mean: pick(b.mean),
    std: pick(b.std),
    last: pick(b.last),
    count: pick(b.count),
  };
}

export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m?.[1]) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

interface BuildOptions {
  settings: LineSettings;
  grouped: boolean;
  /** grid cells (about the plot width in pixels) */
  cells: number;
  zoom: { min: number; max: number } | null;
}

export function buildLineModel(input: RunSeries[], opts: BuildOptions): LineModel {
  const { settings, grouped, cells, zoom } = opts;
  const lo0 = zoom ? zoom.min : -Infinity;
  const hi0 = zoom ? zoom.max : Infinity;
  const runs = input
    .map((r) => ({ ...r, data: keepX(r.data, lo0, hi0, settings.logX) }))
    .filter((r) => r.data.x.length > 0);
  const mode: "exact" | "buckets" = input.every((r) => r.mode === "exact") ? "exact" : "buckets";
  const model: LineModel = { x: [], columns: [], specs: [], bands: [], lines: [], mode };
  if (runs.length === 0) return model;

  let lo = Infinity;
  let hi = -Infinity;
  for (const r of runs) {
    lo = Math.min(lo, r.data.x[0] as number);
    hi = Math.max(hi, r.data.x[r.data.x.length - 1] as number);
  }
  if (zoom) {
    lo = Math.max(lo, zoom.min);
    hi = Math.min(hi, zoom.max);
  }
  const kind = SMOOTHING_TYPES.includes(settings.smoothingType) ? settings.smoothingType : "exponential";
  // time-weighted EMA measures point density against the panel's span: its lines smooth alike
  const smooth = smoother(kind, settings.smoothing, hi - lo);

  // exact: keep each point at its own x when the union of x over runs stays small
  if (!grouped && mode === "exact") {
    const xs = new Set<number>();
    let repeats = false;
    for (const r of runs) {
      // a run with repeated x (another metric as x axis, resumed steps) is averaged on the grid
      for (let i = 0; i < r.data.x.length; i++) {
        const x = r.data.x[i] as number;
        if (i > 0 && x === r.data.x[i - 1]) repeats = true;
        xs.add(x);
      }
    }
    if (!repeats && xs.size <= 4 * cells) {
      const x = [...xs].sort((a, b) => a - b);
      const index = new Map<number, number>(x.map((v, i) => [v, i]));
      const rowsOf = runs.map((r) => Int32Array.from(r.data.x, (v) => index.get(v) ?? -1));
      model.x = x;
      runs.forEach((r, i) => {
        const rows = rowsOf[i] ?? null;
        addRunLines(model, r, {
          raw: column(r.data.mean, rows, x.length, settings.logY),
          smooth: smooth ? column(smooth(r.data.x, r.data.mean), rows, x.length, settings.logY) : null,
          min: null,
          max: null,
        });
      });
      return model;
    }
  }

  // everything else: a common grid
  const grid = { lo, hi, n: Math.max(1, cells) };
  const gridded = runs.map((r) => toGrid(r.data, grid));
  const used: number[] = [];
  const cellX: number[] = [];
  for (let c = 0; c < grid.n; c++) {
    let x = Infinity;
    for (const g of gridded) {
      const v = g.x[c] as number;
      if (v < x) x = v;
    }
    if (x !== Infinity) {
      used.push(c);
      cellX.push(x);
    }
  }
  model.x = cellX;
  const take = (a: Float64Array) => Float64Array.from(used, (c) => a[c] as number);

  if (grouped) {
    // one line per group and metric
    const groups = new Map<string, { name: string; color: string; metric?: string; dash?: number[]; members: number[] }>();
    runs.forEach((r, i) => {
      const name = r.group ?? NO_GROUP;
      const id = JSON.stringify([name, r.metric ?? null]);
      const g = groups.get(id) ?? { name, color: r.color, metric: r.metric, dash: r.dash, members: [] };
      g.members.push(i);
      groups.set(id, g);
    });
    for (const g of groups.values()) {
      const perRun = g.members.map((i) => fillGaps(take((gridded[i] as (typeof gridded)[number]).mean)));
      const agg = aggregateRuns(perRun, used.length);
      let lower: Float64Array | null = null;
      let upper: Float64Array | null = null;
      if (settings.band === "minmax") {
        lower = agg.min;
        upper = agg.max;
      } else if (settings.band === "std") {
        lower = agg.mean.map((m, c) => m - (agg.std[c] as number));
        upper = agg.mean.map((m, c) => m + (agg.std[c] as number));
      }
      const n = used.length;
      addRunLines(
        model,
        { name: `${g.name} (${g.members.length})`, color: g.color, metric: g.metric, dash: g.dash },
        {
          raw: column(agg.mean, null, n, settings.logY),
          smooth: smooth ? column(smooth(model.x, agg.mean), null, n, settings.logY) : null,
          min: lower && g.members.length > 1 ? column(lower, null, n, settings.logY) : null,
          max: upper && g.members.length > 1 ? column(upper, null, n, settings.logY) : null,
        },
        g.members.length,
      );
    }
    return model;
  }

  const bands = runBands(settings.band, mode, runs.length);
  runs.forEach((r, i) => {
    const g = gridded[i];
    if (!g) return;
    const n = used.length;
    let smoothed: (number | null)[] | null = null;
    if (smooth) {
      // smooth the run's own points in order, then put them on the grid
      const s = toGrid(fromPoints(r.data.x, smooth(r.data.x, r.data.mean)), grid);
      smoothed = column(take(s.mean), null, n, settings.logY);
    }
    const mean = take(g.mean);
    let lower: Float64Array | null = null;
    let upper: Float64Array | null = null;
    if (!bands || r.noBand) {
      // no band
    } else if (settings.band === "std") {
      const std = take(g.std);
      lower = mean.map((m, c) => m - (std[c] as number));
      upper = mean.map((m, c) => m + (std[c] as number));
    } else {
      lower = take(g.min);
      upper = take(g.max);
    }
    addRunLines(model, r, {
      raw: column(mean, null, n, settings.logY),
      smooth: smoothed,
      min: lower ? column(lower, null, n, settings.logY) : null,
      max: upper ? column(upper, null, n, settings.logY) : null,
    });
  });
  return model;
}

/** Whether single (ungrouped) runs get their own band: bucketed data, few enough lines. */
export function runBands(band: BandKind, mode: "exact" | "buckets", lines: number): boolean {
  return band !== "off" && mode === "buckets" && lines <= BAND_MAX_LINES;
}

/** Whether a panel asks the server for each bucket's std: a ±std band of single runs. Asked
 * whatever the run count, as runs without the metric do not count towards BAND_MAX_LINES. */
export function wantsStd(band: BandKind, grouped: boolean): boolean {
  return !grouped && band === "std";
}

/** A line's name: its run (or group), and its metric where the panel has several. */
export function lineLabel(name: string, metric: string | undefined): string {
  return metric === undefined ? name : `${name} · ${metric}`;
}

function addRunLines(
  model: LineModel,
  run: { name: string; color: string; metric?: string | undefined; dash?: number[] | undefined },
  cols: {
    raw: (number | null)[];
    smooth: (number | null)[] | null;
    min: (number | null)[] | null;
    max: (number | null)[] | null;
  },
  runs?: number,
): void {
  const at = () => model.columns.length + 1; // uPlot series 0 is x
  const label = lineLabel(run.name, run.metric);
  const dash = run.dash ?? [];
  if (cols.min && cols.max) {
    const upper = at();
    model.columns.push(cols.max);
    model.specs.push({ kind: "band", color: run.color, label: `${label} max`, dash: [] });
    const lower = at();
    model.columns.push(cols.min);
    model.specs.push({ kind: "band", color: run.color, label: `${label} min`, dash: [] });
    model.bands.push({ upper, lower, color: withAlpha(run.color, 0.15) });
  }
  let raw: number | null = null;
  if (cols.smooth) {
    raw = at();
    model.columns.push(cols.raw);
    model.specs.push({ kind: "raw", color: withAlpha(run.color, 0.3), label: `${label} (raw)`, dash });
  }
  const series = at();
  model.columns.push(cols.smooth ?? cols.raw);
  model.specs.push({ kind: "line", color: run.color, label, dash });
  model.lines.push({ label, color: run.color, dash, series, raw, ...(runs !== undefined ? { runs } : {}) });
}
