import { useId, useState, type SyntheticEvent } from "react";
import { useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";
import { useViewActions, useViews } from "../api/views";
import { viewKey, type WorkspaceLayout } from "../api/workspace";
import { checkViewName, layoutLabel, viewLink, withView, type ActiveLayout } from "./views";

interface Props {
  entity: string;
  project: string;
  /** the layout in use and where it comes from */
  active: ActiveLayout;
  /** the layout on screen (what "Save as view", "Update view" and "Set as project default" save) */
  layout: WorkspaceLayout | null;
}

type Form = "none" | "save" | "rename" | "delete";

const messageOf = (error: unknown): string =>
  error instanceof ApiError || error instanceof Error ? error.message : String(error);

/** The workspace's Views menu: which layout is in use, the project's named views, and what to do with them. */
export function ViewsMenu({ entity, project, active, layout }: Props) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<Form>("none");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [, setParams] = useSearchParams();
  const client = useQueryClient();
  const dialogId = useId();
  const views = useViews(entity, project, open);
  const actions = useViewActions(entity, project);
  const openView = active.kind === "view" ? active : null;
  const busy = Object.values(actions).some((m) => m.isPending);

  const reset = () => {
    setForm("none");
    setError(null);
    setDone(null);
    setLink(null);
  };
  const show = (id: string | null) => {
    reset();
    // opening a view again, another one or leaving it starts from the server's copy: unsaved
    // changes are dropped
    if (id !== null && id === openView?.id) {
      void client.resetQueries({ queryKey: viewKey(entity, project, id) });
      return;
    }
    if (id !== null) client.removeQueries({ queryKey: viewKey(entity, project, id) });
    setParams((current) => withView(current, id));
    if (openView) client.removeQueries({ queryKey: viewKey(entity, project, openView.id) });
  };
  const run = async (what: () => Promise<unknown>, success: string) => {
    setError(null);
    setDone(null);
    try {
      await what();
      setDone(success);
      setForm("none");
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const submitName = (event: SyntheticEvent) => {
    event.preventDefault();
    const problem = checkViewName(name);
    if (problem !== null) {
      setError(problem);
      return;
    }
    const trimmed = name.trim();
    if (form === "save") {
      void run(async () => {
        const view = await actions.create.mutateAsync({ name: trimmed, layout: layout ?? {} });
        setParams((current) => withView(current, view.id));
      }, `Saved the view “${trimmed}”.`);
    } else if (form === "rename" && openView) {
      void run(() => actions.rename.mutateAsync({ id: openView.id, name: trimmed }), `Renamed the view to “${trimmed}”.`);
    }
  };

  const copyLink = (id: string) => {
    const url = viewLink(window.location.origin, entity, project, id);
    setLink(url);
    setError(null);
    setDone(null);
    // the clipboard needs a secure context and permission; the link stays shown either way
    const clipboard = typeof navigator.clipboard === "undefined" ? null : navigator.clipboard;
    if (clipboard === null) return;
    clipboard.writeText(url).then(
      () => { setDone("Link copied."); },
      () => undefined,
    );
  };

  const label = layoutLabel(active);
  return (
    <div
      className="views-menu"
      onKeyDown={(e) => {
        if (e.key === "Escape") setOpen(false);
      }}
    >
      <button
        type="button"
        aria-expanded={open}
        aria-controls={dialogId}
        aria-label={`Views: ${label}`}
        title="Layouts and named views"
        onClick={() => {
          setOpen(!open);
          reset();
        }}
      >
        Views: <span className="views-current">{label}</span> ▾
      </button>
      {open && (
        <div
          id={dialogId}
          className="popover views-popover"
          role="dialog"
          aria-label="Views"
        >
          <p className="views-in-use">In use: <strong>{label}</strong></p>
          <ul className="views-list" aria-label="Layouts">
            <li>
              <button type="button" className="views-item" aria-current={openView === null ? "true" : undefined}
                onClick={() => { show(null); }}>
                My layout
              </button>
            </li>
            {views.data?.map((v) => (
              <li key={v.id}>
                <button type="button" className="views-item" aria-current={openView?.id === v.id ? "true" : undefined}
                  title={v.created_by ? `saved by ${v.created_by}` : undefined}
                  onClick={() => { show(v.id); }}>
                  {v.name}
                </button>
              </li>
            ))}
          </ul>
          {views.isPending && <p className="muted">Loading views…</p>}
          {views.data?.length === 0 && <p className="muted">No saved views in this project yet.</p>}
          {views.isError && <p className="views-error" role="alert">Could not list the views: {messageOf(views.error)}</p>}

          {form === "save" || form === "rename" ? (
            <form className="views-form" aria-label={form === "save" ? "Save as view" : "Rename view"} onSubmit={submitName}>
              <input
                type="text"
                aria-label="View name"
                placeholder="View name"
                maxLength={128}
                value={name}
                autoFocus
                onChange={(e) => { setName(e.target.value); }}
              />
              <button type="submit" disabled={busy}>{form === "save" ? "Save" : "Rename"}</button>
              <button type="button" onClick={() => { setForm("none"); setError(null); }}>Cancel</button>
            </form>
          ) : form === "delete" && openView ? (
            <div className="views-form" role="group" aria-label="Delete view">
              <span>Delete the view “{openView.name}” for everyone?</span>
              <button type="button" className="danger" disabled={busy}
                onClick={() => {
                  void run(async () => {
                    await actions.remove.mutateAsync(openView.id);
                    setParams((current) => withView(current, null));
                  }, `Deleted the view “${openView.name}”.`);
                }}>
                Delete
              </button>
              <button type="button" autoFocus onClick={() => { setForm("none"); }}>Cancel</button>
            </div>
          ) : (
            <div className="views-actions" role="group" aria-label="View actions">
              <button type="button" disabled={layout === null}
                onClick={() => { setForm("save"); setName(""); setError(null); setDone(null); }}>
                Save as view…
              </button>
              {openView && (
                <>
                  <button type="button" disabled={busy || layout === null}
                    title="Save the layout on screen into this view"
                    onClick={() => { void run(() => actions.saveInto.mutateAsync({ id: openView.id, layout: layout ?? {} }), `Saved into “${openView.name}”.`); }}>
                    Update view
                  </button>
                  <button type="button" onClick={() => { setForm("rename"); setName(openView.name); setError(null); setDone(null); }}>
                    Rename
                  </button>
                  <button type="button" onClick={() => { setForm("delete"); setError(null); setDone(null); }}>Delete</button>
                  <button type="button" onClick={() => { copyLink(openView.id); }}>Copy link</button>
                </>
              )}
              <button type="button" disabled={busy || layout === null}
                title="Everyone without a layout of their own sees this one"
                onClick={() => { void run(() => actions.setDefault.mutateAsync(layout ?? {}), "This layout is now the project's default."); }}>
                Set as project default
              </button>
              {active.kind === "personal" && active.source === "user" && (
                <button type="button" disabled={busy}
                  title="Forget your own layout and see the project's default"
                  onClick={() => { void run(() => actions.reset.mutateAsync(), "You see the project's default layout again."); }}>
                  Reset to project default
                </button>
              )}
            </div>
          )}
          {link !== null && (
            <label className="views-link">
              Link to this view{" "}
              <input type="text" readOnly aria-label="View link" value={link} onFocus={(e) => { e.target.select(); }} />
            </label>
          )}
          {error !== null && <p className="views-error" role="alert">{error}</p>}
          {done !== null && <p className="views-done" role="status">{done}</p>}
          {openView && (
            <p className="muted views-hint">
              Changes made while a view is open are not saved until you choose Update view; My layout goes back to your own.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
