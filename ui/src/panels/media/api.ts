/** Reading media for the panels (design 0010): a run's media keys, a key's values by step range,
 * and the files behind them from the run's media route (immutable, cached by sha256). */

import { queryOptions, useQueries } from "@tanstack/react-query";
import { apiUrl, getJson, request, seg } from "../../api/client";
import type { ChartRun } from "../../charts/chartRun";
import type { StepWindow } from "./steps";

export interface MediaKeyInfo {
  key: string;
  type: string;
  count: number;
  step_min: number;
  step_max: number;
}

export interface RunKeysAnswer {
  keys: unknown[];
  media?: MediaKeyInfo[];
}

export interface ValueRow {
  step: number;
  time: number;
  value: unknown;
}

export interface ValuesPage {
  key: string;
  values: ValueRow[];
  next_after: number | null;
}

/** entity, project and id of a shown run (its path is entity/project/run_id). */
export function runParts(run: ChartRun, entity: string, project: string): [string, string, string] {
  const parts = run.path.split("/");
  return parts.length === 3 ? (parts as [string, string, string]) : [entity, project, run.id];
}

const runPath = (e: string, p: string, id: string) => `/runs/${seg(e)}/${seg(p)}/${seg(id)}`;

/** The address of a run's file by sha256 (what <img>, <audio>, <video> and <iframe> load). */
export function mediaUrl(run: ChartRun, entity: string, project: string, sha256: string): string {
  const [e, p, id] = runParts(run, entity, project);
  return apiUrl(`${runPath(e, p, id)}/media/${seg(sha256)}`);
}

/** The runs' `keys` answers (shared with the run page's charts by query key); polled while live. */
export function useRunKeys(runs: readonly ChartRun[], entity: string, project: string, enabled: boolean) {
  return useQueries({
    queries: runs.map((run) => {
      const [e, p, id] = runParts(run, entity, project);
      return {
        queryKey: ["run-keys", e, p, id],
        queryFn: ({ signal }: { signal: AbortSignal }) => getJson<RunKeysAnswer>(`${runPath(e, p, id)}/keys`, undefined, signal),
        refetchInterval: run.state === "running" ? 15_000 : (false as const),
        enabled,
      };
    }),
  });
}

/** One media key's entry in a run's keys answer, or null. */
export function mediaKey(answer: RunKeysAnswer | undefined, key: string | undefined): MediaKeyInfo | null {
  if (!answer?.media || !key) return null;
  return answer.media.find((m) => m.key === key) ?? null;
}

const PAGE = 1000;

/** Every value of `key` in [stepMin, stepMax], following pages up to `maxValues`; `truncated` says
 * when more were there. */
export async function fetchValues(
  run: ChartRun,
  entity: string,
  project: string,
  key: string,
  range: { stepMin?: number; stepMax?: number; maxValues?: number },
  signal?: AbortSignal,
): Promise<{ values: ValueRow[]; truncated: boolean }> {
  const [e, p, id] = runParts(run, entity, project);
  const max = range.maxValues ?? PAGE;
  const values: ValueRow[] = [];
  let after: number | null = 0;
  while (after !== null && values.length < max) {
    const page: ValuesPage = await getJson<ValuesPage>(
      `${runPath(e, p, id)}/values`,
      { key, step_min: range.stepMin, step_max: range.stepMax, after, limit: Math.min(PAGE, max - values.length) },
      signal,
    );
    values.push(...page.values);
    after = page.next_after;
  }
  return { values, truncated: after !== null };
}

/** The values of one step window of a run's key; kept 10 minutes after the panel leaves it, so
 * stepping back is instant. */
export function windowQuery(run: ChartRun, entity: string, project: string, key: string, w: StepWindow) {
  const [e, p, id] = runParts(run, entity, project);
  return queryOptions({
    queryKey: ["media-values", e, p, id, key, w.lo, w.hi],
    queryFn: ({ signal }) => fetchValues(run, entity, project, key, { stepMin: w.lo, stepMax: w.hi, maxValues: 4 * PAGE }, signal),
    staleTime: run.state === "running" ? 10_000 : Infinity,
    gcTime: 10 * 60_000,
  });
}

/** A media file as JSON (boxes) or text (text-file); immutable by sha256, so never refetched. */
export function mediaFileQuery(run: ChartRun, entity: string, project: string, sha256: string, as: "json" | "text") {
  return queryOptions({
    queryKey: ["media-file", as, sha256],
    queryFn: async ({ signal }): Promise<unknown> => {
      const response = await request("GET", mediaUrl(run, entity, project, sha256), { accept: "*/*", signal });
      return as === "json" ? ((await response.json()) as unknown) : await response.text();
    },
    staleTime: Infinity,
    gcTime: 10 * 60_000,
  });
}
