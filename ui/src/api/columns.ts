/** Decoding the binary columnar history answer (`application/vnd.cairn.columns`).
 *
 * Layout (little-endian): "CCOL", u32 header length, JSON header, zero padding to a multiple of
 * 8, then per series and per named array `n` float64 values. Arrays are views, not copies.
 */

import type { XAxis } from "./types";

export const COLUMNS_TYPE = "application/vnd.cairn.columns";

export interface SeriesWindow {
  run: string;
  key: string;
  mode: "exact" | "buckets";
  total: number;
  x: Float64Array;
  last: Float64Array;
  min?: Float64Array;
  max?: Float64Array;
  mean?: Float64Array;
  count?: Float64Array;
  /** population std of each bucket's finite values; only when the request's columns ask */
  std?: Float64Array;
}

export type ArrayName = "x" | "last" | "min" | "max" | "mean" | "count" | "std";
const ARRAY_NAMES: readonly ArrayName[] = ["x", "last", "min", "max", "mean", "count", "std"];

export interface HistoryAnswer {
  x_axis: XAxis;
  x_key: string | null;
  series: SeriesWindow[];
}

interface HeaderSeries {
  run: string;
  key: string;
  mode: "exact" | "buckets";
  total: number;
  n: number;
  arrays: string[];
}

interface Header {
  x_axis: XAxis;
  x_key: string | null;
  series: HeaderSeries[];
}

export function decodeColumns(buffer: ArrayBuffer): HistoryAnswer {
  const view = new DataView(buffer);
  const magic = String.fromCharCode(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  if (magic !== "CCOL") throw new Error("not a Cairn columnar answer");
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength))) as Header;
  let offset = 8 + headerLength;
  offset += (8 - (offset % 8)) % 8;
  const series: SeriesWindow[] = header.series.map((entry) => {
    const window: SeriesWindow = {
      run: entry.run,
      key: entry.key,
      mode: entry.mode,
      total: entry.total,
      x: new Float64Array(0),
      last: new Float64Array(0),
    };
    for (const name of entry.arrays) {
      // an array this client does not know (a newer server) is skipped, not misread
      const values = new Float64Array(buffer, offset, entry.n);
      if ((ARRAY_NAMES as readonly string[]).includes(name)) window[name as ArrayName] = values;
      offset += 8 * entry.n;
    }
    return window;
  });
  if (offset !== buffer.byteLength) throw new Error("columnar answer has trailing or missing bytes");
  return { x_axis: header.x_axis, x_key: header.x_key, series };
}
