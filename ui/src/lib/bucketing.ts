/** Pure functions on bucketed series: a common x grid for many runs, aggregates across runs,
 * and merging buckets (for live data that grows past the wanted resolution).
 *
 * A bucket is (x = its smallest x, min, max, mean and population std of finite values, last
 * value, count). Exact points are buckets of one point (min = max = mean = last = value, std 0,
 * count = 1). A std of NaN means "not known" (the server was not asked for it).
 */

export interface Buckets {
  x: Float64Array;
  min: Float64Array;
  max: Float64Array;
  mean: Float64Array;
  std: Float64Array;
  last: Float64Array;
  count: Float64Array;
}

/** `n` equal parts of [lo, hi]. */
export interface Grid {
  lo: number;
  hi: number;
  n: number;
}

/** Per grid cell; NaN where a cell is empty. */
export interface GridSeries extends Buckets {
  /** how many cells hold data */
  filled: number;
}

export function emptyBuckets(n = 0): Buckets {
  return {
    x: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    mean: new Float64Array(n),
    std: new Float64Array(n),
    last: new Float64Array(n),
    count: new Float64Array(n),
  };
}

/** Exact points as buckets of one point each. */
export function fromPoints(x: ArrayLike<number>, values: ArrayLike<number>): Buckets {
  const n = Math.min(x.length, values.length);
  const b = emptyBuckets(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    b.x[i] = x[i] as number;
    b.min[i] = v;
    b.max[i] = v;
    b.mean[i] = v;
    b.last[i] = v;
    b.count[i] = 1;
  }
  return b;
}

/** Concatenate two bucket lists (the second continues the first). */
export function concatBuckets(a: Buckets, b: Buckets): Buckets {
  const cat = (p: Float64Array, q: Float64Array) => {
    const out = new Float64Array(p.length + q.length);
    out.set(p, 0);
    out.set(q, p.length);
    return out;
  };
  return {
    x: cat(a.x, b.x),
    min: cat(a.min, b.min),
    max: cat(a.max, b.max),
    mean: cat(a.mean, b.mean),
    std: cat(a.std, b.std),
    last: cat(a.last, b.last),
    count: cat(a.count, b.count),
  };
}

/** The cell of `x` on the grid: floor((x - lo) / width), x = hi in the last cell; -1 outside. */
export function cellIndex(grid: Grid, x: number): number {
  if (!(x >= grid.lo && x <= grid.hi) || grid.n < 1) return -1;
  const width = (grid.hi - grid.lo) / grid.n;
  if (width <= 0) return 0;
  return Math.min(Math.floor((x - grid.lo) / width), grid.n - 1);
}

/**
 * Merge buckets into `n` cells: bucket i goes to cell `cellOf(i)` (skipped when < 0).
 * Min of mins, max of maxes, count-weighted mean of finite means, last of the last bucket,
 * smallest x, summed counts, and the std of the merged points by Chan's parallel formula
 * (NaN when a bucket with a finite mean has no std). Cells without a bucket are NaN (count 0).
 */
function mergeInto(b: Buckets, n: number, cellOf: (i: number) => number): GridSeries {
  const out = emptyBuckets(n);
  out.x.fill(NaN);
  out.min.fill(NaN);
  out.max.fill(NaN);
  out.last.fill(NaN);
  const weight = new Float64Array(n);
  const sum = new Float64Array(n);
  const spread = new Chan(n);
  const seen = new Uint8Array(n);
  let filled = 0;
  for (let i = 0; i < b.x.length; i++) {
    const c = cellOf(i);
    if (c < 0 || c >= n) continue;
    const x = b.x[i] as number;
    const lo = b.min[i] as number;
    const hi = b.max[i] as number;
    const mean = b.mean[i] as number;
    const count = b.count[i] as number;
    if (!seen[c]) {
      seen[c] = 1;
      filled++;
      out.x[c] = x;
    } else if (x < (out.x[c] as number)) {
      out.x[c] = x;
    }
    if (!Number.isNaN(lo) && !(lo >= (out.min[c] as number))) out.min[c] = lo;
    if (!Number.isNaN(hi) && !(hi <= (out.max[c] as number))) out.max[c] = hi;
    if (Number.isFinite(mean)) {
      const w = count > 0 ? count : 1;
      sum[c] = (sum[c] as number) + w * mean;
      weight[c] = (weight[c] as number) + w;
      spread.add(c, w, mean, b.std[i] as number);
    }
    out.last[c] = b.last[i] as number;
    out.count[c] = (out.count[c] as number) + count;
  }
  for (let c = 0; c < n; c++) {
    out.mean[c] = (weight[c] as number) > 0 ? (sum[c] as number) / (weight[c] as number) : NaN;
    out.std[c] = spread.std(c);
  }
  return { ...out, filled };
}

/** Per cell, the running (weight, mean, M2) of Chan et al.'s parallel variance: adding a piece
 * of weight w, mean m and std s moves the mean by d * w / W and adds w * s^2 + d^2 * W0 * w / W
 * to M2 (d = m - mean, W0 and W the weights before and after), which keeps its digits where
 * sum-of-squares formulas cancel. */
