/** The sweep's runs: name, state (hyperband's stops read "stopped early"), parameters, metric. */

import { Link } from "react-router";
import { runStateLabel, type Sweep } from "../api/sweeps";
import type { Run } from "../api/types";
import { runValue } from "../charts/layout";
import { formatDateTime, formatValue } from "../lib/format";
import { metricValue } from "./progress";

interface Props {
  runs: readonly Run[];
  entity: string;
  project: string;
  /** "config.lr" keys shown as columns */
  params: readonly string[];
  metric: Sweep["metric"];
}

export function SweepRunsTable({ runs, entity, project, params, metric }: Props) {
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;
  if (runs.length === 0) return <p className="status status-empty">No trials yet. Start an agent with the command above.</p>;
  return (
    <div className="sweep-runs-wrap">
      <table className="sweep-runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>State</th>
            {params.map((p) => <th key={p}>{p.replace(/^config\./, "")}</th>)}
            {metric ? <th>{metric.name}</th> : null}
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {[...runs].reverse().map((run) => {
            const label = runStateLabel(run);
            const value = metric ? metricValue(run, metric.name) : null;
            return (
              <tr key={run.id} data-run={run.id}>
                <td><Link to={`${base}/runs/${encodeURIComponent(run.id)}`}>{run.name}</Link></td>
                <td><span className={`badge state-${label === "stopped early" ? "stopped-early" : run.state}`}>{label}</span></td>
                {params.map((p) => <td key={p} className="mono">{formatValue(runValue(run, p))}</td>)}
                {metric ? <td className="mono">{value === null ? "–" : formatValue(value)}</td> : null}
                <td>{formatDateTime(run.created_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
