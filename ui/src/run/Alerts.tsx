/** The alerts a run raised with `run.alert()`, newest first, on its Overview. */

import { useRunAlerts } from "../api/runValues";
import { ErrorMessage } from "../components/Status";
import { formatDateTime } from "../lib/format";

export function Alerts({ entity, project, runId, live }: { entity: string; project: string; runId: string; live: boolean }) {
  const alerts = useRunAlerts(entity, project, runId, live);
  if (alerts.isError) return <ErrorMessage error={alerts.error} what="the run's alerts" />;
  // a run without alerts shows no card: most runs raise none
  if (!alerts.data || alerts.data.length === 0) return null;
  const newest = [...alerts.data].reverse();
  return (
    <section className="run-card alerts" aria-label="Alerts">
      <h2>Alerts ({alerts.data.length})</h2>
      <ul className="alert-list">
        {newest.map((alert) => (
          <li key={alert.seq} className={`alert alert-${alert.level.toLowerCase()}`}>
            <div className="alert-head">
              <span className={`badge alert-level-${alert.level.toLowerCase()}`}>{alert.level}</span>
              <strong>{alert.title}</strong>
              <span className="alert-time">{formatDateTime(alert.time)}</span>
            </div>
            {alert.text && <p className="alert-text">{alert.text}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
