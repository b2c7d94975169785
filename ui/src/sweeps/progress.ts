/** The sweep page's numbers without drawing: each trial's metric against time, the best so far,
 * the counts line, and the agent command. */

import { runValue, toNumber } from "../charts/layout";
import type { Run } from "../api/types";
import type { Sweep } from "../api/sweeps";

export interface TrialPoint {
  run: Run;
  /** seconds since the epoch: finished_at when the run ended, else created_at */
  time: number;
  value: number;
}

/** The metric's value of a run: its summary at the metric name, when a finite number. */
export function metricValue(run: Pick<Run, "config" | "summary">, metric: string): number | null {
  const n = toNumber(runValue(run, `summary.${metric}`));
  return n !== null && Number.isFinite(n) ? n : null;
}

/** The runs with a metric value, placed at `x` ("finished_at" falls back to created_at for runs
 * still going), in time order. */
export function trialPoints(runs: readonly Run[], metric: string, x: "created_at" | "finished_at"): TrialPoint[] {
  const out: TrialPoint[] = [];
  for (const run of runs) {
    const value = metricValue(run, metric);
    if (value === null) continue;
    out.push({ run, time: x === "finished_at" ? (run.finished_at ?? run.created_at) : run.created_at, value });
  }
  return out.sort((a, b) => a.time - b.time);
}

/** The best value so far at each point (points in time order), by the goal. */
export function bestSoFar(points: readonly TrialPoint[], goal: "minimize" | "maximize"): { time: number; value: number }[] {
  const out: { time: number; value: number }[] = [];
  let best: number | null = null;
  for (const p of points) {
    if (best === null || (goal === "minimize" ? p.value < best : p.value > best)) best = p.value;
    out.push({ time: p.time, value: best });
  }
  return out;
}

/** The CLI command that starts an agent on this sweep. */
export function agentCommand(sweep: Pick<Sweep, "path">): string {
  return `cairn agent ${sweep.path}`;
}

/** "3 running · 10 finished · 1 stopped early", leaving out zeros; runs `killed` by hyperband are
 * counted apart from other kills when the runs are known. */
export function countsLine(sweep: Pick<Sweep, "counts">, runs?: readonly Pick<Run, "state" | "meta">[]): string {
  const early = runs ? runs.filter((r) => r.state === "killed" && r.meta?.stop_reason === "early_terminate").length : 0;
  const parts: [string, number][] = [
    ["running", sweep.counts.running],
    ["finished", sweep.counts.finished],
    ["stopped early", early],
    ["killed", Math.max(0, sweep.counts.killed - early)],
    ["failed", sweep.counts.failed],
    ["crashed", sweep.counts.crashed],
  ];
  const shown = parts.filter(([, n]) => n > 0).map(([label, n]) => `${n} ${label}`);
  return shown.length > 0 ? shown.join(" · ") : "no runs yet";
}

/** The controls a sweep in this state offers. */
export function sweepActions(state: Sweep["state"]): ("pause" | "resume" | "stop" | "cancel")[] {
  switch (state) {
    case "pending":
    case "running":
      return ["pause", "stop", "cancel"];
    case "paused":
      return ["resume", "stop", "cancel"];
    default:
      return [];
  }
}
