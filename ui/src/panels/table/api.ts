/** The server routes the table, chart, plotly and 3D panels read (docs/design/0010): table queries
 * for one run or several, CSV export, a key's logged values by step, and media bytes by sha256. */

import { useQuery } from "@tanstack/react-query";
import { apiUrl, getJson, request, seg, sendJson } from "../../api/client";
import { partialPollDelay } from "./tableModel";

/** `number`, `text`, `bool`, `json`, `media` (mixed) or `media:<_type>` */
export type ColumnType = "number" | "text" | "bool" | "media" | "json" | (string & {});

export interface TableColumn {
  name: string;
  type: ColumnType;
}

export interface SortKey {
  column: string;
  order: "asc" | "desc";
}

export interface ColumnStats {
  min: number | null;
  max: number | null;
  mean: number | null;
}

export interface TableGroup {
  value: unknown;
  count: number;
  stats: Record<string, ColumnStats>;
}

/** The body of `tables/query` (and, without offset/limit, of `tables/export`). */
export interface TableQuery {
  key: string;
  step?: number | null;
  expr?: string | null;
  sort?: SortKey[];
  group_by?: string | null;
  offset: number;
  /** at most 1000 */
  limit: number;
  /** project route only: run ids (at most 20) */
  runs?: string[];
  /** project route only: join the runs' rows on this column instead of stacking them */
  join_on?: string | null;
}

export interface TableAnswer {
  key: string;
  step: number | null;
  sha256?: string | null;
  /** matching rows; null while `partial` */
  total: number | null;
  /** the first rows of a table still being built on the server: ask again for the rest */
  partial?: boolean;
  columns: TableColumn[];
  rows: unknown[][];
  groups?: TableGroup[] | null;
  /** project route: which step and table file each run's rows came from */
  sources?: { run: string; step: number; sha256: string }[] | null;
}

/** A media cell as the server hands it back: the value object plus the media route's `url`. */
export interface MediaCell {
  _type: string;
  url?: string;
  path?: string;
  sha256?: string;
  caption?: string;
  width?: number;
  height?: number;
  [field: string]: unknown;
}

export interface LoggedValue<V = unknown> {
  step: number;
  time: number;
  value: V;
}

interface ValuesPage {
  key: string;
  values: LoggedValue[];
  next_after: number | null;
}

/** Where a panel's table lives: one run, or several runs of the project. */
export interface TableSource {
  entity: string;
  project: string;
  /** run ids; one id queries the run route, several the project route */
  runIds: string[];
}

export const MAX_QUERY_ROWS = 1000;
export const MAX_COMPARE_RUNS = 20;
/** values read per key before giving up paging (a key logged at more steps shows the first ones) */
export const MAX_VALUES = 10_000;

export const runPath = (entity: string, project: string, runId: string) =>
  `/runs/${seg(entity)}/${seg(project)}/${seg(runId)}`;
const projectPath = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}`;

/** The route a table query for `source` goes to (`tables/query` or `tables/export`). */
export function tableRoute(source: TableSource, action: "query" | "export"): string {
  const [only] = source.runIds;
  if (source.runIds.length === 1 && only !== undefined) {
    return `${runPath(source.entity, source.project, only)}/tables/${action}`;
  }
  return `${projectPath(source.entity, source.project)}/tables/${action}`;
}

/** The body for `source`: the project route also names the runs and the join column. */
export function queryBody(source: TableSource, query: TableQuery): TableQuery {
  const single: TableQuery = { ...query };
  delete single.runs;
  delete single.join_on;
  return source.runIds.length === 1 ? single : { ...single, runs: source.runIds.slice(0, MAX_COMPARE_RUNS), join_on: query.join_on ?? null };
}

export function queryTable(source: TableSource, query: TableQuery, signal?: AbortSignal): Promise<TableAnswer> {
  return sendJson<TableAnswer>("POST", tableRoute(source, "query"), queryBody(source, query), signal);
}

/** A query's full answer for readers that need every row (charts): while the server answers with
 * the first rows of a table it is still building (`partial`), ask again with backoff, a bounded
 * number of times (the last answer may still be partial). */
export async function queryTableFull(source: TableSource, query: TableQuery, signal?: AbortSignal): Promise<TableAnswer> {
  let answer = await queryTable(source, query, signal);
  for (let answered = 1; ; answered++) {
    const delay = partialPollDelay(answer, answered);
    if (delay === false) return answer;
    await wait(delay, signal);
    answer = await queryTable(source, query, signal);
  }
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        window.clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      },
      { once: true },
    );
  });
}

/** POST the export route and hand the CSV to the browser as a download named `filename`. */
export async function downloadTableCsv(source: TableSource, query: Omit<TableQuery, "offset" | "limit">, filename: string): Promise<void> {
  const body: Partial<TableQuery> = queryBody(source, { ...query, offset: 0, limit: 0 });
  delete body.offset;
  delete body.limit;
  const response = await request("POST", apiUrl(tableRoute(source, "export")), { body, accept: "text/csv" });
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // revoke on the next turn: some browsers start the download asynchronously
  window.setTimeout(() => {
    URL.revokeObjectURL(href);
  }, 0);
}

/** Every value of `key` in a run (step order), paging the values route up to MAX_VALUES. */
export async function fetchAllValues(
  entity: string,
  project: string,
  runId: string,
  key: string,
  signal?: AbortSignal,
): Promise<LoggedValue[]> {
  const out: LoggedValue[] = [];
  let after: number | null = 0;
  while (after !== null && out.length < MAX_VALUES) {
    const page: ValuesPage = await getJson<ValuesPage>(
      `${runPath(entity, project, runId)}/values`,
      { key, after, limit: 1000 },
      signal,
    );
    out.push(...page.values);
    after = page.next_after;
  }
  return out;
}

/** A run's values of one key (a table, chart, plotly or 3D key), fetched once `enabled`. */
export function useKeyValues(entity: string, project: string, runId: string | undefined, key: string, enabled: boolean) {
  return useQuery({
    ...keyValuesQuery(entity, project, runId ?? "", key),
    enabled: enabled && runId !== undefined && key !== "",
  });
}

/** The query of every logged value of `key` in a run (shared by useKeyValues and useRunWithKey). */
export function keyValuesQuery(entity: string, project: string, runId: string, key: string) {
  return {
    queryKey: ["panel-values", entity, project, runId, key] as const,
    queryFn: ({ signal }: { signal: AbortSignal }) => fetchAllValues(entity, project, runId, key, signal),
    staleTime: 15_000,
  };
}

/** The media route for a file the run has, by sha256. */
export function mediaUrl(entity: string, project: string, runId: string, sha256: string): string {
  return apiUrl(`${runPath(entity, project, runId)}/media/${seg(sha256)}`);
}

/** Bytes of a media file parsed as JSON (plotly figures, point clouds). */
export async function fetchMediaJson(url: string, signal?: AbortSignal): Promise<unknown> {
  const response = await request("GET", url, { signal });
  return (await response.json()) as unknown;
}
