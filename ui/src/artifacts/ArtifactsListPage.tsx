/** `/:entity/:project/artifacts?type=&q=`: the project's artifacts by type, searchable, a page at a
 * time. */

import { Link, useParams, useSearchParams } from "react-router";
import { artifactPagePath, useArtifactTypes, useArtifacts } from "../api/artifacts";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatBytes, formatDateTime, formatRelativeTime } from "../lib/format";
import { Aliases } from "./parts";
import "./artifacts.css";

export default function ArtifactsListPage() {
  const { entity = "", project = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const type = params.get("type");
  const search = params.get("q") ?? "";
  const types = useArtifactTypes(entity, project);
  const artifacts = useArtifacts(entity, project, type, search);
  const shown = artifacts.data?.pages.flatMap((page) => page.artifacts);
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;
  const total = types.data?.types.reduce((sum, t) => sum + t.collections, 0);

  const setParam = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null || value === "") next.delete(name);
    else next.set(name, value);
    setParams(next, { replace: true });
  };

  return (
    <div className="page artifacts-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / <Link to={base}>{entity}/{project}</Link> / artifacts
      </nav>
      <h1>Artifacts</h1>
      {types.isError ? <ErrorMessage error={types.error} what="the artifact types" /> : null}
      <div className="artifacts-toolbar">
        <div role="group" aria-label="Artifact types" className="type-filter">
          <button type="button" aria-pressed={type === null} onClick={() => { setParam("type", null); }}>
            All{total === undefined ? "" : ` (${String(total)})`}
          </button>
          {types.data?.types.map((t) => (
            <button key={t.type} type="button" aria-pressed={type === t.type} onClick={() => { setParam("type", t.type); }}>
              {t.type} ({t.collections})
            </button>
          ))}
        </div>
        <input
          type="search"
          aria-label="Search artifacts"
          placeholder="Search by name…"
          value={search}
          maxLength={128}
          onChange={(e) => { setParam("q", e.target.value); }}
        />
      </div>
      {artifacts.isPending ? <Loading what="the artifacts" /> : null}
      {artifacts.isError ? <ErrorMessage error={artifacts.error} what="the artifacts" /> : null}
      {shown && shown.length === 0 ? (
        search || type ? (
          <Empty>No artifact matches{search ? ` “${search}”` : ""}{type ? ` of type ${type}` : ""}.</Empty>
        ) : (
          <Empty>
            No artifacts in this project yet. Log one from a run with <code>run.log_artifact(artifact)</code>.
          </Empty>
        )
      ) : null}
      {shown && shown.length > 0 ? (
        <>
          <table className="artifact-table" aria-label="Artifacts">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col" className="right">Versions</th>
                <th scope="col">Latest</th>
                <th scope="col" className="right">Size</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <tr key={a.name} data-artifact={a.name}>
                  <th scope="row">
                    <Link to={artifactPagePath(entity, project, a.name)}>{a.name}</Link>
                    {a.description ? <div className="muted artifact-description-line">{a.description}</div> : null}
                  </th>
                  <td><span className="badge artifact-type">{a.type}</span></td>
                  <td className="right">{a.versions}</td>
                  <td>
                    {a.latest ? (
                      <>
                        <Link to={artifactPagePath(entity, project, a.name, a.latest.version)}>{a.latest.version}</Link>{" "}
                        <Aliases aliases={a.latest.aliases} />
                      </>
                    ) : "—"}
                  </td>
                  <td className="right">{formatBytes(a.latest?.size)}</td>
                  <td title={formatDateTime(a.updated_at)}>{formatRelativeTime(a.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="artifacts-foot">
            <span>
              {shown.length.toLocaleString()} artifact{shown.length === 1 ? "" : "s"}
              {artifacts.hasNextPage ? " shown" : ""}
            </span>
            {artifacts.hasNextPage && (
              <button type="button" disabled={artifacts.isFetchingNextPage} onClick={() => { void artifacts.fetchNextPage(); }}>
                {artifacts.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            )}
          </div>
        </>
      ) : null}
    </div>
  );
}
