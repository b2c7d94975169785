/** One history request for many panels: requests made within a few milliseconds that share the
 * runs and the window (x axis, range, buckets) are sent together and the answer is split by key.
 * At most 2000 series per request (the server's limit). Panels asking for other columns (std)
 * go in their own request. A panel's AbortSignal drops it from the
 * batch; the request itself is aborted when every panel in it gave up.
 */

import { fetchHistory, type BucketColumn } from "../api/history";
import type { SeriesWindow } from "../api/columns";
import type { XAxis } from "../api/types";

export const MAX_SERIES = 2000;
const BATCH_DELAY_MS = 8;

export interface WindowParams {
  x_axis: XAxis;
  x_key: string | null;
  x_min: number | null;
  x_max: number | null;
  buckets: number;
  /** bucketed arrays to ask for (null: the server's default set, which has no std) */
  columns: BucketColumn[] | null;
}

interface Pending {
  key: string;
  signal: AbortSignal | undefined;
  resolve: (series: SeriesWindow[]) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  runs: string[];
  params: WindowParams;
  items: Pending[];
}

function abortError(): DOMException {
  return new DOMException("The request was superseded", "AbortError");
}

function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

let batches = new Map<string, Batch>();
let timer: ReturnType<typeof setTimeout> | null = null;

/** Windows of `key` for `runs`: batched with other panels' calls made at the same moment. */
export function loadWindows(
  runs: string[],
  key: string,
  params: WindowParams,
  signal?: AbortSignal,
): Promise<SeriesWindow[]> {
  if (signal?.aborted) return Promise.reject(abortError());
  if (runs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const id = `${JSON.stringify(params)}\n${runs.join("\n")}`;
    let batch = batches.get(id);
    if (!batch) {
      batch = { runs, params, items: [] };
      batches.set(id, batch);
    }
    batch.items.push({ key, signal, resolve, reject });
    timer ??= setTimeout(flush, BATCH_DELAY_MS);
  });
}

function flush(): void {
  timer = null;
  const current = batches;
  batches = new Map();
  for (const batch of current.values()) void send(batch);
}

async function send(batch: Batch): Promise<void> {
  const items = batch.items.filter((item) => {
    if (item.signal?.aborted) {
      item.reject(abortError());
      return false;
    }
    return true;
  });
  if (items.length === 0) return;
  const keys = [...new Set(items.map((i) => i.key))];
  const runChunks = chunk(batch.runs, MAX_SERIES);
  const keysPer = Math.max(1, Math.floor(MAX_SERIES / Math.min(batch.runs.length, MAX_SERIES)));
  const keyChunks = chunk(keys, keysPer);

  // each request is aborted once every panel waiting on one of its keys has aborted
  const waiting = new Map<string, Pending[]>();
  for (const item of items) waiting.set(item.key, [...(waiting.get(item.key) ?? []), item]);

  const results = new Map<string, SeriesWindow[]>(keys.map((k) => [k, []]));
  const failures = new Map<string, unknown>();
  await Promise.all(
    keyChunks.flatMap((keyChunk) =>
      runChunks.map(async (runChunk) => {
        const controller = new AbortController();
        const waiters = keyChunk.flatMap((k) => waiting.get(k) ?? []);
        const onAbort = () => {
          if (waiters.every((w) => w.signal?.aborted)) controller.abort();
        };
        for (const w of waiters) w.signal?.addEventListener("abort", onAbort);
        try {
          const answer = await fetchHistory(
            {
              runs: runChunk,
              keys: keyChunk,
              x_axis: batch.params.x_axis,
              x_key: batch.params.x_key,
              x_min: batch.params.x_min,
              x_max: batch.params.x_max,
              buckets: batch.params.buckets,
              ...(batch.params.columns ? { columns: batch.params.columns } : {}),
            },
            controller.signal,
          );
          for (const series of answer.series) results.get(series.key)?.push(series);
        } catch (error) {
          for (const k of keyChunk) failures.set(k, error);
        } finally {
          for (const w of waiters) w.signal?.removeEventListener("abort", onAbort);
        }
      }),
    ),
  );
  for (const item of items) {
    if (item.signal?.aborted) item.reject(abortError());
    else if (failures.has(item.key)) item.reject(failures.get(item.key));
    else item.resolve(results.get(item.key) ?? []);
  }
}
