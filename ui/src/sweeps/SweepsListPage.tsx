/** `/:entity/:project/sweeps`: the project's sweeps, newest first. */

import { Link, useParams } from "react-router";
import { useSweeps } from "../api/sweeps";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime } from "../lib/format";
import { countsLine } from "./progress";
import "./sweeps.css";

export default function SweepsListPage() {
  const { entity = "", project = "" } = useParams();
  const sweeps = useSweeps(entity, project);
  const shown = sweeps.data?.pages.flatMap((page) => page.sweeps);
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;
  return (
    <div className="page sweeps-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / <Link to={base}>{entity}/{project}</Link> / sweeps
      </nav>
      <h1>Sweeps</h1>
      {sweeps.isPending ? <Loading what="the sweeps" /> : null}
      {sweeps.isError ? <ErrorMessage error={sweeps.error} what="the sweeps" /> : null}
      {shown && shown.length === 0 ? (
        <Empty>
          No sweeps in this project yet. Create one with <code>cairn sweep sweep.yaml --project {project}</code>.
        </Empty>
      ) : null}
      {shown && shown.length > 0 ? (
        <>
        <table className="sweep-runs sweeps-list">
          <thead>
            <tr>
              <th>Sweep</th>
              <th>State</th>
              <th>Method</th>
              <th>Metric</th>
              <th>Best</th>
              <th>Runs</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.id} data-sweep={s.id}>
                <td>
                  <Link to={`${base}/sweeps/${encodeURIComponent(s.id)}`}>{s.name ?? s.id}</Link> <code className="sweep-id">{s.id}</code>
                </td>
                <td><span className={`badge state-${s.state}`}>{s.state}</span></td>
                <td>{s.method}</td>
                <td>{s.metric ? `${s.metric.name} (${s.metric.goal === "minimize" ? "min" : "max"})` : "–"}</td>
                <td className="mono">{s.best ? String(s.best.value) : "–"}</td>
                <td>{countsLine(s)}</td>
                <td>{formatDateTime(s.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="sweeps-foot">
          <span className="sweeps-count">
            {shown.length.toLocaleString()} sweep{shown.length === 1 ? "" : "s"}
            {sweeps.hasNextPage ? " shown" : ""}
          </span>
          {sweeps.hasNextPage && (
            <button
              type="button"
              disabled={sweeps.isFetchingNextPage}
              onClick={() => {
                void sweeps.fetchNextPage();
              }}
            >
              {sweeps.isFetchingNextPage ? "Loading…" : "Load more"}
            </button>
          )}
        </div>
        </>
      ) : null}
    </div>
  );
}
