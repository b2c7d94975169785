/** Named views of a project and the project's default layout: list, save, rename, delete. */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, seg, sendJson } from "./client";
import {
  dropPendingLayout,
  flushLayout,
  viewKey,
  viewsKey,
  viewsPath,
  workspaceKey,
  workspacePath,
  type OpenView,
  type SavedView,
  type WorkspaceAnswer,
  type WorkspaceLayout,
} from "./workspace";

/** The project's named views, by name (without their layouts). */
export function useViews(entity: string, project: string, enabled: boolean) {
  return useQuery({
    queryKey: viewsKey(entity, project),
    queryFn: ({ signal }) => getJson<{ views: SavedView[] }>(viewsPath(entity, project), undefined, signal),
    enabled,
    select: (answer) => answer.views,
  });
}

/** Create, save into, rename and delete views; set the project's default; forget your own layout. */
export function useViewActions(entity: string, project: string) {
  const client = useQueryClient();
  const listChanged = () => client.invalidateQueries({ queryKey: viewsKey(entity, project) });
  const opened = (view: SavedView, edited = false) => {
    client.setQueryData<OpenView>(viewKey(entity, project, view.id), { ...view, edited });
  };

  const create = useMutation({
    mutationFn: (body: { name: string; layout: WorkspaceLayout }) =>
      sendJson<SavedView>("POST", viewsPath(entity, project), body),
    onSuccess: async (view) => {
      opened(view);
      await listChanged();
    },
  });
  const saveInto = useMutation({
    mutationFn: ({ id, layout }: { id: string; layout: WorkspaceLayout }) =>
      sendJson<SavedView>("PATCH", `${viewsPath(entity, project)}/${seg(id)}`, { layout }),
    onSuccess: async (view) => {
      opened(view);
      await listChanged();
    },
  });
  const rename = useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) =>
      sendJson<SavedView>("PATCH", `${viewsPath(entity, project)}/${seg(id)}`, { name }),
    onSuccess: async (view) => {
      // keep the changes made on this page since the view was opened
      client.setQueryData<OpenView>(viewKey(entity, project, view.id), (current) =>
        current ? { ...current, name: view.name, updated_at: view.updated_at } : current,
      );
      await listChanged();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => sendJson<undefined>("DELETE", `${viewsPath(entity, project)}/${seg(id)}`),
    onSuccess: async (_answer, id) => {
      client.removeQueries({ queryKey: viewKey(entity, project, id) });
      await listChanged();
    },
  });
  const setDefault = useMutation({
    mutationFn: async (layout: WorkspaceLayout) => {
      await flushLayout(entity, project);
      return sendJson<WorkspaceAnswer>("PUT", `${workspacePath(entity, project)}/default`, { layout });
    },
    onSuccess: async () => {
      // someone without a layout of their own now sees this one
      const mine = client.getQueryData<WorkspaceAnswer>(workspaceKey(entity, project));
      if (mine?.source !== "user") await client.invalidateQueries({ queryKey: workspaceKey(entity, project) });
    },
  });
  const reset = useMutation({
    mutationFn: async () => {
      await dropPendingLayout(entity, project);
      await sendJson<undefined>("DELETE", workspacePath(entity, project));
    },
    onSuccess: () => client.invalidateQueries({ queryKey: workspaceKey(entity, project) }),
  });
  return { create, saveInto, rename, remove, setDefault, reset };
}
