/** Parameter importance as W&B shows it: a random forest's importance of each config key for a
 * metric (mean decrease in impurity, normalised to sum to 1) and the key's Pearson correlation
 * with the metric. Pure and deterministic: the forest draws from a seeded generator. */

import { runValue, toNumber } from "../charts/layout";
import { valueText, type RunValues } from "./parallelModel";

export interface ParamImportance {
  /** "config.lr" */
  key: string;
  /** share of the forest's impurity decrease, in [0, 1]; the keys' shares sum to 1 (all 0 when
   * no split helped) */
  importance: number;
  /** Pearson correlation of the key with the metric; null for categorical keys and keys that do
   * not vary */
  correlation: number | null;
}

export interface ForestOptions {
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pearson correlation of two equally long lists; null when either does not vary. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] ?? 0;
    my += ys[i] ?? 0;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

interface Feature {
  /** index of the parameter the feature comes from */
  param: number;
  values: Float64Array;
}

function finiteNumber(value: unknown): number | null {
  const n = toNumber(value);
  return n !== null && Number.isFinite(n) ? n : null;
}

/** The features of the keys: numeric keys (a missing value takes the mean) as one feature, other
 * keys one-hot, one feature per value. */
function encode(runs: readonly RunValues[], keys: readonly string[]): { features: Feature[]; numericColumns: (number[] | null)[] } {
  const features: Feature[] = [];
  const numericColumns: (number[] | null)[] = [];
  keys.forEach((key, param) => {
    const raw = runs.map((run) => runValue(run, key));
    const present = raw.filter((v) => v !== undefined && v !== null);
    const nums = present.map(finiteNumber);
    if (present.length > 0 && nums.every((n) => n !== null)) {
      const mean = (nums).reduce((a, b) => a + b, 0) / nums.length;
      const column = raw.map((v) => finiteNumber(v) ?? mean);
      features.push({ param, values: Float64Array.from(column) });
      numericColumns.push(column);
      return;
    }
    numericColumns.push(null);
    const texts = raw.map(valueText);
    for (const category of [...new Set(texts)].sort()) {
      features.push({ param, values: Float64Array.from(texts.map((t) => (t === category ? 1 : 0))) });
    }
  });
  return { features, numericColumns };
}

/** Grow one regression tree on the sample (indices, repeats allowed) and add each split's
 * impurity decrease (the drop in the sum of squared errors) to `gains` of its feature. */
function growTree(
  features: readonly Feature[],
  y: Float64Array,
  sample: number[],
  depth: number,
  options: Required<ForestOptions>,
  gains: Float64Array,
): void {
  const n = sample.length;
  if (depth >= options.maxDepth || n < 2 * options.minLeaf) return;
  let sum = 0;
  let sumSq = 0;
  for (const i of sample) {
    const v = y[i] ?? 0;
    sum += v;
    sumSq += v * v;
  }
  const sse = sumSq - (sum * sum) / n;
  if (sse <= 1e-12) return;
  let bestGain = 0;
  let bestFeature = -1;
  let bestThreshold = 0;
  const order = sample.slice();
  for (let f = 0; f < features.length; f++) {
    const x = (features[f] as Feature).values;
    order.sort((a, b) => (x[a] ?? 0) - (x[b] ?? 0));
    let leftSum = 0;
    let leftSq = 0;
    for (let k = 0; k < n - 1; k++) {
      const v = y[order[k] as number] ?? 0;
      leftSum += v;
      leftSq += v * v;
      const here = x[order[k] as number] ?? 0;
      const next = x[order[k + 1] as number] ?? 0;
      const nl = k + 1;
      const nr = n - nl;
      if (here === next || nl < options.minLeaf || nr < options.minLeaf) continue;
      const rightSum = sum - leftSum;
      const rightSq = sumSq - leftSq;
      const childSse = leftSq - (leftSum * leftSum) / nl + (rightSq - (rightSum * rightSum) / nr);
      const gain = sse - childSse;
      if (gain > bestGain + 1e-12) {
        bestGain = gain;
        bestFeature = f;
        bestThreshold = (here + next) / 2;
      }
    }
  }
  if (bestFeature < 0) return;
  gains[bestFeature] = (gains[bestFeature] ?? 0) + bestGain;
  const x = (features[bestFeature] as Feature).values;
  const left = sample.filter((i) => (x[i] ?? 0) <= bestThreshold);
  const right = sample.filter((i) => (x[i] ?? 0) > bestThreshold);
  growTree(features, y, left, depth + 1, options, gains);
  growTree(features, y, right, depth + 1, options, gains);
}

/** Importance and correlation of each key for the metric, over the runs with a finite metric
 * value, most important first. Fewer than 3 such runs: every importance is 0. */
export function paramImportance(
  runs: readonly RunValues[],
  keys: readonly string[],
  metric: string,
  options: ForestOptions = {},
): ParamImportance[] {
  const opts: Required<ForestOptions> = { trees: 100, maxDepth: 8, minLeaf: 1, seed: 1, ...options };
  const rows = runs.filter((run) => finiteNumber(runValue(run, metric)) !== null);
  const y = Float64Array.from(rows.map((run) => finiteNumber(runValue(run, metric)) ?? 0));
  const { features, numericColumns } = encode(rows, keys);
  const gains = new Float64Array(features.length);
  if (rows.length >= 3 && features.length > 0) {
    const random = seededRandom(opts.seed);
    for (let t = 0; t < opts.trees; t++) {
      const sample = Array.from({ length: rows.length }, () => Math.floor(random() * rows.length));
      growTree(features, y, sample, 0, opts, gains);
    }
  }
  const perParam = new Float64Array(keys.length);
  features.forEach((feature, f) => {
    perParam[feature.param] = (perParam[feature.param] ?? 0) + (gains[f] ?? 0);
  });
  const total = perParam.reduce((a, b) => a + b, 0);
  const ys = Array.from(y);
  const out = keys.map((key, p) => {
    const column = numericColumns[p];
    return {
      key,
      importance: total > 0 ? (perParam[p] ?? 0) / total : 0,
      correlation: column ? pearson(column, ys) : null,
    };
  });
  return sortImportance(out, "importance", true);
}

export type ImportanceColumn = "key" | "importance" | "correlation";

/** The rows sorted by a column (correlation by its absolute value; nulls last either way). */
export function sortImportance(rows: readonly ParamImportance[], by: ImportanceColumn, descending: boolean): ParamImportance[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (by === "key") return sign * a.key.localeCompare(b.key);
    const va = by === "importance" ? a.importance : a.correlation === null ? null : Math.abs(a.correlation);
    const vb = by === "importance" ? b.importance : b.correlation === null ? null : Math.abs(b.correlation);
    if (va === null && vb === null) return a.key.localeCompare(b.key);
    if (va === null) return 1;
    if (vb === null) return -1;
    return va === vb ? a.key.localeCompare(b.key) : sign * (va - vb);
  });
}
