/** One column per run side by side (run colour and name, the step of the value shown), for the
 * step-based media panels; a panel draws the value inside each column. */

import type { ReactNode } from "react";
import { ErrorMessage } from "../../components/Status";
import type { RunAtStep } from "./useStepMedia";

interface Props {
  what: string;
  runs: RunAtStep[];
  step: number | null;
  children: (entry: RunAtStep & { row: NonNullable<RunAtStep["row"]> }) => ReactNode;
}

export function RunColumns({ what, runs, step, children }: Props) {
  return (
    <div className="media-runs">
      {runs.map((entry) => (
        <section key={entry.run.path} className="media-run" aria-label={`${what} of ${entry.run.name}`}>
          <header className="media-run-head">
            <span className="media-swatch" style={{ background: entry.run.color }} />
            <span className="media-run-name" title={entry.run.name}>
              {entry.run.name}
            </span>
            {entry.row && entry.row.step !== step ? <span className="media-run-step">step {entry.row.step}</span> : null}
          </header>
          {entry.error ? (
            <ErrorMessage error={entry.error} what={what} />
          ) : entry.row ? (
            children({ ...entry, row: entry.row })
          ) : entry.loading ? (
            <div className="media-note">Loading…</div>
          ) : (
            <div className="media-note">{entry.info ? `No ${what} at or before step ${step ?? "–"}` : `This run has no ${what}`}</div>
          )}
        </section>
      ))}
    </div>
  );
}

/** What a step-based panel shows while it has no step range (nothing on screen yet, loading, an
 * error, or no shown run has the key). */
export function NoSteps({ state, mediaKey, error, seen }: { state: string; mediaKey: string | undefined; error: unknown; seen: boolean }) {
  if (!mediaKey) return <div className="panel-empty">This panel has no media key</div>;
  if (!seen) return <div className="panel-empty" />;
  if (state === "error") return <ErrorMessage error={error} what={mediaKey} />;
  if (state === "empty") return <div className="panel-empty">No run shown has {mediaKey}</div>;
  return (
    <div className="panel-empty" role="status">
      Loading {mediaKey}…
    </div>
  );
}
