import { useEffect, useId, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson } from "../api/client";
import { useBulkRuns, type BulkAction } from "../api/housekeeping";
import type { ProjectPage } from "../api/types";
import { commonTags, deleteQuestion, parseTags } from "./bulk";
import { refreshProjectTables } from "./useTableWindows";

type Mode = "tag" | "untag" | "move" | "delete" | null;

interface Props {
  entity: string;
  project: string;
  /** ids of the selected runs */
  selected: string[];
  /** tags of the selected runs the page has loaded (suggestions for Untag) */
  selectedTags: string[][];
  /** archived runs are listed: offer Restore */
  showingArchived: boolean;
  onDone: (change: BulkAction, changed: number) => void;
  onClear: () => void;
}

/** Actions on the selected runs: tag, untag, move, archive, restore, delete (all or nothing). */
export function BulkBar({ entity, project, selected, selectedTags, showingArchived, onDone, onClear }: Props) {
  const bulk = useBulkRuns(entity, project);
  const [mode, setMode] = useState<Mode>(null);
  const n = selected.length;
  const count = `${n.toLocaleString()} ${n === 1 ? "run" : "runs"}`;

  const run = (change: BulkAction) => {
    setMode(null);
    bulk.mutate(
      { runs: selected, change },
      {
        onSuccess: (answer) => {
          refreshProjectTables(entity, project);
          if (change.action === "move") refreshProjectTables(entity, change.project);
          onDone(change, answer.changed);
        },
      },
    );
  };
  const failed = bulk.isError ? bulk.error : null;
  const failedAction = bulk.variables?.change.action;

  return (
    <div className="bulk-bar" role="toolbar" aria-label="Bulk actions" aria-busy={bulk.isPending}>
      <strong className="bulk-count">{count} selected</strong>
      <button type="button" aria-pressed={mode === "tag"} disabled={bulk.isPending} onClick={() => { setMode(mode === "tag" ? null : "tag"); }}>
        Tag…
      </button>
      <button type="button" aria-pressed={mode === "untag"} disabled={bulk.isPending} onClick={() => { setMode(mode === "untag" ? null : "untag"); }}>
        Untag…
      </button>
      <button type="button" aria-pressed={mode === "move"} disabled={bulk.isPending} onClick={() => { setMode(mode === "move" ? null : "move"); }}>
        Move to project…
      </button>
      <button type="button" disabled={bulk.isPending} title="Hide from the runs table and charts; restore any time"
        onClick={() => { run({ action: "archive" }); }}>
        Archive
      </button>
      {showingArchived && (
        <button type="button" disabled={bulk.isPending} onClick={() => { run({ action: "restore" }); }}>
          Restore
        </button>
      )}
      <button type="button" className="danger" disabled={bulk.isPending} onClick={() => { setMode("delete"); }}>
        Delete…
      </button>
      <button type="button" className="link-button" disabled={bulk.isPending} onClick={onClear}>
        Clear selection
      </button>
      {bulk.isPending && <span className="muted" role="status">Working…</span>}
      {(mode === "tag" || mode === "untag") && (
        <TextForm
          key={mode}
          label={mode === "tag" ? `Add tags to ${count}` : `Remove tags from ${count}`}
          field="Tags"
          placeholder="tag, another tag"
          submit={mode === "tag" ? "Add tags" : "Remove tags"}
          suggestions={commonTags(selectedTags)}
          parse={(text) => (parseTags(text).length > 0 ? null : "Type at least one tag.")}
          onSubmit={(text) => { run({ action: mode, tags: parseTags(text) }); }}
          onCancel={() => { setMode(null); }}
        />
      )}
      {mode === "move" && (
        <MoveForm entity={entity} project={project} count={count}
          onSubmit={(target) => { run({ action: "move", project: target }); }}
          onCancel={() => { setMode(null); }} />
      )}
      {mode === "delete" && (
        <ConfirmDelete count={n} onConfirm={() => { run({ action: "delete" }); }} onCancel={() => { setMode(null); }} />
      )}
      {failed !== null && (
        <p className="bulk-error" role="alert">
          Could not {failedAction ?? "change"} the runs: {failed.message}
        </p>
      )}
    </div>
  );
}

function TextForm(props: {
  label: string;
  field: string;
  placeholder: string;
  submit: string;
  suggestions: string[];
  /** a message when the text cannot be sent, else null */
  parse: (text: string) => string | null;
  onSubmit: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const listId = useId();
  return (
    <form
      className="bulk-form"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        const message = props.parse(text);
        setProblem(message);
        if (message === null) props.onSubmit(text.trim());
      }}
      onKeyDown={(e) => { if (e.key === "Escape") props.onCancel(); }}
    >
      <input
        aria-label={props.field}
        placeholder={props.placeholder}
        value={text}
        autoFocus
        maxLength={2000}
        list={props.suggestions.length ? listId : undefined}
        onChange={(e) => { setText(e.target.value); }}
      />
      {props.suggestions.length > 0 && (
        <datalist id={listId}>
          {props.suggestions.slice(0, 100).map((s) => <option key={s} value={s} />)}
        </datalist>
      )}
      <button type="submit" className="primary">{props.submit}</button>
      <button type="button" onClick={props.onCancel}>Cancel</button>
      {problem !== null && <span className="bulk-error" role="alert">{problem}</span>}
    </form>
  );
}

function MoveForm({ entity, project, count, onSubmit, onCancel }: {
  entity: string;
  project: string;
  count: string;
  onSubmit: (target: string) => void;
  onCancel: () => void;
}) {
  // the entity's other projects as suggestions; a new name creates the project
  const projects = useQuery({
    queryKey: ["projects", "entity", entity],
    queryFn: ({ signal }) => getJson<ProjectPage>("/projects", { entity, limit: 500, archived: "include" }, signal),
    staleTime: 30_000,
  });
  const names = (projects.data?.projects ?? []).map((p) => p.name).filter((name) => name !== project);
  return (
    <TextForm
      label={`Move ${count} to another project of ${entity}`}
      field="Target project"
      placeholder="project name (new or existing)"
      submit="Move"
      suggestions={names}
      parse={(text) => {
        const name = text.trim();
        if (name === "") return "Type the target project's name.";
        if (name === project) return "The runs are already in this project.";
        return null;
      }}
      onSubmit={onSubmit}
      onCancel={onCancel}
    />
  );
}

function ConfirmDelete({ count, onConfirm, onCancel }: { count: number; onConfirm: () => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const textId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => { element?.close(); };
  }, []);
  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      onCancel={(e) => {
        e.preventDefault(); // Escape: close through React state
        onCancel();
      }}
    >
      <h2 id={titleId}>Delete runs</h2>
      <p id={textId}>{deleteQuestion(count)}</p>
      <div className="confirm-actions">
        <button type="button" autoFocus onClick={onCancel}>Cancel</button>
        <button type="button" className="danger" onClick={onConfirm}>
          Delete {count.toLocaleString()} {count === 1 ? "run" : "runs"}
        </button>
      </div>
    </dialog>
  );
}
