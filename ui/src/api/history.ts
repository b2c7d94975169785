/** Reading metric windows for charts: one request for many runs and keys, binary columns. */

import { COLUMNS_TYPE, decodeColumns, type HistoryAnswer } from "./columns";
import { apiUrl, request } from "./client";
import type { XAxis } from "./types";

export type BucketColumn = "last" | "min" | "max" | "mean" | "count" | "std";

export interface HistoryRequest {
  runs: string[]; // entity/project/run_id
  keys: string[];
  x_axis?: XAxis;
  x_key?: string | null;
  x_min?: number | null;
  x_max?: number | null;
  buckets?: number;
  /** bucketed windows carry x and only these arrays (default all but std); exact ones x and last */
  columns?: BucketColumn[];
}

/** POST /history asking for the binary columnar answer. */
export async function fetchHistory(query: HistoryRequest, signal?: AbortSignal): Promise<HistoryAnswer> {
  const response = await request("POST", apiUrl("/history"), { body: query, accept: COLUMNS_TYPE, signal });
  return decodeColumns(await response.arrayBuffer());
}
