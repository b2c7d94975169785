/** Live updates of a chart: turning history windows into bucket lists and appending what is new. */

import type { SeriesWindow } from "../api/columns";
import { compactLive, concatBuckets, fromPoints, type Buckets } from "./bucketing";

export interface FetchedSeries {
  path: string;
  mode: "exact" | "buckets";
  total: number;
  data: Buckets;
}

export function toBuckets(w: SeriesWindow): Buckets {
  if (w.mode === "exact" || !w.mean) return fromPoints(w.x, w.last);
  return {
    x: w.x,
    min: w.min ?? w.mean,
    max: w.max ?? w.mean,
    mean: w.mean,
    // std comes only when asked for; NaN marks it unknown (a band needing it is not drawn)
    std: w.std ?? new Float64Array(w.x.length).fill(NaN),
    last: w.last,
    count: w.count ?? new Float64Array(w.x.length).fill(1),
  };
}

/** Append a live window to what a panel holds: only x past what it had, merged down when long. */
export function appendLive(
  old: FetchedSeries[],
  windows: SeriesWindow[],
  buckets: number,
): FetchedSeries[] {
  const byPath = new Map(old.map((s) => [s.path, s]));
  for (const w of windows) {
    const prev = byPath.get(w.run);
    const fresh = toBuckets(w);
    if (!prev) {
      byPath.set(w.run, { path: w.run, mode: w.mode, total: w.total, data: fresh });
      continue;
    }
    const lastX = prev.data.x.length ? (prev.data.x[prev.data.x.length - 1] as number) : -Infinity;
    let from = 0;
    while (from < fresh.x.length && (fresh.x[from] as number) <= lastX) from++;
    if (from >= fresh.x.length) continue;
    const tail: Buckets = {
      x: fresh.x.subarray(from),
      min: fresh.min.subarray(from),
      max: fresh.max.subarray(from),
      mean: fresh.mean.subarray(from),
      std: fresh.std.subarray(from),
      last: fresh.last.subarray(from),
      count: fresh.count.subarray(from),
    };
    const joined = concatBuckets(prev.data, tail);
    const data = compactLive(joined, buckets);
    const added = tail.count.reduce((a, b) => a + b, 0);
    byPath.set(w.run, {
      path: w.run,
      mode: prev.mode === "exact" && w.mode === "exact" && data === joined ? "exact" : "buckets",
      total: prev.total + added,
      data,
    });
  }
  return [...byPath.values()];
}
