/** Named views in the address (`?view=<id>`) and which layout the workspace shows. */

export const VIEW_PARAM = "view";
// Parameters that point into one layout (an expanded panel) and mean nothing in another.
const LAYOUT_PARAMS = ["panel"];

/** The view the address opens (`?view=<id>`), or null; an empty value opens none. */
export function viewIdOf(params: URLSearchParams): string | null {
  const id = params.get(VIEW_PARAM)?.trim() ?? "";
  return id === "" ? null : id;
}

/** The query with view `id` open (null: none), other parameters (filter, sort, zoom) kept. */
export function withView(params: URLSearchParams, id: string | null): URLSearchParams {
  const next = new URLSearchParams(params);
  if (id === null) next.delete(VIEW_PARAM);
  else next.set(VIEW_PARAM, id);
  for (const name of LAYOUT_PARAMS) next.delete(name);
  return next;
}

/** The address to share a view: `<origin>/<entity>/<project>?view=<id>`. */
export function viewLink(origin: string, entity: string, project: string, id: string): string {
  return `${origin}/${encodeURIComponent(entity)}/${encodeURIComponent(project)}?${VIEW_PARAM}=${encodeURIComponent(id)}`;
}

/** Whose layout the personal workspace answer is: your own, the project's default, or none saved. */
export type LayoutSource = "user" | "project" | null;

/** The layout on screen and where it comes from. */
export type ActiveLayout =
  | { kind: "personal"; source: LayoutSource }
  | { kind: "loading-view"; id: string }
  | { kind: "view"; id: string; name: string; edited: boolean }
  | { kind: "missing-view"; id: string; source: LayoutSource; message: string };

export interface ViewState {
  id: string;
  /** the view once loaded */
  view: { name: string; edited: boolean } | null;
  /** why it could not be opened: status (404: no such view) and the server's message */
  error: { status: number; message: string } | null;
}

/** Which layout is in use: the open view, or (no view, or one that could not be opened) your own. */
export function activeLayout(source: LayoutSource, open: ViewState | null): ActiveLayout {
  if (open === null) return { kind: "personal", source };
  if (open.error !== null) {
    const message =
      open.error.status === 404 || open.error.status === 422
        ? `The view “${open.id}” does not exist (it may have been deleted). Showing your own layout.`
        : `Could not open the view “${open.id}”: ${open.error.message}. Showing your own layout.`;
    return { kind: "missing-view", id: open.id, source, message };
  }
  if (open.view === null) return { kind: "loading-view", id: open.id };
  return { kind: "view", id: open.id, name: open.view.name, edited: open.view.edited };
}

/** The menu's name for the layout in use: "My layout", "Project default" or the view's name. */
export function layoutLabel(active: ActiveLayout): string {
  switch (active.kind) {
    case "view":
      return active.edited ? `${active.name} (edited)` : active.name;
    case "loading-view":
      return "Opening view…";
    default:
      return active.source === "user" ? "My layout" : "Project default";
  }
}

/** Whether changes are saved as your own layout (not while a view is open or opening). */
export function savesPersonal(active: ActiveLayout): boolean {
  return active.kind === "personal" || active.kind === "missing-view";
}

/** A view name as the server takes it: trimmed, 1 to 128 characters; else why not. */
export function checkViewName(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return "Give the view a name.";
  if (trimmed.length > 128) return "A view name has at most 128 characters.";
  return null;
}
