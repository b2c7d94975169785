/** A version's facts (digest, size, runs, TTL), aliases, description and metadata; members edit
 * the description, the TTL and the aliases. */

import { useState } from "react";
import { useEditVersion, useLineage, type ArtifactVersion, type RunNode } from "../api/artifacts";
import { ErrorMessage } from "../components/Status";
import { formatBytes, formatDateTime } from "../lib/format";
import { AliasEditor } from "./AliasEditor";
import { metadataText, shortSha, ttlText } from "./format";
import { artifactNodeId } from "./lineage";
import { CopyButton, RunLink } from "./parts";

interface Props {
  entity: string;
  project: string;
  version: ArtifactVersion;
  /** the artifact's versions loaded so far (aliases to move here) */
  versions: ArtifactVersion[];
  canEdit: boolean;
}

export function VersionOverview({ entity, project, version, versions, canEdit }: Props) {
  return (
    <div className="overview-grid">
      <section className="run-card" aria-label="Version facts">
        <h2>Version</h2>
        <dl className="facts">
          <div><dt>Path</dt><dd className="mono">{version.path} <CopyButton text={version.path} label="Copy the path" /></dd></div>
          <div>
            <dt>Digest</dt>
            <dd className="mono" title={version.digest}>{shortSha(version.digest)} <CopyButton text={version.digest} label="Copy the digest" /></dd>
          </div>
          <div><dt>Size</dt><dd>{formatBytes(version.size)} in {version.file_count.toLocaleString()} file{version.file_count === 1 ? "" : "s"}</dd></div>
          <div><dt>Created</dt><dd>{formatDateTime(version.created_at)}</dd></div>
          <div><dt>Logged by</dt><dd>{version.logged_by ? <RunLink run={version.logged_by} /> : "—"}</dd></div>
          <div><dt>Used by</dt><dd><UsedBy path={version.path} /></dd></div>
          <div><dt>TTL</dt><dd><Ttl entity={entity} project={project} version={version} canEdit={canEdit} /></dd></div>
        </dl>
      </section>
      <AliasEditor entity={entity} project={project} version={version} versions={versions} canEdit={canEdit} />
      <Description entity={entity} project={project} version={version} canEdit={canEdit} />
      <section className="run-card" aria-label="Metadata">
        <h2>Metadata</h2>
        {Object.keys(version.metadata).length === 0 ? (
          <p className="muted">No metadata.</p>
        ) : (
          <pre className="metadata-json" aria-label="Metadata as JSON">{metadataText(version.metadata)}</pre>
        )}
      </section>
    </div>
  );
}

/** The runs that used the version: its neighbours downstream in the lineage. */
function UsedBy({ path }: { path: string }) {
  const lineage = useLineage(path, 1);
  if (lineage.isPending) return <span className="muted">…</span>;
  if (lineage.isError) return <ErrorMessage error={lineage.error} what="the runs that used it" />;
  const self = artifactNodeId(path);
  const targets = new Set(lineage.data.edges.filter((e) => e.source === self).map((e) => e.target));
  const runs = lineage.data.nodes.filter((n): n is RunNode => n.kind === "run" && targets.has(n.id));
  if (runs.length === 0) return <span className="muted">no run yet</span>;
  return (
    <ul className="used-by">
      {runs.map((run) => (
        <li key={run.id}>
          <RunLink run={{ entity: run.entity, project: run.project, id: run.run_id, name: run.name }} />
        </li>
      ))}
    </ul>
  );
}

const DAY = 86_400;

function Ttl({ entity, project, version, canEdit }: { entity: string; project: string; version: ArtifactVersion; canEdit: boolean }) {
  const edit = useEditVersion(entity, project, version.name, version.version);
  const [editing, setEditing] = useState(false);
  const [days, setDays] = useState("30");
  const text = ttlText(version.expires_at);
  if (!editing) {
    return (
      <span className="ttl">
        <span title={version.expires_at === null ? undefined : formatDateTime(version.expires_at)}>{text}</span>
        {canEdit && <button type="button" className="link-button" onClick={() => { setEditing(true); }}>Change TTL</button>}
      </span>
    );
  }
  const value = Number(days);
  const valid = Number.isFinite(value) && value > 0;
  return (
    <form
      className="ttl-form"
      aria-label="Time to live"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) edit.mutate({ ttl_s: value * DAY }, { onSuccess: () => { setEditing(false); } });
      }}
    >
      <label>
        Delete{" "}
        <input type="number" min="0.01" step="any" aria-label="Days after creation" value={days} onChange={(e) => { setDays(e.target.value); }} />{" "}
        days after its creation
      </label>
      <button type="submit" className="primary" disabled={!valid || edit.isPending}>Set TTL</button>
      <button type="button" disabled={edit.isPending} onClick={() => { edit.mutate({ ttl_s: null }, { onSuccess: () => { setEditing(false); } }); }}>
        Keep for good
      </button>
      <button type="button" onClick={() => { setEditing(false); }}>Cancel</button>
      {edit.isError && <ErrorMessage error={edit.error} what="the TTL saved" />}
    </form>
  );
}

function Description({ entity, project, version, canEdit }: { entity: string; project: string; version: ArtifactVersion; canEdit: boolean }) {
  const edit = useEditVersion(entity, project, version.name, version.version);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(version.description ?? "");
  return (
    <section className="run-card" aria-label="Description">
      <div className="run-card-head">
        <h2>Description</h2>
        {canEdit && !editing && (
          <button type="button" onClick={() => { setDraft(version.description ?? ""); setEditing(true); }}>
            {version.description ? "Edit description" : "Add description"}
          </button>
        )}
      </div>
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            edit.mutate({ description: draft === "" ? null : draft }, { onSuccess: () => { setEditing(false); } });
          }}
        >
          <textarea aria-label="Description" rows={5} value={draft} maxLength={65536} autoFocus onChange={(e) => { setDraft(e.target.value); }} />
          <div className="form-buttons">
            <button type="submit" className="primary" disabled={edit.isPending}>Save</button>
            <button type="button" onClick={() => { setEditing(false); }}>Cancel</button>
          </div>
          {edit.isError && <ErrorMessage error={edit.error} what="the description saved" />}
        </form>
      ) : version.description ? (
        <p className="notes version-description">{version.description}</p>
      ) : (
        <p className="muted">No description.</p>
      )}
    </section>
  );
}
