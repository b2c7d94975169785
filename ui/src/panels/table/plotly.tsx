/** The plotly panel (`plotly-file`): the figure's JSON drawn by plotly.js, which is imported only
 * when a plotly panel first draws so the app's main bundle does not carry it. */

import { useEffect, useRef, useState } from "react";
import { useTheme } from "../../charts/theme";
import type { PanelBodyProps, PanelModule } from "../types";
import { useFileJson } from "./mediaValue";
import { viewSettings, withSettings } from "./settings";
import { useRunWithKey } from "./runWithKey";
import { StepSelect } from "./StepSelect";
import { useLatest } from "./useLatest";
import "./table.css";

type PlotlyModule = typeof import("plotly.js-dist-min");

let plotly: Promise<PlotlyModule> | null = null;
function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import("plotly.js-dist-min").then((m) => (m as PlotlyModule & { default?: PlotlyModule }).default ?? m);
  return plotly;
}

interface Figure {
  data: Plotly.Data[];
  layout: Partial<Plotly.Layout>;
}

function asFigure(doc: unknown): Figure | null {
  if (typeof doc !== "object" || doc === null) return null;
  const d = doc as { data?: unknown; layout?: unknown };
  if (!Array.isArray(d.data)) return null;
  const layout = typeof d.layout === "object" && d.layout !== null ? (d.layout as Partial<Plotly.Layout>) : {};
  return { data: d.data as Plotly.Data[], layout };
}

const TOOLBAR = 30;

export function PlotlyBody(props: PanelBodyProps) {
  const { panel, entity, project, runs, seen, width, height, onState, onPainted, onChange } = props;
  const key = panel.key ?? "";
  const { step } = viewSettings(panel);
  const run = useRunWithKey(entity, project, runs, key, seen, null);
  const { values, logged, file, json } = useFileJson(entity, project, run, key, step, seen, true);
  const box = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const report = useLatest({ onState, onPainted });
  const [drawError, setDrawError] = useState<string | null>(null);
  const figure = json.data === undefined ? undefined : asFigure(json.data);
  const plotHeight = Math.max(120, height - TOOLBAR);

  const loadError = values.error ?? json.error ?? (logged && !file ? new Error("the logged value names no file") : null) ?? (figure === null ? new Error("the file is not a plotly figure ({data, layout})") : null);
  const state = !seen ? "idle" : loadError || drawError ? "error" : values.data && !logged ? "empty" : "loading";
  // "ready" is reported by the drawing effect once plotly has drawn the figure
  const drawing = state === "loading" && figure !== undefined;
  useEffect(() => {
    if (state !== "idle" && !drawing) onState(state);
    if (state === "empty") onPainted();
  }, [state, drawing, onState, onPainted]);

  useEffect(() => {
    const el = box.current;
    if (!el || !figure || width <= 0) return;
    let cancelled = false;
    let drawn: PlotlyModule | null = null;
    const dark = theme === "dark";
    loadPlotly()
      .then(async (P) => {
        if (cancelled) return;
        drawn = P;
        const layout: Partial<Plotly.Layout> = {
          ...figure.layout,
          width,
          height: plotHeight,
          autosize: false,
          paper_bgcolor: "rgba(0,0,0,0)",
          ...(dark ? { font: { color: "#e6e8eb" }, plot_bgcolor: "rgba(0,0,0,0)" } : {}),
        };
        await P.react(el, figure.data, layout, { displaylogo: false, responsive: false });
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the cleanup while awaiting
        if (cancelled) return;
        setDrawError(null);
        report.current.onState("ready");
        report.current.onPainted();
      })
      .catch((error: unknown) => {
        if (!cancelled) setDrawError(error instanceof Error ? error.message : String(error));
      });
    return () => {
      cancelled = true;
      drawn?.purge(el);
    };
  }, [figure, width, plotHeight, theme, report]);

  if (!seen) return <div style={{ height }} />;
  if (!run) return <div className="panel-empty">No run is shown.</div>;
  const error = loadError ?? (drawError ? new Error(drawError) : null);
  return (
    <div className="tp-panel">
      <div className="tp-toolbar">
        {runs.length > 1 ? <span className="tp-footer">{run.name} (the first of {runs.length} runs shown that has {key})</span> : null}
        <StepSelect values={values.data ?? []} step={step} onStep={(s) => { onChange(withSettings(panel, { step: s })); }} />
      </div>
      {error ? (
        <div className="tp-error" role="alert">
          Could not draw {key}: {error.message}
        </div>
      ) : values.data && !logged ? (
        <div className="panel-empty">{run.name} has no {key}{step !== null ? ` at step ${step}` : ""}.</div>
      ) : (
        <>
          {figure ? null : (
            <div className="panel-empty" role="status">
              Loading {key}…
            </div>
          )}
          <div ref={box} className="tp-plotly" aria-label={`Plotly figure ${key}`} />
        </>
      )}
    </div>
  );
}

export const plotlyPanel: PanelModule = {
  type: "plotly",
  label: "Plotly figure",
  add: "media",
  mediaTypes: ["plotly-file"],
  Body: PlotlyBody,
  title: (panel) => panel.key ?? "Plotly",
};
