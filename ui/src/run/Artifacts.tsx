/** The artifact versions a run logged (its outputs) and used (its inputs), linking to their pages. */

import { Link } from "react-router";
import { artifactPagePath, splitVersionPath, useRunArtifacts, type ArtifactVersion } from "../api/artifacts";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatBytes, formatDateTime, formatRelativeTime } from "../lib/format";
import { Aliases } from "../artifacts/parts";
import "../artifacts/artifacts.css";

export function Artifacts({ entity, project, runId }: { entity: string; project: string; runId: string }) {
  const artifacts = useRunArtifacts(entity, project, runId);
  if (artifacts.isPending) return <Loading what="the run's artifacts" />;
  if (artifacts.isError) return <ErrorMessage error={artifacts.error} what="the run's artifacts" />;
  const { logged, used } = artifacts.data;
  if (logged.length === 0 && used.length === 0) {
    return (
      <Empty>
        This run neither logged nor used an artifact (<code>run.log_artifact(…)</code>, <code>run.use_artifact(…)</code>).
      </Empty>
    );
  }
  return (
    <div className="run-artifacts">
      <VersionTable title="Logged" empty="This run logged no artifact." versions={logged} project={`${entity}/${project}`} />
      <VersionTable title="Used" empty="This run used no artifact." versions={used} project={`${entity}/${project}`} />
    </div>
  );
}

function VersionTable({ title, empty, versions, project }: { title: string; empty: string; versions: ArtifactVersion[]; project: string }) {
  return (
    <section aria-label={`${title} artifacts`}>
      <h2>{title}</h2>
      {versions.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="files-table" aria-label={`${title} artifacts`}>
          <thead>
            <tr>
              <th scope="col">Artifact</th>
              <th scope="col">Type</th>
              <th scope="col">Aliases</th>
              <th scope="col" className="right">Size</th>
              <th scope="col" className="right">Files</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => {
              const parts = splitVersionPath(v.path);
              // a version of another project says which
              const label = parts && `${parts.entity}/${parts.project}` !== project ? v.path : `${v.name}:${v.version}`;
              return (
                <tr key={v.path} data-artifact={v.path}>
                  <th scope="row">
                    {parts ? <Link to={artifactPagePath(parts.entity, parts.project, parts.name, parts.version)}>{label}</Link> : label}
                  </th>
                  <td>{v.type}</td>
                  <td><Aliases aliases={v.aliases} /></td>
                  <td className="right">{formatBytes(v.size)}</td>
                  <td className="right">{v.file_count.toLocaleString()}</td>
                  <td title={formatDateTime(v.created_at)}>{formatRelativeTime(v.created_at)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
