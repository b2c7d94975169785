/** A model's description and tags, edited by members. */

import { useState } from "react";
import { useEditModel, type RegisteredModel } from "../api/registry";
import { ErrorMessage } from "../components/Status";
import { formatDateTime } from "../lib/format";
import { parseTags } from "./registryText";

interface Props {
  entity: string;
  model: RegisteredModel;
  canEdit: boolean;
}

export function ModelDetails({ entity, model, canEdit }: Props) {
  const edit = useEditModel(entity, model.name);
  const [editing, setEditing] = useState(false);
  const [description, setDescription] = useState("");
  const [tags, setTags] = useState("");
  return (
    <section className="run-card" aria-label="Details">
      <div className="run-card-head">
        <h2>Details</h2>
        {canEdit && !editing ? (
          <button type="button" onClick={() => {
            setDescription(model.description ?? "");
            setTags(model.tags.join(", "));
            edit.reset();
            setEditing(true);
          }}>
            Edit details
          </button>
        ) : null}
      </div>
      {editing ? (
        <form
          className="model-edit"
          aria-label="Edit details"
          onSubmit={(e) => {
            e.preventDefault();
            const text = description.trim();
            edit.mutate({ description: text === "" ? null : text, tags: parseTags(tags) }, {
              onSuccess: () => { setEditing(false); },
            });
          }}
        >
          <label>
            Description
            <textarea aria-label="Description" value={description} maxLength={65536}
              onChange={(e) => { setDescription(e.target.value); }} />
          </label>
          <label>
            Tags <span className="muted small">(comma-separated)</span>
            <input aria-label="Tags" value={tags} onChange={(e) => { setTags(e.target.value); }} />
          </label>
          <div className="alias-form">
            <button type="submit" disabled={edit.isPending}>Save</button>
            <button type="button" onClick={() => { setEditing(false); }}>Cancel</button>
          </div>
          {edit.isError && <ErrorMessage error={edit.error} what="the details saved" />}
        </form>
      ) : (
        <dl className="facts">
          <div><dt>Path</dt><dd>{model.path}</dd></div>
          <div><dt>Created</dt><dd>{formatDateTime(model.created_at)}{model.created_by ? ` by ${model.created_by}` : ""}</dd></div>
          <div><dt>Description</dt><dd className="artifact-description">{model.description ?? "—"}</dd></div>
          <div><dt>Tags</dt><dd>{model.tags.length > 0 ? model.tags.join(", ") : "—"}</dd></div>
        </dl>
      )}
    </section>
  );
}
