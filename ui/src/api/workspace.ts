/** The workspace layout the page shows: your own (saved on the server) or an open named view. */

import { useCallback, useEffect } from "react";
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { ApiError, getJson, seg, sendJson } from "./client";
import { activeLayout, savesPersonal, viewIdOf, type ActiveLayout, type LayoutSource } from "../workspace/views";

export type LayoutPart = "table" | "panels";

export interface WorkspaceLayout {
  table?: unknown;
  panels?: unknown;
  [other: string]: unknown;
}

export interface WorkspaceAnswer {
  layout: WorkspaceLayout | null;
  updated_at: number | null;
  source: LayoutSource;
}

/** A named view as the server answers it (`layout` is null in listings). */
export interface SavedView {
  id: string;
  name: string;
  layout: WorkspaceLayout | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** An open view: the server's copy plus the changes made since it was opened (not saved). */
export interface OpenView extends SavedView {
  edited: boolean;
}

const SAVE_DELAY_MS = 800;

export const workspacePath = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}/workspace`;
export const viewsPath = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}/views`;
export const workspaceKey = (entity: string, project: string) => ["workspace", entity, project] as const;
export const viewsKey = (entity: string, project: string) => ["views", entity, project] as const;
export const viewKey = (entity: string, project: string, id: string) => ["view", entity, project, id] as const;

// One pending save per project, shared by every component that edits the layout (the table and
// the charts each use the hook), so a reset can cancel it and nothing saves twice; saves go one
// after the other, so the last change is the one the server keeps.
const pending = new Map<string, { timer: number; layout: WorkspaceLayout; client: QueryClient }>();
const saving = new Map<string, Promise<void>>();
const pendingKey = (entity: string, project: string) => `${entity}\u0000${project}`;

/** Save the project's pending layout change now (if any); resolves once every save answered. */
export async function flushLayout(entity: string, project: string): Promise<void> {
  const key = pendingKey(entity, project);
  const change = pending.get(key);
  if (change === undefined) {
    await saving.get(key);
    return;
  }
  pending.delete(key);
  window.clearTimeout(change.timer);
  const save = (saving.get(key) ?? Promise.resolve()).then(() => put(entity, project, change.layout, change.client));
  saving.set(key, save);
  await save;
  if (saving.get(key) === save) saving.delete(key);
}

async function put(entity: string, project: string, layout: WorkspaceLayout, client: QueryClient): Promise<void> {
  try {
    const answer = await sendJson<WorkspaceAnswer>("PUT", workspacePath(entity, project), { layout });
    client.setQueryData<WorkspaceAnswer>(workspaceKey(entity, project), (current) =>
      current ? { ...current, source: answer.source, updated_at: answer.updated_at } : current,
    );
  } catch (error: unknown) {
    console.warn("could not save the workspace layout", error);
  }
}

/** Forget the project's pending layout change and wait for saves under way (before replacing it). */
export async function dropPendingLayout(entity: string, project: string): Promise<void> {
  const key = pendingKey(entity, project);
  const change = pending.get(key);
  if (change !== undefined) window.clearTimeout(change.timer);
  pending.delete(key);
  await saving.get(key);
}

function errorOf(error: unknown): { status: number; message: string } {
  if (error instanceof ApiError) return { status: error.status, message: error.message };
  return { status: 0, message: error instanceof Error ? error.message : String(error) };
}

/**
 * The layout on screen and an `update(part, value)` that changes it at once locally.
 * With no view open (`?view=` absent, or naming a view that cannot be opened) changes are saved
 * shortly after as your own layout (changes within the delay are saved together); while a view
 * is open they stay on this page until "Update view" saves them into the view.
 * `layout` is null until loaded (and `{}` for a project whose workspace was never saved).
 */
export function useWorkspaceLayout(entity: string, project: string) {
  const client = useQueryClient();
  const [params] = useSearchParams();
  const viewId = viewIdOf(params);
  const personal = useQuery({
    queryKey: workspaceKey(entity, project),
    queryFn: ({ signal }) => getJson<WorkspaceAnswer>(workspacePath(entity, project), undefined, signal),
    staleTime: Infinity,
  });
  const view = useQuery({
    queryKey: viewKey(entity, project, viewId ?? ""),
    queryFn: async ({ signal }): Promise<OpenView> => ({
      ...(await getJson<SavedView>(`${viewsPath(entity, project)}/${seg(viewId ?? "")}`, undefined, signal)),
      edited: false,
    }),
    enabled: viewId !== null,
    // an open view keeps its unsaved changes: never refetched behind the user's back
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });

  const active: ActiveLayout = activeLayout(
    personal.data?.source ?? null,
    viewId === null
      ? null
      : {
          id: viewId,
          view: view.data ? { name: view.data.name, edited: view.data.edited } : null,
          error: view.error ? errorOf(view.error) : null,
        },
  );
  const personalMode = savesPersonal(active);

  useEffect(
    () => () => {
      void flushLayout(entity, project);
    },
    [entity, project],
  );

  const update = useCallback(
    (part: LayoutPart, value: unknown) => {
      if (!personalMode) {
        if (viewId === null) return;
        client.setQueryData<OpenView>(viewKey(entity, project, viewId), (current) =>
          current ? { ...current, layout: { ...(current.layout ?? {}), [part]: value }, edited: true } : current,
        );
        return;
      }
      const key = workspaceKey(entity, project);
      const current = client.getQueryData<WorkspaceAnswer>(key);
      const layout: WorkspaceLayout = { ...(current?.layout ?? {}), [part]: value };
      client.setQueryData<WorkspaceAnswer>(key, {
        layout,
        updated_at: current?.updated_at ?? null,
        source: current?.source ?? null,
      });
      const name = pendingKey(entity, project);
      const previous = pending.get(name);
      if (previous !== undefined) window.clearTimeout(previous.timer);
      const timer = window.setTimeout(() => void flushLayout(entity, project), SAVE_DELAY_MS);
      pending.set(name, { timer, layout, client });
    },
    [client, entity, project, personalMode, viewId],
  );

  let layout: WorkspaceLayout | null;
  if (active.kind === "view") layout = view.data?.layout ?? {};
  else if (active.kind === "loading-view") layout = null;
  else layout = personal.data ? (personal.data.layout ?? {}) : null;
  return { layout, update, active, isError: personal.isError, error: personal.error };
}
