/** Sweeps: the project's list, one sweep, its runs, its controls; and a run's stop request. */

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, seg, sendJson } from "./client";
import { invalidateProjectRuns } from "./housekeeping";
import { runApiPath, runKey } from "./runDetails";
import type { Run, RunsPage } from "./types";

export type SweepState = "pending" | "running" | "paused" | "finished" | "cancelled";
export type SweepAction = "pause" | "resume" | "stop" | "cancel";

export interface SweepCounts {
  running: number;
  finished: number;
  failed: number;
  crashed: number;
  killed: number;
}

export interface Sweep {
  id: string;
  /** entity/project/id */
  path: string;
  name: string | null;
  state: SweepState;
  method: string;
  metric: { name: string; goal: "minimize" | "maximize" } | null;
  config: Record<string, unknown>;
  created_at: number;
  updated_at: number;
  counts: SweepCounts;
  best: { run_id: string; value: number } | null;
  run_cap: number | null;
}

/** At most this many of a sweep's runs are drawn on its page. */
export const SWEEP_RUNS_LIMIT = 1000;

const sweepPath = (entity: string, project: string, id: string) => `/sweeps/${seg(entity)}/${seg(project)}/${seg(id)}`;
export const sweepKey = (entity: string, project: string, id: string) => ["sweep", entity, project, id] as const;

/** Whether a sweep may still change (worth polling). */
export const sweepLive = (sweep: Pick<Sweep, "state"> | undefined): boolean =>
  sweep !== undefined && sweep.state !== "finished" && sweep.state !== "cancelled";

export const SWEEPS_PAGE_SIZE = 100;

/**
 * The project's sweeps, newest first, `SWEEPS_PAGE_SIZE` at a time ("load more" fetches the next
 * page after the last sweep shown); the loaded pages are polled every 10 s.
 */
export function useSweeps(entity: string, project: string) {
  return useInfiniteQuery({
    queryKey: ["sweeps", entity, project],
    queryFn: ({ pageParam, signal }) =>
      getJson<{ sweeps: Sweep[]; next_after: string | null }>(
        `/projects/${seg(entity)}/${seg(project)}/sweeps`,
        { limit: SWEEPS_PAGE_SIZE, after: pageParam },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_after ?? undefined,
    refetchInterval: 10_000,
  });
}

/** One sweep; polled every 5 s while it can change. */
export function useSweep(entity: string, project: string, id: string) {
  return useQuery({
    queryKey: sweepKey(entity, project, id),
    queryFn: ({ signal }) => getJson<Sweep>(sweepPath(entity, project, id), undefined, signal),
    refetchInterval: (query) => (sweepLive(query.state.data) ? 5000 : false),
  });
}

/** The sweep's runs (the runs query's `sweep` field), oldest first. */
export function useSweepRuns(entity: string, project: string, id: string, live: boolean) {
  return useQuery({
    queryKey: ["sweep-runs", entity, project, id],
    queryFn: () =>
      sendJson<RunsPage>("POST", `/projects/${seg(entity)}/${seg(project)}/runs/query`, {
        filters: { sweep: id },
        order: "created_at",
        offset: 0,
        limit: SWEEP_RUNS_LIMIT,
        archived: "include",
      }),
    refetchInterval: live ? 5000 : false,
  });
}

/** Pause, resume, stop or cancel a sweep; the answer replaces the cached sweep. */
export function useSweepControl(entity: string, project: string, id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: SweepAction) => sendJson<Sweep>("POST", `${sweepPath(entity, project, id)}/control`, { action }),
    onSuccess: (sweep) => {
      client.setQueryData(sweepKey(entity, project, id), sweep);
      void client.invalidateQueries({ queryKey: ["sweeps", entity, project] });
      void client.invalidateQueries({ queryKey: ["sweep-runs", entity, project, id] });
    },
  });
}

/** Ask a running run to stop (it ends `killed` with `meta.stop_reason` "user" at its next
 * heartbeat); refreshes the run. */
export function useStopRun(entity: string, project: string, runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => sendJson<unknown>("POST", `${runApiPath(entity, project, runId)}/stop`, { reason: "user" }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: runKey(entity, project, runId) });
      void invalidateProjectRuns(client, entity, project);
    },
  });
}

/** How a run of a sweep reads: hyperband's stops are "stopped early", not a failure. */
export function runStateLabel(run: Pick<Run, "state" | "meta">): string {
  const reason = run.meta?.stop_reason;
  if (run.state === "killed" && reason === "early_terminate") return "stopped early";
  return run.state;
}
