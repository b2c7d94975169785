import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { isLive, useDeleteRun, useEditRun, useRun } from "../api/runDetails";
import { useStopRun } from "../api/sweeps";
import { RunCharts } from "../charts/RunCharts";
import { ErrorMessage, Loading } from "../components/Status";
import { colorFor } from "../lib/colors";
import { formatDateTime } from "../lib/format";
import { toChartRun } from "../charts/chartRun";
import { Artifacts } from "./Artifacts";
import { Files } from "./Files";
import { Logs } from "./Logs";
import { Media } from "./Media";
import { Overview } from "./Overview";
import { Values } from "./Values";
import "./run.css";
import { TabList } from "../components/TabList";

const TABS = [
  ["overview", "Overview"],
  ["charts", "Charts"],
  ["system", "System"],
  ["media", "Media"],
  ["values", "Values"],
  ["logs", "Logs"],
  ["files", "Files"],
  ["artifacts", "Artifacts"],
] as const;
type Tab = (typeof TABS)[number][0];

function isTab(value: string | null): value is Tab {
  return TABS.some(([id]) => id === value);
}

/** `/:entity/:project/runs/:runId?tab=`: one run's overview, charts, system metrics, media, other
 * logged values, logs, files, artifacts. */
export default function RunPage() {
  const { entity = "", project = "", runId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const requested = params.get("tab");
  const tab: Tab = isTab(requested) ? requested : "overview";
  const run = useRun(entity, project, runId);
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;

  const select = (next: Tab) => {
    const p = new URLSearchParams(params);
    p.set("tab", next);
    setParams(p, { replace: true });
  };

  if (run.isPending) return <Loading what="the run" />;
  if (run.isError) return <ErrorMessage error={run.error} what="the run" />;
  const data = run.data;
  const running = isLive(data);
  return (
    <div className="page run-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / <Link to={base}>{entity}/{project}</Link> / runs
      </nav>
      <header className="run-header">
        <RunTitle entity={entity} project={project} runId={data.id} name={data.name} />
        <span className={`badge state-${data.state}`}>{data.state}</span>
        {data.archived_at != null && (
          <span className="badge archived-badge" title={`Archived ${formatDateTime(data.archived_at)}`}>Archived</span>
        )}
        {data.sweep ? (
          <Link className="sweep-link" to={`${base}/sweeps/${encodeURIComponent(data.sweep)}`} title="The sweep that handed out this run">
            sweep {data.sweep}
          </Link>
        ) : null}
        {running && <StopRun entity={entity} project={project} runId={data.id} name={data.name} requested={typeof data.meta?.stop_requested === "string"} />}
        <ArchiveRun entity={entity} project={project} runId={data.id} archived={data.archived_at != null} />
        <DeleteRun entity={entity} project={project} runId={data.id} name={data.name} back={base} />
      </header>
      <TabList tabs={TABS} current={tab} label="Run sections" onSelect={select} />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === "overview" && <Overview run={data} entity={entity} project={project} />}
        {(tab === "charts" || tab === "system") && (
          <RunCharts
            key={tab}
            run={toChartRun(data, colorFor(data.id), null)}
            kind={tab === "charts" ? "history" : "system"}
            entity={entity}
            project={project}
            metricRules={data.meta?.metrics}
          />
        )}
        {tab === "media" && (
          <Media run={toChartRun(data, colorFor(data.id), null)} entity={entity} project={project} />
        )}
        {tab === "values" && (
          <Values run={toChartRun(data, colorFor(data.id), null)} entity={entity} project={project} />
        )}
        {tab === "logs" && <Logs entity={entity} project={project} runId={data.id} running={running} />}
        {tab === "files" && <Files entity={entity} project={project} runId={data.id} running={running} />}
        {tab === "artifacts" && <Artifacts entity={entity} project={project} runId={data.id} />}
      </div>
    </div>
  );
}

function RunTitle({ entity, project, runId, name }: { entity: string; project: string; runId: string; name: string }) {
  const edit = useEditRun(entity, project, runId);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(name);
  if (!editing) {
    return (
      <>
        <h1>{name}</h1>
        <button type="button" className="icon-button" aria-label="Rename run" title="Rename"
          onClick={() => { setDraft(name); setEditing(true); }}>
          ✎
        </button>
      </>
    );
  }
  return (
    <form
      className="rename"
      onSubmit={(e) => {
        e.preventDefault();
        if (draft.trim()) edit.mutate({ name: draft.trim() }, { onSuccess: () => { setEditing(false); } });
      }}
    >
      <input aria-label="Run name" value={draft} autoFocus maxLength={256} onChange={(e) => { setDraft(e.target.value); }}
        onKeyDown={(e) => { if (e.key === "Escape") setEditing(false); }} />
      <button type="submit" className="primary">Save</button>
      <button type="button" onClick={() => { setEditing(false); }}>Cancel</button>
      {edit.isError && <ErrorMessage error={edit.error} what="the new name saved" />}
    </form>
  );
}

function ArchiveRun({ entity, project, runId, archived }: { entity: string; project: string; runId: string; archived: boolean }) {
  const edit = useEditRun(entity, project, runId);
  return (
    <>
      <button
        type="button"
        className="archive-button"
        disabled={edit.isPending}
        title={archived ? "Show this run in the runs table again" : "Hide this run from the runs table and charts (restore any time)"}
        onClick={() => { edit.mutate({ archived: !archived }); }}
      >
        {archived ? "Restore run" : "Archive run"}
      </button>
      {edit.isError && <ErrorMessage error={edit.error} what={archived ? "the run restored" : "the run archived"} />}
    </>
  );
}

function DeleteRun({ entity, project, runId, name, back }: { entity: string; project: string; runId: string; name: string; back: string }) {
  const remove = useDeleteRun(entity, project, runId);
  const navigate = useNavigate();
  return (
    <>
      <button
        type="button"
        className="danger-button"
        onClick={() => {
          if (window.confirm(`Delete run "${name}" and all its data? This cannot be undone.`)) {
            remove.mutate(undefined, { onSuccess: () => { void navigate(back); } });
          }
        }}
      >
        Delete run
      </button>
      {remove.isError && <ErrorMessage error={remove.error} what="the run deleted" />}
    </>
  );
}

/** Ask a running run to stop: its next heartbeat answer carries the request and the SDK ends the
 * run `killed` (stop_reason "user"). */
function StopRun({ entity, project, runId, name, requested }: { entity: string; project: string; runId: string; name: string; requested: boolean }) {
  const stop = useStopRun(entity, project, runId);
  const asked = requested || stop.isSuccess;
  return (
    <>
      <button
        type="button"
        className="danger-button stop-run"
        disabled={stop.isPending || asked}
        title="Ask the run's process to stop; it ends as killed"
        onClick={() => {
          if (window.confirm(`Stop run "${name}"? Its process is asked to stop at its next heartbeat.`)) stop.mutate();
        }}
      >
        {asked ? "Stop requested" : "Stop run"}
      </button>
      {stop.isError && <ErrorMessage error={stop.error} what="the stop request sent" />}
    </>
  );
}