class Chan {
  private readonly weight: Float64Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly unknown: Uint8Array;

  constructor(n: number) {
    this.weight = new Float64Array(n);
    this.mean = new Float64Array(n);
    this.m2 = new Float64Array(n);
    this.unknown = new Uint8Array(n);
  }

  add(c: number, w: number, mean: number, std: number): void {
    if (!Number.isFinite(std)) this.unknown[c] = 1;
    const before = this.weight[c] as number;
    const total = before + w;
    const delta = mean - (this.mean[c] as number);
    this.weight[c] = total;
    this.mean[c] = (this.mean[c] as number) + (delta * w) / total;
    this.m2[c] = (this.m2[c] as number) + w * std * std + (delta * delta * before * w) / total;
  }

  /** The cell's population std; NaN when empty or a piece's std was unknown. */
  std(c: number): number {
    const w = this.weight[c] as number;
    if (w <= 0 || this.unknown[c]) return NaN;
    return Math.sqrt(Math.max(0, (this.m2[c] as number) / w));
  }
}

/** Put a run's buckets onto the grid (buckets sharing a cell are merged). */
export function toGrid(b: Buckets, grid: Grid): GridSeries {
  return mergeInto(b, grid.n, (i) => cellIndex(grid, b.x[i] as number));
}

/** Merge each `factor` adjacent buckets into one (halves the length for factor 2). */
export function mergeAdjacent(b: Buckets, factor = 2): Buckets {
  const f = Math.max(1, Math.floor(factor));
  const n = Math.ceil(b.x.length / f);
  const m = mergeInto(b, n, (i) => Math.floor(i / f));
  return { x: m.x, min: m.min, max: m.max, mean: m.mean, std: m.std, last: m.last, count: m.count };
}

/** Drop the empty cells of a grid series (what is left is a plain bucket list). */
export function compact(g: Buckets): Buckets {
  let n = 0;
  for (let i = 0; i < g.x.length; i++) if (!Number.isNaN(g.x[i])) n++;
  const out = emptyBuckets(n);
  let j = 0;
  for (let i = 0; i < g.x.length; i++) {
    if (Number.isNaN(g.x[i])) continue;
    out.x[j] = g.x[i] as number;
    out.min[j] = g.min[i] as number;
    out.max[j] = g.max[i] as number;
    out.mean[j] = g.mean[i] as number;
    out.std[j] = g.std[i] as number;
    out.last[j] = g.last[i] as number;
    out.count[j] = g.count[i] as number;
    j++;
  }
  return out;
}

/**
 * Re-bucket a list that grew (live appends) to about `buckets` cells over its own x range.
 * Nothing changes while it holds no more than `2 * buckets` entries.
 */
export function compactLive(b: Buckets, buckets: number): Buckets {
  const n = b.x.length;
  if (n <= 2 * buckets || n === 0) return b;
  const lo = b.x[0] as number;
  const hi = b.x[n - 1] as number;
  if (!(hi > lo)) return mergeAdjacent(b, Math.ceil(n / buckets));
  return compact(toGrid(b, { lo, hi, n: buckets }));
}

/**
 * Fill the empty (NaN) cells between a run's first and last filled cell by linear interpolation
 * over the cell index, so runs logged at different x still line up for averaging. Cells before
 * the first and after the last value stay empty. Returns a new array.
 */
export function fillGaps(values: Float64Array): Float64Array {
  const out = Float64Array.from(values);
  let prev = -1;
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i])) continue;
    if (prev >= 0 && i - prev > 1) {
      const a = out[prev] as number;
      const b = out[i] as number;
      for (let k = prev + 1; k < i; k++) out[k] = a + ((b - a) * (k - prev)) / (i - prev);
    }
    prev = i;
  }
  return out;
}

export interface Aggregate {
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
  std: Float64Array;
  /** how many runs have a finite value in the cell */
  runs: Float64Array;
}

/** Across runs, per cell: mean, min, max and (population) std of the runs' finite values. */
export function aggregateRuns(perRun: readonly Float64Array[], n: number): Aggregate {
  const agg: Aggregate = {
    mean: new Float64Array(n).fill(NaN),
    min: new Float64Array(n).fill(NaN),
    max: new Float64Array(n).fill(NaN),
    std: new Float64Array(n).fill(NaN),
    runs: new Float64Array(n),
  };
  for (let c = 0; c < n; c++) {
    let k = 0;
    let sum = 0;
    let sumSq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const values of perRun) {
      const v = values[c];
      if (v === undefined || !Number.isFinite(v)) continue;
      k++;
      sum += v;
      sumSq += v * v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    agg.runs[c] = k;
    if (k === 0) continue;
    const mean = sum / k;
    agg.mean[c] = mean;
    agg.min[c] = lo;
    agg.max[c] = hi;
    agg.std[c] = Math.sqrt(Math.max(0, sumSq / k - mean * mean));
  }
  return agg;
}
