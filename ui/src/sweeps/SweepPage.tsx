/** `/:entity/:project/sweeps/:sweepId`: one sweep's header and controls, parallel coordinates and
 * parameter importance over its runs, its metric against time with the best so far, its config,
 * and its runs. */

import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { sweepLive, useSweep, useSweepRuns, type Sweep } from "../api/sweeps";
import type { Run } from "../api/types";
import { ErrorMessage, Loading } from "../components/Status";
import { formatDateTime } from "../lib/format";
import { ImportanceTable } from "../panels/importance";
import { ParallelChart } from "../panels/parallel";
import { varyingKeys } from "../panels/parallelModel";
import { agentCommand, countsLine } from "./progress";
import { ProgressChart } from "./ProgressChart";
import { SweepControls } from "./SweepControls";
import { SweepRunsTable } from "./SweepRunsTable";
import { useWidth } from "./useWidth";
import "./sweeps.css";

export default function SweepPage() {
  const { entity = "", project = "", sweepId = "" } = useParams();
  const sweep = useSweep(entity, project, sweepId);
  const runs = useSweepRuns(entity, project, sweepId, sweepLive(sweep.data));
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;
  if (sweep.isPending) return <Loading what="the sweep" />;
  if (sweep.isError) return <ErrorMessage error={sweep.error} what="the sweep" />;
  const data = sweep.data;
  return (
    <div className="page sweep-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / <Link to={base}>{entity}/{project}</Link> / <Link to={`${base}/sweeps`}>sweeps</Link>
        {" · "}
        <Link to={`${base}?${new URLSearchParams({ q: `sweep = "${data.id}"` }).toString()}`}>Open its runs in the workspace</Link>
      </nav>
      <SweepHeader sweep={data} runs={runs.data?.runs} base={base} />
      <SweepControls entity={entity} project={project} sweep={data} />
      {runs.isError ? <ErrorMessage error={runs.error} what="the sweep's runs" /> : null}
      {runs.isPending ? <Loading what="the sweep's runs" /> : null}
      {runs.data ? <SweepBody sweep={data} runs={runs.data.runs} entity={entity} project={project} /> : null}
      <section className="sweep-section">
        <h2>Config</h2>
        <pre className="sweep-config" aria-label="Sweep config">{JSON.stringify(data.config, null, 2)}</pre>
      </section>
    </div>
  );
}

function SweepHeader({ sweep, runs, base }: { sweep: Sweep; runs: Run[] | undefined; base: string }) {
  const command = agentCommand(sweep);
  const [copied, setCopied] = useState(false);
  const bestRun = sweep.best ? runs?.find((r) => r.id === sweep.best?.run_id) : undefined;
  return (
    <header className="sweep-header">
      <div className="sweep-title">
        <h1>{sweep.name ?? sweep.id}</h1>
        <code className="sweep-id">{sweep.id}</code>
        <span className={`badge sweep-state state-${sweep.state}`} data-state={sweep.state}>{sweep.state}</span>
      </div>
      <dl className="sweep-facts">
        <dt>Method</dt>
        <dd>{sweep.method}</dd>
        <dt>Metric</dt>
        <dd>{sweep.metric ? `${sweep.metric.name} (${sweep.metric.goal})` : "none"}</dd>
        <dt>Runs</dt>
        <dd className="sweep-counts">{countsLine(sweep, runs)}{sweep.run_cap ? ` (cap ${sweep.run_cap})` : ""}</dd>
        <dt>Best</dt>
        <dd className="sweep-best">
          {sweep.best ? (
            <>
              <Link to={`${base}/runs/${encodeURIComponent(sweep.best.run_id)}`}>{bestRun?.name ?? sweep.best.run_id}</Link>
              {" "}
              <span className="mono">{String(sweep.best.value)}</span>
            </>
          ) : (
            "–"
          )}
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(sweep.created_at)}</dd>
      </dl>
      <div className="sweep-agent">
        <code aria-label="Agent command">{command}</code>
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard.writeText(command).then(() => { setCopied(true); }, () => { setCopied(false); });
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </header>
  );
}

/** The parameter keys of the sweep's config, as run config keys. */
function parameterKeys(sweep: Sweep): string[] {
  const params = sweep.config.parameters;
  if (!params || typeof params !== "object") return [];
  return Object.keys(params).map((k) => `config.${k}`);
}

function SweepBody({ sweep, runs, entity, project }: { sweep: Sweep; runs: Run[]; entity: string; project: string }) {
  const [box, width] = useWidth<HTMLDivElement>();
  const [log, setLog] = useState<Record<string, boolean>>({});
  const [x, setX] = useState<"created_at" | "finished_at">("created_at");
  const metric = sweep.metric ? `summary.${sweep.metric.name}` : undefined;
  const axes = useMemo(() => {
    const varying = new Set(varyingKeys(runs));
    const declared = parameterKeys(sweep).filter((k) => varying.has(k));
    return declared.length > 0 ? declared : [...varying];
  }, [sweep, runs]);
  const half = width > 900 ? Math.floor((width - 16) / 2) : width;
  return (
    <div ref={box} className="sweep-body">
      <section className="sweep-section" aria-label="Parallel coordinates">
        <h2>Parallel coordinates</h2>
        <div className="sweep-panel">
          {width > 0 ? (
            <ParallelChart
              runs={runs}
              metric={metric}
              axes={axes}
              log={log}
              onLogChange={(key, value) => { setLog((l) => ({ ...l, [key]: value })); }}
              width={width}
              height={320}
            />
          ) : null}
        </div>
      </section>
      <div className="sweep-row">
        <section className="sweep-section" style={{ width: half }} aria-label="Parameter importance">
          <h2>Parameter importance{sweep.metric ? ` for ${sweep.metric.name}` : ""}</h2>
          <div className="sweep-panel">
            <ImportanceTable runs={runs} metric={metric} keys={axes} />
          </div>
        </section>
        <section className="sweep-section" style={{ width: half }} aria-label="Metric over time">
          <h2>
            {sweep.metric?.name ?? "Metric"} over time{" "}
            <select aria-label="Time axis" value={x} onChange={(e) => { setX(e.target.value as "created_at" | "finished_at"); }}>
              <option value="created_at">by start</option>
              <option value="finished_at">by finish</option>
            </select>
          </h2>
          <div className="sweep-panel">
            {sweep.metric && half > 0 ? (
              <ProgressChart runs={runs} metric={sweep.metric.name} goal={sweep.metric.goal} x={x} width={half - 2} height={280} />
            ) : (
              <div className="panel-empty">This sweep has no metric</div>
            )}
          </div>
        </section>
      </div>
      <section className="sweep-section">
        <h2>Runs ({runs.length})</h2>
        <SweepRunsTable runs={runs} entity={entity} project={project} params={axes} metric={sweep.metric} />
      </section>
    </div>
  );
}
