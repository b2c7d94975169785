/** Pause / Resume / Stop / Cancel, as the sweep's state allows; Cancel asks first. */

import { useSweepControl, type Sweep, type SweepAction } from "../api/sweeps";
import { ErrorMessage } from "../components/Status";
import { sweepActions } from "./progress";

const LABELS: Record<SweepAction, [string, string]> = {
  pause: ["Pause", "Hand out no new trials until resumed"],
  resume: ["Resume", "Hand out trials again"],
  stop: ["Stop", "Hand out no more trials; running trials finish"],
  cancel: ["Cancel", "Hand out no more trials and ask the running trials to stop"],
};

export function SweepControls({ entity, project, sweep }: { entity: string; project: string; sweep: Sweep }) {
  const control = useSweepControl(entity, project, sweep.id);
  const actions = sweepActions(sweep.state);
  if (actions.length === 0) return null;
  return (
    <div className="sweep-controls" role="group" aria-label="Sweep controls">
      {actions.map((action) => {
        const [label, title] = LABELS[action];
        return (
          <button
            key={action}
            type="button"
            className={action === "cancel" ? "danger-button" : undefined}
            title={title}
            disabled={control.isPending}
            onClick={() => {
              if (action === "cancel" && !window.confirm(`Cancel sweep ${sweep.id}? Its running trials are asked to stop.`)) return;
              control.mutate(action);
            }}
          >
            {label}
          </button>
        );
      })}
      {control.isError ? <ErrorMessage error={control.error} what="the sweep changed" /> : null}
    </div>
  );
}
