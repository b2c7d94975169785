/** Tidying up: bulk changes to runs, one project's settings, disk use, archive and delete. */

import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { getJson, seg, sendJson } from "./client";
import type { Project, ProjectUsage } from "./types";

export type BulkAction =
  | { action: "tag" | "untag"; tags: string[] }
  | { action: "archive" | "restore" | "delete" }
  | { action: "move"; project: string };

const projectPath = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}`;

// Queries whose key holds a RunsSelection ({entity, project, ...}) second.
const SELECTION_KEYS = new Set(["runs-window", "chart-runs", "run-groups", "group-runs"]);
// Queries keyed [name, entity, project, ...].
const PROJECT_KEYS = new Set(["runs", "project-keys", "compare-runs", "run-search", "project-usage"]);

/** Mark every cached list of a project's runs stale (tables, charts, groups, compare, usage, projects). */
export function invalidateProjectRuns(client: QueryClient, entity: string, project: string): Promise<void> {
  return client.invalidateQueries({
    predicate: ({ queryKey }) => {
      const [name, second, third] = queryKey;
      if (typeof name !== "string") return false;
      if (SELECTION_KEYS.has(name)) {
        const selection = second as { entity?: unknown; project?: unknown } | null | undefined;
        return selection?.entity === entity && selection.project === project;
      }
      if (PROJECT_KEYS.has(name)) return second === entity && third === project;
      return name === "projects" || name === "project";
    },
  });
}

/** `POST .../runs/bulk`: one change to the given runs, all or nothing; answers how many changed. */
export function useBulkRuns(entity: string, project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ runs, change }: { runs: string[]; change: BulkAction }) =>
      sendJson<{ changed: number }>("POST", `${projectPath(entity, project)}/runs/bulk`, { runs, ...change }),
    onSuccess: async (_answer, { change }) => {
      await invalidateProjectRuns(client, entity, project);
      if (change.action === "move") await invalidateProjectRuns(client, entity, change.project);
    },
  });
}

export const projectKey = (entity: string, project: string) => ["project", entity, project] as const;

/** One project (name, visibility, description, archived_at). */
export function useProject(entity: string, project: string) {
  return useQuery({
    queryKey: projectKey(entity, project),
    queryFn: ({ signal }) => getJson<Project>(projectPath(entity, project), undefined, signal),
    retry: false,
  });
}

/** Runs, series and files of a project and the bytes they take. */
export function useProjectUsage(entity: string, project: string) {
  return useQuery({
    queryKey: ["project-usage", entity, project],
    queryFn: ({ signal }) => getJson<ProjectUsage>(`${projectPath(entity, project)}/usage`, undefined, signal),
    retry: false,
  });
}

export interface ProjectEdit {
  name?: string;
  visibility?: "private" | "team" | "public";
  description?: string;
  archived?: boolean;
}

/** `PATCH` the project (admins); the answer replaces the cached project (under its new name). */
export function useEditProject(entity: string, project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (edit: ProjectEdit) => sendJson<Project>("PATCH", projectPath(entity, project), edit),
    onSuccess: (updated) => {
      client.setQueryData(projectKey(updated.entity, updated.name), updated);
      void client.invalidateQueries({ queryKey: ["projects"] });
    },
  });
}

/** `DELETE` the project and its runs (admins). */
export function useDeleteProject(entity: string, project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => sendJson<undefined>("DELETE", projectPath(entity, project)),
    onSuccess: () => {
      client.removeQueries({ queryKey: projectKey(entity, project) });
      void client.invalidateQueries({ queryKey: ["projects"] });
    },
  });
}
