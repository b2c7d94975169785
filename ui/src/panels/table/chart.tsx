/** The chart panel (`chart` values: confusion matrix, PR, ROC, line, scatter, bar): reads the
 * chart value at the chosen step, then its sibling table (all rows up to MAX_CHART_ROWS) through
 * `tables/query`, and draws it. With several runs shown, a run selector picks whose chart. */

import { useEffect, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { PanelBodyProps, PanelModule } from "../types";
import { MAX_QUERY_ROWS, queryTable, queryTableFull, useKeyValues, type TableAnswer, type TableSource } from "./api";
import { bars, confusionMatrix, curves, parseChartValue, scatterPoints, type ChartSpec } from "./chartData";
import { BarsView, ConfusionMatrixView, CurvesView, ScatterView } from "./ChartViews";
import { viewSettings, withSettings } from "./settings";
import { StepSelect } from "./StepSelect";
import { useRunWithKey } from "./runWithKey";
import { valueAt } from "./steps";
import "./table.css";

export const MAX_CHART_ROWS = 10_000;
const TOOLBAR = 30;

/** Every row of the chart's table (up to MAX_CHART_ROWS), read in pages of MAX_QUERY_ROWS. */
async function readAll(source: TableSource, key: string, step: number, signal: AbortSignal): Promise<TableAnswer & { truncated: boolean }> {
  const first = await queryTableFull(source, { key, step, offset: 0, limit: MAX_QUERY_ROWS }, signal);
  const rows = [...first.rows];
  const total = first.total ?? first.rows.length;
  while (rows.length < Math.min(total, MAX_CHART_ROWS)) {
    const page = await queryTable(source, { key, step, offset: rows.length, limit: MAX_QUERY_ROWS }, signal);
    if (page.rows.length === 0) break;
    rows.push(...page.rows);
  }
  return { ...first, rows: rows.slice(0, MAX_CHART_ROWS), truncated: total > MAX_CHART_ROWS };
}

type Shaped =
  | { kind: "matrix"; matrix: ReturnType<typeof confusionMatrix> }
  | { kind: "curves"; data: ReturnType<typeof curves>; x: string; y: string; unit: boolean }
  | { kind: "scatter"; data: ReturnType<typeof scatterPoints>; x: string; y: string }
  | { kind: "bars"; data: ReturnType<typeof bars>; value: string }
  | { kind: "error"; message: string };

function shape(spec: ChartSpec, table: TableAnswer): Shaped {
  const { columns, rows } = table;
  const f = spec.fields;
  try {
    switch (spec.chart) {
      case "confusion_matrix":
        return { kind: "matrix", matrix: confusionMatrix(columns, rows, f) };
      case "pr_curve":
        return { kind: "curves", data: curves(columns, rows, "pr_curve", f), x: f.x ?? "recall", y: f.y ?? "precision", unit: true };
      case "roc_curve":
        return { kind: "curves", data: curves(columns, rows, "roc_curve", f), x: f.x ?? "false positive rate", y: f.y ?? "true positive rate", unit: true };
      case "line":
        return { kind: "curves", data: curves(columns, rows, "line", f), x: f.x ?? "x", y: f.y ?? "y", unit: false };
      case "scatter":
        return { kind: "scatter", data: scatterPoints(columns, rows, f), x: f.x ?? "x", y: f.y ?? "y" };
      case "bar":
        return { kind: "bars", data: bars(columns, rows, f), value: f.value ?? "value" };
    }
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

function isEmpty(s: Shaped): boolean {
  switch (s.kind) {
    case "matrix":
      return s.matrix.classes.length === 0;
    case "curves":
      return s.data.x.length === 0;
    case "scatter":
      return s.data.points.length === 0;
    case "bars":
      return s.data.length === 0;
    case "error":
      return false;
  }
}

export function ChartBody(props: PanelBodyProps) {
  const { panel, entity, project, runs, seen, width, height, onState, onPainted, onChange } = props;
  const key = panel.key ?? "";
  const { step } = viewSettings(panel);
  const [chosen, setChosen] = useState<string | null>(null);
  const run = useRunWithKey(entity, project, runs, key, seen, chosen);
  const values = useKeyValues(entity, project, run?.id, key, seen);
  const logged = values.data ? valueAt(values.data, step) : undefined;
  const spec = useMemo((): ChartSpec | { error: string } | null => {
    if (!logged) return null;
    try {
      return parseChartValue(logged.value);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }, [logged]);
  const tableKey = spec && !("error" in spec) ? spec.tableKey : null;
  const table = useQuery({
    queryKey: ["chart-table", entity, project, run?.id, tableKey, logged?.step],
    queryFn: ({ signal }) => readAll({ entity, project, runIds: [run?.id ?? ""] }, tableKey ?? "", logged?.step ?? 0, signal),
    enabled: seen && run !== undefined && tableKey !== null && logged !== undefined,
    staleTime: 60_000,
  });
  const shaped = useMemo(() => (spec && !("error" in spec) && table.data ? shape(spec, table.data) : null), [spec, table.data]);

  const problem =
    values.error ?? table.error ?? (spec && "error" in spec ? spec.error : null) ?? (shaped?.kind === "error" ? shaped.message : null);
  const state = !seen
    ? "idle"
    : problem !== null
      ? "error"
      : values.data && !logged
        ? "empty"
        : shaped === null
          ? "loading"
          : isEmpty(shaped)
            ? "empty"
            : "ready";
  useEffect(() => {
    if (state !== "idle") onState(state);
    if (state === "empty") onPainted();
  }, [state, onState, onPainted]);

  if (!seen) return <div style={{ height }} />;
  if (runs.length === 0) return <div className="panel-empty">No run is shown.</div>;
  const plotHeight = Math.max(100, height - TOOLBAR);
  const chartTitle = spec && !("error" in spec) ? spec.title : null;
  return (
    <div className="tp-panel">
      <div className="tp-toolbar">
        {chartTitle ? <span className="tp-chart-title">{chartTitle}</span> : null}
        {runs.length > 1 ? (
          <label className="tp-control">
            <span>Run</span>
            <select
              aria-label="Run"
              value={run?.id ?? ""}
              onChange={(e) => {
                setChosen(e.target.value);
              }}
            >
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <StepSelect
          values={values.data ?? []}
          step={step}
          onStep={(s) => {
            onChange(withSettings(panel, { step: s }));
          }}
        />
        {table.data?.truncated ? <span className="tp-footer">first {MAX_CHART_ROWS.toLocaleString()} of {(table.data.total ?? table.data.rows.length).toLocaleString()} rows</span> : null}
      </div>
      {problem !== null ? (
        <div className="tp-error" role="alert">
          Could not draw {key}: {problem instanceof Error ? problem.message : problem}
        </div>
      ) : state === "empty" ? (
        <div className="panel-empty">{logged ? "The chart's table has no rows to draw." : `${run?.name ?? "This run"} has no ${key}${step !== null ? ` at step ${step}` : ""}.`}</div>
      ) : shaped === null ? (
        <div className="panel-empty" role="status">
          Loading {key}…
        </div>
      ) : (
        <div className="tp-chart">
          <Drawing shaped={shaped} width={width} height={plotHeight} onDrawn={onPainted} />
        </div>
      )}
    </div>
  );
}

function Drawing({ shaped, width, height, onDrawn }: { shaped: Shaped; width: number; height: number; onDrawn: () => void }) {
  switch (shaped.kind) {
    case "matrix":
      return <ConfusionMatrixView matrix={shaped.matrix} width={width} height={height} onDrawn={onDrawn} />;
    case "curves":
      return (
        <>
          <CurvesView data={shaped.data} xLabel={shaped.x} yLabel={shaped.y} unitSquare={shaped.unit} width={width} height={height - (shaped.data.series.length > 1 ? 20 : 0)} onDrawn={onDrawn} />
          <Legend items={shaped.data.series.length > 1 ? shaped.data.series : []} />
        </>
      );
    case "scatter":
      return (
        <>
          <ScatterView points={shaped.data.points} xLabel={shaped.x} yLabel={shaped.y} width={width} height={height - (shaped.data.groups.length > 1 ? 20 : 0)} onDrawn={onDrawn} />
          <Legend items={shaped.data.groups.length > 1 ? shaped.data.groups : []} />
        </>
      );
    case "bars":
      return <BarsView data={shaped.data} valueLabel={shaped.value} width={width} height={height} onDrawn={onDrawn} />;
    case "error":
      return null;
  }
}

function Legend({ items }: { items: readonly { name: string; color: string }[] }) {
  if (items.length === 0) return null;
  return (
    <div className="tp-legend" aria-label="Legend">
      {items.map((item) => (
        <span key={item.name} className="tp-legend-item">
          <span className="swatch" style={{ background: item.color }} />
          {item.name}
        </span>
      ))}
    </div>
  );
}

export const chartPanel: PanelModule = {
  type: "chart",
  label: "Chart (confusion matrix, PR, ROC, …)",
  add: "media",
  mediaTypes: ["chart"],
  Body: ChartBody,
  title: (panel) => panel.key ?? "Chart",
};
