/** `/:entity/:project/artifacts/:name[/:ver]?tab=`: an artifact's versions and the selected one
 * (`latest` when none is named): overview, files, diff, lineage. */

import { lazy, Suspense } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { artifactPagePath, useArtifact, useVersion, useVersions, type ArtifactVersion } from "../api/artifacts";
import { useProject } from "../api/housekeeping";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatBytes, formatDateTime, formatRelativeTime } from "../lib/format";
import { Aliases, RunLink } from "./parts";
import { DeleteVersion } from "./DeleteVersion";
import { VersionDiff } from "./VersionDiff";
import { VersionFiles } from "./VersionFiles";
import { VersionOverview } from "./VersionOverview";
// tabs, cards and facts look as on the run page
import "../run/run.css";
import "./artifacts.css";
import { TabList } from "../components/TabList";

// the graph brings its layout library along: loaded when the tab is opened
const LineagePanel = lazy(() => import("./LineagePanel"));

const TABS = [
  ["overview", "Overview"],
  ["files", "Files"],
  ["diff", "Diff"],
  ["lineage", "Lineage"],
] as const;
type Tab = (typeof TABS)[number][0];
const isTab = (value: string | null): value is Tab => TABS.some(([id]) => id === value);

export default function ArtifactPage() {
  const { entity = "", project = "", name = "", ver = "latest" } = useParams();
  const artifact = useArtifact(entity, project, name);
  const versions = useVersions(entity, project, name);
  const version = useVersion(entity, project, name, ver);
  const info = useProject(entity, project);
  const canEdit = info.data?.role === "member" || info.data?.role === "admin";
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;
  const listed = versions.data?.pages.flatMap((page) => page.versions) ?? [];

  if (artifact.isPending) return <Loading what="the artifact" />;
  if (artifact.isError) return <ErrorMessage error={artifact.error} what="the artifact" />;
  const collection = artifact.data;
  const noVersions = version.isError && version.error instanceof ApiError && version.error.status === 404 && ver === "latest";
  return (
    <div className="page artifact-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / <Link to={base}>{entity}/{project}</Link> /{" "}
        <Link to={`${base}/artifacts`}>artifacts</Link> / {collection.name}
      </nav>
      <header className="artifact-header">
        <h1>{collection.name}</h1>
        <span className="badge artifact-type">{collection.type}</span>
        <span className="muted">
          {collection.versions} version{collection.versions === 1 ? "" : "s"} · updated{" "}
          <span title={formatDateTime(collection.updated_at)}>{formatRelativeTime(collection.updated_at)}</span>
        </span>
      </header>
      {collection.description ? <p className="artifact-description">{collection.description}</p> : null}
      <section aria-label="Versions" className="versions-pane">
        {versions.isPending ? <Loading what="the versions" /> : null}
        {versions.isError ? <ErrorMessage error={versions.error} what="the versions" /> : null}
        {listed.length > 0 ? (
          <VersionsTable entity={entity} project={project} name={name} versions={listed} selected={version.data?.version ?? null} />
        ) : null}
        {versions.hasNextPage && (
          <button type="button" disabled={versions.isFetchingNextPage} onClick={() => { void versions.fetchNextPage(); }}>
            {versions.isFetchingNextPage ? "Loading…" : "Load older versions"}
          </button>
        )}
      </section>
      {noVersions ? (
        <Empty>This artifact has no versions left.</Empty>
      ) : version.isPending ? (
        <Loading what={`version ${ver}`} />
      ) : version.isError ? (
        <ErrorMessage error={version.error} what={`version ${ver}`} />
      ) : (
        <VersionView entity={entity} project={project} version={version.data} versions={listed} canEdit={canEdit} />
      )}
    </div>
  );
}

function VersionsTable({ entity, project, name, versions, selected }: {
  entity: string; project: string; name: string; versions: ArtifactVersion[]; selected: string | null;
}) {
  return (
    <div className="versions-wrap">
      <table className="artifact-table versions-table" aria-label="Versions of the artifact">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Aliases</th>
            <th scope="col" className="right">Size</th>
            <th scope="col" className="right">Files</th>
            <th scope="col">Created</th>
            <th scope="col">Logged by</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} data-version={v.version} aria-current={v.version === selected ? "true" : undefined}>
              <th scope="row">
                <Link to={artifactPagePath(entity, project, name, v.version)}>{v.version}</Link>
              </th>
              <td><Aliases aliases={v.aliases} /></td>
              <td className="right">{formatBytes(v.size)}</td>
              <td className="right">{v.file_count.toLocaleString()}</td>
              <td title={formatDateTime(v.created_at)}>{formatRelativeTime(v.created_at)}</td>
              <td>{v.logged_by ? <RunLink run={v.logged_by} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function VersionView({ entity, project, version, versions, canEdit }: {
  entity: string; project: string; version: ArtifactVersion; versions: ArtifactVersion[]; canEdit: boolean;
}) {
  const [params, setParams] = useSearchParams();
  const requested = params.get("tab");
  const tab: Tab = isTab(requested) ? requested : "overview";
  const select = (next: Tab) => {
    const p = new URLSearchParams(params);
    p.set("tab", next);
    setParams(p, { replace: true });
  };
  const title = `${version.name}:${version.version}`;
  return (
    <section className="version-pane" aria-label={`Version ${title}`}>
      <header className="version-header">
        <h2>{title}</h2>
        <Aliases aliases={version.aliases} />
        {canEdit && <DeleteVersion entity={entity} project={project} version={version} />}
      </header>
      <TabList tabs={TABS} current={tab} label="Version sections" onSelect={select} />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === "overview" && (
          <VersionOverview entity={entity} project={project} version={version} versions={versions} canEdit={canEdit} />
        )}
        {tab === "files" && <VersionFiles entity={entity} project={project} version={version} />}
        {tab === "diff" && <VersionDiff entity={entity} project={project} version={version} versions={versions} />}
        {tab === "lineage" && (
          <Suspense fallback={<Loading what="the lineage graph" />}>
            <LineagePanel key={version.path} path={version.path} />
          </Suspense>
        )}
      </div>
    </section>
  );
}
