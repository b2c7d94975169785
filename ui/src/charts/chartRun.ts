/** What the runs table hands to the panels: the runs to draw, their colours and groups. */

import type { Run, RunState } from "../api/types";

export interface ChartRun {
  /** entity/project/run_id */
  path: string;
  id: string;
  name: string;
  color: string;
  state: RunState;
  /** the value of the group-by key for this run, as text; null when not grouping */
  group: string | null;
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
}

export interface PanelsProps {
  entity: string;
  project: string;
  /** runs selected and visible (eye on), in table order, at most the "max runs" setting */
  runs: ChartRun[];
  /** the group-by key (e.g. "config.optimizer"), or null */
  groupBy: string | null;
}

export function toChartRun(run: Run, color: string, group: string | null): ChartRun {
  return {
    path: run.path,
    id: run.id,
    name: run.name,
    color,
    state: run.state,
    group,
    config: run.config,
    summary: run.summary,
  };
}
