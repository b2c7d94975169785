/** `/registry/:entity/:model`: a registered model's versions (with their sources), its aliases
 * (moved by members), its description and tags, and its audit trail. */

import { Link, useParams } from "react-router";
import { artifactPagePath, splitVersionPath } from "../api/artifacts";
import {
  registryPagePath,
  useAudit,
  useEntityRole,
  useModel,
  useModelVersions,
  type RegistryVersion,
} from "../api/registry";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime, formatRelativeTime } from "../lib/format";
import { Aliases } from "../artifacts/parts";
import { ModelAliasEditor } from "./ModelAliasEditor";
import { ModelDetails } from "./ModelDetails";
import { Tags } from "./parts";
import { auditText, detailsText, roleAtLeast } from "./registryText";
// cards and facts look as on the run page
import "../run/run.css";
import "../artifacts/artifacts.css";
import "./registry.css";

export default function ModelPage() {
  const { entity = "", model: name = "" } = useParams();
  const model = useModel(entity, name);
  const versions = useModelVersions(entity, name);
  const { role } = useEntityRole(entity);
  const canEdit = roleAtLeast(role, "member");

  if (model.isPending) return <Loading what="the model" />;
  if (model.isError) return <ErrorMessage error={model.error} what="the model" />;
  const m = model.data;
  const listed = versions.data?.versions ?? [];
  return (
    <div className="page model-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / {entity} / <Link to={registryPagePath(entity)}>registry</Link> / {m.name}
      </nav>
      <header className="model-header">
        <h1>{m.name}</h1>
        <Tags tags={m.tags} />
        <span className="muted">
          {m.versions} version{m.versions === 1 ? "" : "s"} · updated{" "}
          <span title={formatDateTime(m.updated_at)}>{formatRelativeTime(m.updated_at)}</span>
        </span>
      </header>
      {m.description ? <p className="artifact-description">{m.description}</p> : null}
      <section aria-label="Versions" className="run-card">
        <h2>Versions</h2>
        {versions.isPending ? <Loading what="the versions" /> : null}
        {versions.isError ? <ErrorMessage error={versions.error} what="the versions" /> : null}
        {versions.data && listed.length === 0 ? <Empty>No versions: link an artifact version to this model.</Empty> : null}
        {listed.length > 0 ? <VersionsTable versions={listed} /> : null}
        {versions.data?.next ? <p className="muted">The newest {listed.length} versions are shown.</p> : null}
      </section>
      <div className="model-grid">
        <ModelAliasEditor entity={entity} model={m} versions={listed} canEdit={canEdit} />
        <ModelDetails entity={entity} model={m} canEdit={canEdit} />
      </div>
      <AuditTrail entity={entity} model={m.name} />
    </div>
  );
}

function Source({ version }: { version: RegistryVersion }) {
  if (version.source_status === "hidden") {
    return <span className="muted" title="in a project you cannot read">hidden</span>;
  }
  const parts = version.source_path === null ? null : splitVersionPath(version.source_path);
  if (version.source_status === "deleted" || parts === null) {
    return (
      <span className="muted" title="the artifact version was deleted; the link stays">
        deleted{version.source_path ? ` (${version.source_path})` : ""}
      </span>
    );
  }
  return (
    <Link to={artifactPagePath(parts.entity, parts.project, parts.name, parts.version)}>{version.source_path}</Link>
  );
}

function VersionsTable({ versions }: { versions: RegistryVersion[] }) {
  return (
    <div className="versions-wrap">
      <table className="artifact-table" aria-label="Versions of the model">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Aliases</th>
            <th scope="col">Source</th>
            <th scope="col">Linked by</th>
            <th scope="col">Linked</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} data-version={v.version}>
              <th scope="row">{v.version}</th>
              <td><Aliases aliases={v.aliases} /></td>
              <td><Source version={v} /></td>
              <td>{v.linked_by ?? "—"}</td>
              <td title={formatDateTime(v.linked_at)}>{formatRelativeTime(v.linked_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditTrail({ entity, model }: { entity: string; model: string }) {
  const audit = useAudit(entity, model);
  const events = audit.data?.events ?? [];
  return (
    <section aria-label="Audit trail" className="run-card">
      <h2>Audit trail</h2>
      {audit.isPending ? <Loading what="the audit trail" /> : null}
      {audit.isError ? <ErrorMessage error={audit.error} what="the audit trail" /> : null}
      {events.length > 0 ? (
        <table className="artifact-table" aria-label="Changes of the model">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td title={formatDateTime(e.at)}>{formatRelativeTime(e.at)}</td>
                <td>{e.actor ?? "—"}</td>
                <td>{auditText(e)}</td>
                <td className="audit-details">{detailsText(e.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {audit.data?.next != null ? <p className="muted">The oldest {events.length} changes are shown.</p> : null}
    </section>
  );
}
