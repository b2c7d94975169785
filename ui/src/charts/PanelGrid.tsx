/** The workspace's charts: a line panel per metric key of the project, plus scatter and bar
 * panels; the layout is saved with the workspace (`panels` part). */

import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson, seg } from "../api/client";
import { useWorkspaceLayout } from "../api/workspace";
import type { PanelsProps } from "./chartRun";
import { parseLayout, type MetricKey } from "./layout";
import { PanelBoard } from "./PanelBoard";

interface ProjectKeys {
  config: { key: string; count: number }[];
  summary: { key: string; count: number }[];
  metrics: { key: string; kind: "history" | "system"; runs: number }[];
}

export function PanelGrid(props: PanelsProps) {
  const { entity, project, runs, groupBy } = props;
  const anyRunning = runs.some((r) => r.state === "running");
  const keys = useQuery({
    queryKey: ["project-keys", entity, project],
    queryFn: ({ signal }) => getJson<ProjectKeys>(`/projects/${seg(entity)}/${seg(project)}/keys`, undefined, signal),
    // new keys show up while runs are running
    refetchInterval: anyRunning ? 15_000 : false,
  });
  const { layout, update, error } = useWorkspaceLayout(entity, project);
  const panels = useMemo(() => parseLayout(layout?.panels), [layout]);
  const metrics = useMemo<MetricKey[] | undefined>(
    () => keys.data?.metrics.map((m) => ({ key: m.key, kind: m.kind })),
    [keys.data],
  );
  const fieldKeys = useMemo(
    () =>
      keys.data
        ? [...keys.data.config.map((k) => `config.${k.key}`), ...keys.data.summary.map((k) => `summary.${k.key}`)]
        : [],
    [keys.data],
  );
  return (
    <PanelBoard
      runs={runs}
      grouped={groupBy !== null}
      metrics={layout === null && !error ? undefined : metrics}
      metricsError={keys.error}
      layout={panels}
      onLayout={(next) => {
        update("panels", next);
      }}
      fieldKeys={fieldKeys}
      noRunsText="No runs shown: select runs in the table (eye icon) to chart them."
    />
  );
}
