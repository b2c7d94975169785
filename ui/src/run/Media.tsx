/** The run page's Media tab: one panel per media key of the run (images, audio, tables, ...),
 * drawn by the same registered panel modules as the workspace, with this one run. */

import { useMemo } from "react";
import type { ChartRun } from "../charts/chartRun";
import type { MetricKey } from "../charts/layout";
import { useLocalLayout } from "../charts/localLayout";
import { PanelBoard } from "../charts/PanelBoard";
import { useRunKeys } from "../charts/RunCharts";
import { moduleForMediaType } from "../panels/registry";

interface Props {
  run: ChartRun;
  entity: string;
  project: string;
}

const NO_METRICS: MetricKey[] = [];

export function Media({ run, entity, project }: Props) {
  const keys = useRunKeys(entity, project, run);
  // sizes, settings and removed panels are kept in this browser, like the Charts tab's
  const [layout, setLayout] = useLocalLayout("cairn-run-charts-media");
  const runs = useMemo(() => [run], [run]);
  // servers older than design 0010 list no media: the tab is then empty, not broken
  const media = keys.data ? (keys.data.media ?? []) : undefined;
  const unshown = [...new Set((media ?? []).filter((m) => !moduleForMediaType(m.type)).map((m) => m.type))];
  const emptyText =
    unshown.length > 0
      ? `This version of Cairn has no panel for this run's media (${unshown.join(", ")}).`
      : 'No media logged for this run. Images, audio, video, HTML, tables and histograms appear here once the run logs them, e.g. run.log({"examples": cairn.Image(array)}).';
  return (
    <PanelBoard
      entity={entity}
      project={project}
      runs={runs}
      grouped={false}
      metrics={media ? NO_METRICS : undefined}
      media={media}
      metricsError={keys.error}
      layout={layout}
      onLayout={setLayout}
      fieldKeys={null}
      noRunsText="No run."
      noMetricsText={emptyText}
    />
  );
}
