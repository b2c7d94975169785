/** One run's charts (run page, Charts and System tabs): a line panel per key of that kind. */

import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson, seg } from "../api/client";
import type { RunKeys } from "../api/types";
import type { ChartRun } from "./chartRun";
import type { MetricKey } from "./layout";
import { parseMetricRules, withRules } from "./metricRules";
import { useLocalLayout } from "./localLayout";
import { PanelBoard } from "./PanelBoard";

interface Props {
  run: ChartRun;
  kind: "history" | "system";
  entity: string;
  project: string;
  /** the run's define_metric rules as recorded (`meta.metrics`): default x axes, hidden keys */
  metricRules?: unknown;
}

/** The run's metric and media keys (shared by the run page's Charts, System and Media tabs). */
export function useRunKeys(entity: string, project: string, run: ChartRun) {
  return useQuery({
    queryKey: ["run-keys", entity, project, run.id],
    queryFn: ({ signal }) =>
      getJson<RunKeys>(`/runs/${seg(entity)}/${seg(project)}/${seg(run.id)}/keys`, undefined, signal),
    // new keys show up while the run is running
    refetchInterval: run.state === "running" ? 15_000 : false,
  });
}

export function RunCharts({ run, kind, entity, project, metricRules }: Props) {
  const rules = useMemo(() => parseMetricRules(metricRules), [metricRules]);
  const keys = useRunKeys(entity, project, run);
  // the run page's layout (sizes, settings) is kept in this browser, per tab kind
  const [layout, setLayout] = useLocalLayout(`cairn-run-charts-${kind}`);
  const metrics = useMemo<MetricKey[] | undefined>(
    () =>
      keys.data &&
      withRules(
        keys.data.keys.filter((k) => k.kind === kind).map((k) => ({ key: k.key, kind: k.kind })),
        rules,
      ),
    [keys.data, kind, rules],
  );
  const runs = useMemo(() => [run], [run]);
  return (
    <PanelBoard
      entity={entity}
      project={project}
      runs={runs}
      grouped={false}
      metrics={metrics}
      metricsError={keys.error}
      layout={layout}
      onLayout={setLayout}
      fieldKeys={null}
      noRunsText="No run."
      noMetricsText={
        kind === "system"
          ? "No system metrics recorded for this run (they are captured while it runs unless capture_system is off)."
          : "No metrics logged yet. Charts appear here once the run calls log()."
      }
    />
  );
}
