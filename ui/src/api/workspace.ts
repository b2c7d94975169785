/** The project workspace layout saved on the server: `table` (runs table) and `panels` (charts). */

import { useCallback, useEffect, useRef } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, seg, sendJson } from "./client";

export type LayoutPart = "table" | "panels";

export interface WorkspaceLayout {
  table?: unknown;
  panels?: unknown;
  [other: string]: unknown;
}

interface WorkspaceAnswer {
  layout: WorkspaceLayout | null;
  updated_at: number | null;
}

const SAVE_DELAY_MS = 800;

/**
 * The saved layout and an `update(part, value)` that changes it at once locally and saves it
 * to the server shortly after (changes within the delay are saved together).
 * `layout` is null until loaded (and `{}` for a project whose workspace was never saved).
 */
export function useWorkspaceLayout(entity: string, project: string) {
  const client = useQueryClient();
  const queryKey = ["workspace", entity, project];
  const query = useQuery({
    queryKey,
    queryFn: () => getJson<WorkspaceAnswer>(`/projects/${seg(entity)}/${seg(project)}/workspace`),
    staleTime: Infinity,
  });
  const timer = useRef<number | undefined>(undefined);
  const pending = useRef<WorkspaceLayout | null>(null);

  const flush = useCallback(() => {
    const layout = pending.current;
    pending.current = null;
    if (layout === null) return;
    sendJson<WorkspaceAnswer>("PUT", `/projects/${seg(entity)}/${seg(project)}/workspace`, { layout }).catch(
      (error: unknown) => {
        console.warn("could not save the workspace layout", error);
      },
    );
  }, [entity, project]);

  useEffect(
    () => () => {
      window.clearTimeout(timer.current);
      flush();
    },
    [flush],
  );

  const update = useCallback(
    (part: LayoutPart, value: unknown) => {
      const key = ["workspace", entity, project];
      const current = client.getQueryData<WorkspaceAnswer>(key);
      const layout: WorkspaceLayout = { ...(current?.layout ?? {}), [part]: value };
      client.setQueryData<WorkspaceAnswer>(key, { layout, updated_at: current?.updated_at ?? null });
      pending.current = layout;
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(flush, SAVE_DELAY_MS);
    },
    [client, entity, project, flush],
  );

  const layout: WorkspaceLayout | null = query.data ? (query.data.layout ?? {}) : null;
  return { layout, update, isError: query.isError, error: query.error };
}
