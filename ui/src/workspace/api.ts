/** The workspace's server state: project keys, groups, the runs shown in charts. */

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson, seg, sendJson } from "../api/client";
import type { ArchivedMode, Run, RunsPage } from "../api/types";
import type { FilterTree } from "./filter/expression";

export interface KeyCount {
  key: string;
  count: number;
}

export interface ProjectKeys {
  config: KeyCount[];
  summary: KeyCount[];
  metrics: { key: string; kind: "history" | "system"; runs: number }[];
}

export interface Aggregate {
  mean: number | string | null;
  min: number | string | null;
  max: number | string | null;
  count: number;
}

export interface RunGroup {
  value: unknown;
  count: number;
  filter: FilterTree;
  aggregates: Record<string, Aggregate>;
}

export interface GroupsAnswer {
  group_by: string;
  groups: RunGroup[];
  truncated: boolean;
}

/** What selects and orders the table's runs. */
export interface RunsSelection {
  entity: string;
  project: string;
  /** the page filter as a tree (already parsed); null: all runs */
  filter: FilterTree | null;
  order: string | null;
  /** archived runs: left out unless "include" (the "Show archived" toggle) */
  archived?: ArchivedMode;
}

const projectPath = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}`;

export function andFilters(...trees: (FilterTree | null | undefined)[]): FilterTree | null {
  const parts = trees.filter((t): t is FilterTree => t != null && Object.keys(t).length > 0);
  if (parts.length === 0) return null;
  return parts.length === 1 ? (parts[0] as FilterTree) : { $and: parts };
}

export function useProjectKeys(entity: string, project: string) {
  return useQuery({
    queryKey: ["project-keys", entity, project],
    queryFn: ({ signal }) => getJson<ProjectKeys>(`${projectPath(entity, project)}/keys`, undefined, signal),
    staleTime: 30_000,
  });
}

/** Runs to draw in the charts: all config/summary kept (scatter and bar panels use them). */
export function useChartRuns(selection: RunsSelection, ids: string[] | null, limit: number, refetchInterval: number | false) {
  const filter = ids === null ? selection.filter : { id: { $in: ids } };
  return useQuery({
    queryKey: ["chart-runs", selection, ids, limit],
    queryFn: () =>
      sendJson<RunsPage>("POST", `${projectPath(selection.entity, selection.project)}/runs/query`, {
        filters: filter,
        order: selection.order,
        offset: 0,
        limit: Math.max(1, Math.min(limit, 1000)),
        archived: selection.archived,
      }),
    placeholderData: keepPreviousData,
    refetchInterval,
    staleTime: 5_000,
  });
}

export function useRunGroups(selection: RunsSelection, groupBy: string | null, aggregate: string[]) {
  return useQuery({
    queryKey: ["run-groups", selection, groupBy, aggregate],
    queryFn: () =>
      sendJson<GroupsAnswer>("POST", `${projectPath(selection.entity, selection.project)}/runs/groups`, {
        filters: selection.filter,
        group_by: groupBy,
        aggregate,
        archived: selection.archived,
      }),
    enabled: groupBy !== null,
    staleTime: 5_000,
  });
}

/** The first `limit` runs of one group (expanded in the table). */
export function useGroupRuns(selection: RunsSelection, group: RunGroup, keys: string[] | null, limit: number, enabled: boolean) {
  return useQuery({
    queryKey: ["group-runs", selection, group.filter, keys, limit],
    queryFn: () =>
      sendJson<RunsPage>("POST", `${projectPath(selection.entity, selection.project)}/runs/query`, {
        filters: andFilters(selection.filter, group.filter),
        order: selection.order,
        offset: 0,
        limit,
        keys,
        archived: selection.archived,
      }),
    enabled,
    staleTime: 5_000,
  });
}

/** A value of a run at a column path (`config.lr`, `summary.acc`, `meta.python`, `state`...). */
export function valueAt(run: Run, column: string): unknown {
  const dot = column.indexOf(".");
  const head = dot < 0 ? column : column.slice(0, dot);
  if (head === "config" || head === "summary" || head === "meta") {
    const source = head === "meta" ? run.meta : run[head];
    const key = column.slice(dot + 1);
    if (source == null) return undefined;
    if (key in source) return source[key];
    let node: unknown = source;
    for (const part of key.split(".")) {
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
    }
    return node;
  }
  return (run as unknown as Record<string, unknown>)[column];
}
