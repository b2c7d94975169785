/** Histogram panel (`histogram`): per run, a heatmap of the key's histograms over steps (x = step,
 * y = value on a grid common to all steps, colour = count), or bars of the latest step. */

import { useEffect, useMemo, useRef, useState } from "react";
import { useQueries } from "@tanstack/react-query";
import type { ChartRun } from "../../charts/chartRun";
import { chartColors, formatNumber, useTheme } from "../../charts/theme";
import { ErrorMessage } from "../../components/Status";
import type { PanelBodyProps, PanelModule, PanelState } from "../types";
import { fetchValues, runParts } from "./api";
import { columnAt, heatGrid, type HeatGrid, type HistogramStep } from "./histogramGrid";
import { mediaSettings, withMediaSettings } from "./settings";
import { asHistogram } from "./values";
import "./media.css";

/** Steps read per run at most; more are left out and the panel says so. */
const MAX_STEPS = 5000;
const LEFT = 56;
const BOTTOM = 16;

interface Hover {
  x: number;
  y: number;
  text: string;
}

function Strip({ run, steps, view, width, height, onPainted }: { run: ChartRun; steps: HistogramStep[]; view: "heatmap" | "latest"; width: number; height: number; onPainted: () => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const [hover, setHover] = useState<Hover | null>(null);
  const plotW = Math.max(10, width - LEFT - 8);
  const plotH = Math.max(20, height - BOTTOM);
  const grid = useMemo<HeatGrid | null>(() => (view === "heatmap" ? heatGrid(steps, Math.min(128, Math.max(8, Math.floor(plotH / 3)))) : null), [steps, view, plotH]);
  const latest = steps.reduce<HistogramStep | null>((a, s) => (a === null || s.step > a.step ? s : a), null);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext("2d");
    if (!el || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = Math.round(width * dpr);
    el.height = Math.round(height * dpr);
    el.style.width = `${width}px`;
    el.style.height = `${height}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const colors = chartColors();
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = colors.fgSoft;
    ctx.textAlign = "right";
    if (grid && grid.max > 0) {
      const n = grid.steps.length;
      const cw = plotW / n;
      const rh = plotH / grid.rows;
      ctx.fillStyle = run.color;
      for (let c = 0; c < n; c++) {
        for (let r = 0; r < grid.rows; r++) {
          const v = grid.counts[c * grid.rows + r] ?? 0;
          if (v <= 0) continue;
          // square root: small counts stay visible beside a tall peak
          ctx.globalAlpha = Math.sqrt(v / grid.max);
          ctx.fillRect(LEFT + c * cw, plotH - (r + 1) * rh, Math.max(cw, 1), Math.max(rh, 1));
        }
      }
      ctx.globalAlpha = 1;
      ctx.fillStyle = colors.fgSoft;
      ctx.textBaseline = "top";
      ctx.fillText(formatNumber(grid.hi), LEFT - 4, 0);
      ctx.textBaseline = "bottom";
      ctx.fillText(formatNumber(grid.lo), LEFT - 4, plotH);
      ctx.textBaseline = "top";
      ctx.textAlign = "left";
      ctx.fillText(`step ${grid.steps[0] ?? ""}`, LEFT, plotH + 2);
      ctx.textAlign = "right";
      ctx.fillText(`step ${grid.steps[n - 1] ?? ""}`, LEFT + plotW, plotH + 2);
    } else if (view === "latest" && latest) {
      const { values, bins } = latest.hist;
      const lo = bins[0] ?? 0;
      const hi = bins[bins.length - 1] ?? 1;
      const span = hi - lo || 1;
      const max = Math.max(...values, 1e-300);
      ctx.fillStyle = run.color;
      values.forEach((v, i) => {
        const a = LEFT + (((bins[i] ?? lo) - lo) / span) * plotW;
        const b = LEFT + (((bins[i + 1] ?? hi) - lo) / span) * plotW;
        const h = (v / max) * plotH;
        ctx.fillRect(a, plotH - h, Math.max(1, b - a - 0.5), h);
      });
      ctx.fillStyle = colors.fgSoft;
      ctx.textBaseline = "top";
      ctx.fillText(formatNumber(max), LEFT - 4, 0);
      ctx.textAlign = "left";
      ctx.fillText(formatNumber(lo), LEFT, plotH + 2);
      ctx.textAlign = "right";
      ctx.fillText(`${formatNumber(hi)} (step ${latest.step})`, LEFT + plotW, plotH + 2);
    }
    onPainted();
  }, [grid, latest, view, width, height, plotW, plotH, run.color, theme, onPainted]);

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const mx = e.clientX - rect.left - LEFT;
    const my = e.clientY - rect.top;
    if (view === "heatmap" && grid) {
      const c = columnAt(mx, plotW, grid.steps.length);
      const r = Math.floor(((plotH - my) / plotH) * grid.rows);
      if (c === null || r < 0 || r >= grid.rows) {
        setHover(null);
        return;
      }
      const h = (grid.hi - grid.lo) / grid.rows;
      const count = grid.counts[c * grid.rows + r] ?? 0;
      setHover({ x: e.clientX - rect.left, y: my, text: `step ${grid.steps[c] ?? ""} · ${formatNumber(grid.lo + r * h)} to ${formatNumber(grid.lo + (r + 1) * h)} · count ${formatNumber(count)}` });
    } else if (view === "latest" && latest) {
      const { values, bins } = latest.hist;
      const lo = bins[0] ?? 0;
      const hi = bins[bins.length - 1] ?? 1;
      const v = lo + (mx / plotW) * (hi - lo);
      const i = bins.findIndex((edge, j) => j < values.length && v >= edge && v <= (bins[j + 1] ?? edge));
      if (i < 0 || mx < 0) {
        setHover(null);
        return;
      }
      setHover({ x: e.clientX - rect.left, y: my, text: `step ${latest.step} · ${formatNumber(bins[i])} to ${formatNumber(bins[i + 1])} · count ${formatNumber(values[i])}` });
    }
  };

  return (
    <div className="media-hist-strip">
      <canvas
        ref={canvas}
        aria-label={view === "heatmap" ? `Histograms of ${run.name} over steps` : `Histogram of ${run.name} at its latest step`}
        onMouseMove={onMove}
        onMouseLeave={() => {
          setHover(null);
        }}
      />
      {hover ? (
        <div className="chart-tooltip" role="tooltip" style={hover.x > width / 2 ? { right: width - hover.x + 10, top: hover.y } : { left: hover.x + 10, top: hover.y }}>
          {hover.text}
        </div>
      ) : null}
    </div>
  );
}

function HistogramBody(props: PanelBodyProps) {
  const { panel, entity, project, runs, seen, width, height, expanded, onState, onPainted, onChange } = props;
  const key = panel.key ?? "";
  const view = mediaSettings(panel).histView;
  const queries = useQueries({
    queries: runs.map((run) => ({
      queryKey: ["media-histograms", ...runParts(run, entity, project), key],
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchValues(run, entity, project, key, { maxValues: MAX_STEPS }, signal),
      enabled: seen && key !== "",
      refetchInterval: run.state === "running" ? 15_000 : (false as const),
    })),
  });
  const strips = runs.map((run, i) => {
    const data = queries[i]?.data;
    const steps: HistogramStep[] = (data?.values ?? []).flatMap((row) => {
      const hist = asHistogram(row.value);
      return hist ? [{ step: row.step, hist }] : [];
    });
    return { run, steps, truncated: data?.truncated ?? false };
  });
  const withData = strips.filter((s) => s.steps.length > 0);
  const error = queries.find((q) => q.error)?.error ?? null;
  let state: PanelState;
  if (!seen) state = "idle";
  else if (error) state = "error";
  else if (queries.some((q) => q.isLoading)) state = "loading";
  else state = withData.length > 0 ? "ready" : "empty";
  useEffect(() => {
    onState(state);
  }, [state, onState]);

  if (!key) return <div className="panel-empty">This panel has no key</div>;
  if (state === "idle") return <div className="panel-empty" />;
  if (state === "error") return <ErrorMessage error={error} what={key} />;
  if (state === "loading") return <div className="panel-empty" role="status">Loading {key}…</div>;
  if (state === "empty") return <div className="panel-empty">No run shown has histograms for {key}</div>;
  const total = (expanded ? height * 2 : height) - 30;
  const stripHeight = Math.max(60, Math.floor(total / withData.length) - 20);
  return (
    <div className="media-panel">
      <div className="media-tools" role="group" aria-label="Histogram view">
        {(["heatmap", "latest"] as const).map((v) => (
          <label key={v}>
            <input
              type="radio"
              name={`hist-view-${panel.id}`}
              checked={view === v}
              onChange={() => {
                onChange(withMediaSettings(panel, { histView: v }));
              }}
            />{" "}
            {v === "heatmap" ? "Over steps" : "Latest step"}
          </label>
        ))}
      </div>
      {withData.map((s) => (
        <section key={s.run.path} className="media-hist" aria-label={`${key} of ${s.run.name}`}>
          <header className="media-run-head">
            <span className="media-swatch" style={{ background: s.run.color }} />
            <span className="media-run-name">{s.run.name}</span>
            {s.truncated ? <span className="media-note">first {MAX_STEPS.toLocaleString()} steps</span> : null}
          </header>
          <Strip run={s.run} steps={s.steps} view={view} width={width} height={stripHeight} onPainted={onPainted} />
        </section>
      ))}
    </div>
  );
}

export const histogramPanel: PanelModule = {
  type: "histogram",
  label: "Histogram",
  add: "media",
  mediaTypes: ["histogram"],
  Body: HistogramBody,
  title: (panel) => panel.key ?? "Histogram",
};
