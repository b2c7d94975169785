/** The workspace's panels: a line panel per metric key of the project, a panel per media key (of
 * the type the registry gives its `_type`), plus added ones; the layout is saved with the
 * workspace (`panels` part). */

import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson, seg } from "../api/client";
import type { ProjectKeys } from "../api/types";
import { useWorkspaceLayout } from "../api/workspace";
import type { PanelsProps } from "./chartRun";
import { parseLayout, type MetricKey } from "./layout";
import { parseMetricRules, withRules } from "./metricRules";
import { PanelBoard } from "./PanelBoard";

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
  // the runs' define_metric rules: default x axes (step_metric) and hidden keys
  const metrics = useMemo<MetricKey[] | undefined>(
    () =>
      keys.data &&
      withRules(
        keys.data.metrics.map((m) => ({ key: m.key, kind: m.kind })),
        parseMetricRules(keys.data.metric_rules),
      ),
    [keys.data],
  );
  const media = keys.data?.media;
  const fieldKeys = useMemo(
    () =>
      keys.data
        ? [...keys.data.config.map((k) => `config.${k.key}`), ...keys.data.summary.map((k) => `summary.${k.key}`)]
        : [],
    [keys.data],
  );
  return (
    <PanelBoard
      entity={entity}
      project={project}
      runs={runs}
      grouped={groupBy !== null}
      metrics={layout === null && !error ? undefined : metrics}
      media={media}
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
