/** One run: read, edit, delete; its console lines and files; several runs by id (compare). */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiUrl, getJson, request, seg, sendJson } from "./client";
import { invalidateProjectRuns } from "./housekeeping";
import type { ConsolePage, Run, RunFile, RunsPage } from "./types";

/** `/runs/{entity}/{project}/{run_id}` with each part encoded. */
export function runApiPath(entity: string, project: string, runId: string): string {
  return `/runs/${seg(entity)}/${seg(project)}/${seg(runId)}`;
}

export const runKey = (entity: string, project: string, runId: string) => ["run", entity, project, runId] as const;

/** Still being written to: worth polling. */
export const isLive = (run: Pick<Run, "state"> | undefined): boolean => run?.state === "running";

/** One run; polled every 5 s while it is running. */
export function useRun(entity: string, project: string, runId: string) {
  return useQuery({
    queryKey: runKey(entity, project, runId),
    queryFn: ({ signal }) => getJson<Run>(runApiPath(entity, project, runId), undefined, signal),
    refetchInterval: (query) => (isLive(query.state.data) ? 5000 : false),
  });
}

export interface RunEdit {
  name?: string;
  tags?: string[];
  notes?: string;
  group?: string | null;
  job_type?: string | null;
  /** true archives the run (hidden from listings), false restores it */
  archived?: boolean;
}

/** PATCH the run; the answer replaces the cached run. */
export function useEditRun(entity: string, project: string, runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (edit: RunEdit) => sendJson<Run>("PATCH", runApiPath(entity, project, runId), edit),
    onSuccess: (run) => {
      client.setQueryData(runKey(entity, project, runId), run);
      // the runs table, charts and compare view show names, tags and archived runs too
      void invalidateProjectRuns(client, entity, project);
    },
  });
}

export function useDeleteRun(entity: string, project: string, runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => sendJson<undefined>("DELETE", runApiPath(entity, project, runId)),
    onSuccess: () => {
      client.removeQueries({ queryKey: runKey(entity, project, runId) });
      void invalidateProjectRuns(client, entity, project);
    },
  });
}

/** Console lines `start .. start + limit` (line numbers from 0) and the run's total line count. */
export function fetchConsole(
  entity: string,
  project: string,
  runId: string,
  start: number,
  limit: number,
  signal?: AbortSignal,
): Promise<ConsolePage> {
  return getJson<ConsolePage>(`${runApiPath(entity, project, runId)}/console`, { start, limit }, signal);
}

/** The run's files, by path; polled while the run is running. */
export function useRunFiles(entity: string, project: string, runId: string, live: boolean) {
  return useQuery({
    queryKey: ["run-files", entity, project, runId],
    queryFn: ({ signal }) => fetchAllFiles(entity, project, runId, signal),
    refetchInterval: live ? 10_000 : false,
  });
}

/** Every file of a run, page by page (the server sends at most 5000 a page). */
async function fetchAllFiles(entity: string, project: string, runId: string, signal: AbortSignal): Promise<RunFile[]> {
  const files: RunFile[] = [];
  let after: string | null = null;
  do {
    const query: Record<string, string | number> = after === null ? { limit: 5000 } : { limit: 5000, after };
    const page: { files: RunFile[]; next_after?: string | null } = await getJson(
      `${runApiPath(entity, project, runId)}/files`,
      query,
      signal,
    );
    files.push(...page.files);
    after = page.next_after ?? null;
  } while (after !== null);
  return files;
}

/** The download address of a run file (each path segment encoded). */
export function runFileUrl(entity: string, project: string, runId: string, path: string): string {
  const encoded = path.split("/").map(seg).join("/");
  return apiUrl(`${runApiPath(entity, project, runId)}/files/${encoded}`);
}

export interface FileText {
  text: string;
  /** the file looked binary (NUL bytes or invalid UTF-8) */
  binary: boolean;
}

/** A run file's content as text (for previews and the diff); only when `enabled`. */
export function useRunFileText(
  entity: string,
  project: string,
  runId: string,
  path: string | null,
  sha256: string | null,
  enabled = true,
) {
  return useQuery({
    queryKey: ["run-file-text", entity, project, runId, path, sha256],
    enabled: enabled && path !== null,
    staleTime: Infinity,
    queryFn: async ({ signal }): Promise<FileText> => {
      const response = await request("GET", runFileUrl(entity, project, runId, path ?? ""), {
        accept: "*/*",
        signal,
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.subarray(0, 8192).includes(0)) return { text: "", binary: true };
      try {
        return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), binary: false };
      } catch {
        return { text: "", binary: true };
      }
    },
  });
}

const RUNS_QUERY = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}/runs/query`;

/** Runs of a project by id, in the order of `ids` (ids the server does not know are left out). */
export function useRunsByIds(entity: string, project: string, ids: string[]) {
  return useQuery({
    queryKey: ["compare-runs", entity, project, ids],
    enabled: ids.length > 0,
    queryFn: async () => {
      const page = await sendJson<RunsPage>("POST", RUNS_QUERY(entity, project), {
        filters: { id: { $in: ids } },
        limit: Math.min(1000, Math.max(1, ids.length)),
        archived: "include", // runs named by id are shown even when archived
      });
      const byId = new Map(page.runs.map((run) => [run.id, run]));
      return ids.map((id) => byId.get(id)).filter((run): run is Run => run !== undefined);
    },
  });
}

/**
 * Runs whose name or id contains `text` (case-insensitive), newest first, without config and summary.
 * The filter language has no substring operator, so this asks for names and ids starting with the
 * text and filters the 500 newest runs by substring, and merges the two.
 */
export function useRunSearch(entity: string, project: string, text: string, enabled: boolean) {
  const needle = text.trim();
  return useQuery({
    queryKey: ["run-search", entity, project, needle],
    enabled,
    staleTime: 30_000,
    queryFn: async () => {
      const recent = sendJson<RunsPage>("POST", RUNS_QUERY(entity, project), { keys: [], limit: 500 });
      const prefix =
        needle === ""
          ? Promise.resolve<RunsPage | null>(null)
          : sendJson<RunsPage>("POST", RUNS_QUERY(entity, project), {
              filters: {
                $or: [
                  { name: { $gte: needle, $lt: `${needle}\uffff` } },
                  { id: { $gte: needle, $lt: `${needle}\uffff` } },
                ],
              },
              keys: [],
              limit: 50,
            });
      const [recentPage, prefixPage] = await Promise.all([recent, prefix]);
      const lower = needle.toLowerCase();
      const seen = new Set<string>();
      const out: Run[] = [];
      for (const run of [...(prefixPage?.runs ?? []), ...recentPage.runs]) {
        if (seen.has(run.id)) continue;
        if (lower !== "" && !run.name.toLowerCase().includes(lower) && !run.id.toLowerCase().includes(lower)) continue;
        seen.add(run.id);
        out.push(run);
      }
      return out.slice(0, 50);
    },
  });
}
