/** The records a run's SDK set aside (refused for good, the rest of the run went on). */

import { useMemo } from "react";
import { formatDateTime } from "../lib/format";
import { parseSyncIssues } from "./syncIssues";

export function SyncIssues({ value }: { value: unknown }) {
  const issues = useMemo(() => parseSyncIssues(value), [value]);
  // most runs have none: no card
  if (issues.length === 0) return null;
  const one = issues.length === 1;
  return (
    <section className="run-card sync-issues" aria-label="Not uploaded">
      <h2>Not uploaded ({issues.length})</h2>
      <p className="muted">
        The server or a proxy in front of it refused {one ? "this record" : "these records"} for good;
        everything else of the run arrived. {one ? "It is" : "They are"} kept in the run&apos;s directory where it
        ran: fix the cause and run <code>cairn sync --retry-aside &lt;run dir&gt;</code>.
      </p>
      <ul className="alert-list">
        {issues.map((issue) => (
          <li key={issue.id} className="alert alert-warn" data-sync-issue={issue.id}>
            <div className="alert-head">
              <span className="badge alert-level-warn">{issue.kind}</span>
              <strong className="mono">{issue.what}</strong>
              {issue.at !== null && <span className="alert-time">{formatDateTime(issue.at)}</span>}
            </div>
            <p className="alert-text">{issue.reason}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
