/** One run's charts (run page, Charts and System tabs): a line panel per key of that kind. */

import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson, seg } from "../api/client";
import type { SeriesKey } from "../api/types";
import type { ChartRun } from "./chartRun";
import { EMPTY_LAYOUT, parseLayout, type MetricKey, type PanelsLayout } from "./layout";
import { PanelBoard } from "./PanelBoard";

interface Props {
  run: ChartRun;
  kind: "history" | "system";
  entity: string;
  project: string;
}

const storageKey = (kind: string) => `cairn-run-charts-${kind}`;

function loadLayout(kind: string): PanelsLayout {
  try {
    const saved = localStorage.getItem(storageKey(kind));
    return saved ? parseLayout(JSON.parse(saved)) : EMPTY_LAYOUT;
  } catch {
    return EMPTY_LAYOUT;
  }
}

export function RunCharts({ run, kind, entity, project }: Props) {
  const running = run.state === "running";
  const keys = useQuery({
    queryKey: ["run-keys", entity, project, run.id],
    queryFn: ({ signal }) =>
      getJson<{ keys: SeriesKey[] }>(`/runs/${seg(entity)}/${seg(project)}/${seg(run.id)}/keys`, undefined, signal),
    refetchInterval: running ? 15_000 : false,
  });
  // the run page's layout (sizes, settings) is kept in this browser, per tab kind
  const [layout, setLayout] = useState<PanelsLayout>(() => loadLayout(kind));
  const metrics = useMemo<MetricKey[] | undefined>(
    () => keys.data?.keys.filter((k) => k.kind === kind).map((k) => ({ key: k.key, kind: k.kind })),
    [keys.data, kind],
  );
  const runs = useMemo(() => [run], [run]);
  return (
    <PanelBoard
      runs={runs}
      grouped={false}
      metrics={metrics}
      metricsError={keys.error}
      layout={layout}
      onLayout={(next) => {
        setLayout(next);
        try {
          localStorage.setItem(storageKey(kind), JSON.stringify(next));
        } catch {
          // storage full or disabled: the layout lasts for this visit
        }
      }}
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
