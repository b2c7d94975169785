/** Parallel coordinates over the shown runs: one axis per config key (by default the keys that
 * vary) and the metric last, one line per run coloured by the metric. Drawn on a canvas (sweeps
 * have thousands of runs). Drag along an axis to brush it: runs outside every brush fade; click an
 * axis name to switch a numeric axis between log and linear. The canvas carries
 * `data-highlighted` (runs passing the brushes) and `data-lines` (runs drawn). */

import { useEffect, useMemo, useRef, useState } from "react";
import { setupCanvas } from "../charts/canvasPlot";
import "./parallel.css";
import { useTheme } from "../charts/theme";
import type { PanelConfig } from "../charts/layout";
import {
  axisKeys,
  axisTicks,
  buildAxis,
  passes,
  placeRuns,
  sequentialColor,
  type Axis,
  type Brushes,
  type RunValues,
} from "./parallelModel";
import type { PanelBodyProps, PanelModule, PanelSettingsProps, PanelState } from "./types";

export interface ParallelRun extends RunValues {
  id: string;
  name: string;
}

interface ChartProps {
  runs: readonly ParallelRun[];
  /** the colouring key, drawn as the last axis ("summary.loss") */
  metric: string | undefined;
  /** chosen axes; empty or undefined: the config keys that vary */
  axes?: readonly string[];
  /** per axis key: true log, false linear; absent: automatic */
  log?: Readonly<Record<string, boolean>>;
  onLogChange?: (key: string, log: boolean) => void;
  width: number;
  height: number;
  onState?: (state: PanelState, mode: null) => void;
}

const M = { left: 36, right: 56, top: 30, bottom: 22 };
const GRAB = 14;

/** Read the panel's persisted settings (axes list and log overrides), ignoring malformed ones. */
export function parallelSettings(panel: PanelConfig): { axes: string[]; log: Record<string, boolean> } {
  const s = panel.settings ?? {};
  const axes = Array.isArray(s.axes) ? s.axes.filter((a): a is string => typeof a === "string") : [];
  const log: Record<string, boolean> = {};
  if (s.log && typeof s.log === "object") {
    for (const [k, v] of Object.entries(s.log as Record<string, unknown>)) if (typeof v === "boolean") log[k] = v;
  }
  return { axes, log };
}

const shortKey = (key: string) => key.replace(/^(config|summary)\./, "");

export function ParallelChart({ runs, metric, axes: chosen, log, onLogChange, width, height, onState }: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const [brushes, setBrushes] = useState<Brushes>({});
  const [drag, setDrag] = useState<{ key: string; from: number } | null>(null);
  const [hover, setHover] = useState<{ run: ParallelRun; x: number; y: number } | null>(null);

  const axes: Axis[] = useMemo(
    () => axisKeys(runs, chosen, metric).map((key) => buildAxis(runs, key, log?.[key])),
    [runs, chosen, metric, log],
  );
  const rows = useMemo(() => placeRuns(runs, axes), [runs, axes]);
  const highlighted = useMemo(() => rows.map((row) => passes(row, axes, brushes)), [rows, axes, brushes]);
  const count = highlighted.filter(Boolean).length;
  const metricIndex = metric ? axes.length - 1 : -1;

  const xs = useMemo(() => {
    const n = axes.length;
    const span = width - M.left - M.right;
    return axes.map((_, i) => (n === 1 ? M.left + span / 2 : M.left + (i * span) / (n - 1)));
  }, [axes, width]);
  const yOf = (t: number) => height - M.bottom - t * (height - M.top - M.bottom);
  const tOf = (y: number) => Math.min(1, Math.max(0, (height - M.bottom - y) / (height - M.top - M.bottom)));

  useEffect(() => {
    if (axes.length === 0 || runs.length === 0) onState?.("empty", null);
  }, [axes.length, runs.length, onState]);

  useEffect(() => {
    const el = canvas.current;
    if (!el || width <= 0 || axes.length === 0 || runs.length === 0) return;
    const f = setupCanvas(el, width, height, { left: 0, top: 0, right: 0, bottom: 0 });
    if (!f) return;
    const { ctx, colors } = f;
    const py = (t: number) => height - M.bottom - t * (height - M.top - M.bottom);
    const line = (row: readonly (number | null)[]) => {
      ctx.beginPath();
      let open = false;
      row.forEach((t, i) => {
        const x = xs[i] ?? 0;
        if (t === null) {
          open = false;
          return;
        }
        if (open) ctx.lineTo(x, py(t));
        else ctx.moveTo(x, py(t));
        open = true;
      });
      ctx.stroke();
    };
    // faded lines first, so the highlighted ones stay on top
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.18;
    ctx.strokeStyle = colors.fgSoft;
    rows.forEach((row, i) => {
      if (!highlighted[i]) line(row);
    });
    ctx.globalAlpha = runs.length > 300 ? 0.5 : 0.85;
    ctx.lineWidth = 1.4;
    rows.forEach((row, i) => {
      if (!highlighted[i]) return;
      const t = metricIndex >= 0 ? row[metricIndex] : null;
      // the scale's last tenth (pale yellow) reads badly on a light background
      ctx.strokeStyle = t === null || t === undefined ? colors.fgSoft : sequentialColor(t * 0.9);
      line(row);
    });
    ctx.globalAlpha = 1;
    ctx.font = "11px system-ui, sans-serif";
    axes.forEach((axis, i) => {
      const x = Math.round(xs[i] ?? 0) + 0.5;
      ctx.strokeStyle = colors.fg;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, py(0));
      ctx.lineTo(x, py(1));
      ctx.stroke();
      const brush = brushes[axis.key];
      if (brush) {
        const [lo, hi] = brush[0] <= brush[1] ? brush : [brush[1], brush[0]];
        ctx.fillStyle = colors.accent;
        ctx.globalAlpha = 0.25;
        ctx.fillRect(x - 6, py(hi), 12, Math.max(2, py(lo) - py(hi)));
        ctx.globalAlpha = 1;
      }
      ctx.fillStyle = colors.fgSoft;
      ctx.textBaseline = "middle";
      ctx.textAlign = i === axes.length - 1 && axes.length > 1 ? "right" : "left";
      for (const tick of axisTicks(axis, Math.max(2, Math.floor((height - M.top - M.bottom) / 18)))) {
        const ty = py(tick.t);
        ctx.beginPath();
        ctx.moveTo(x - 3, ty);
        ctx.lineTo(x + 3, ty);
        ctx.stroke();
        const label = tick.label.length > 14 ? `${tick.label.slice(0, 13)}…` : tick.label;
        const lx = ctx.textAlign === "right" ? x - 5 : x + 5;
        // a halo in the background colour keeps labels readable over the lines
        ctx.strokeStyle = colors.bg;
        ctx.lineWidth = 3;
        ctx.strokeText(label, lx, ty);
        ctx.fillText(label, lx, ty);
        ctx.strokeStyle = colors.fg;
        ctx.lineWidth = 1;
      }
    });
    onState?.("ready", null);
  }, [axes, rows, highlighted, brushes, xs, width, height, theme, runs.length, metricIndex, onState]);

  if (runs.length === 0) return <div className="panel-empty">No runs to show</div>;
  if (axes.length === 0) return <div className="panel-empty">No config key varies among these runs; pick axes in the settings</div>;

  const axisAt = (x: number): number => {
    let best = -1;
    let bestD = GRAB;
    xs.forEach((ax, i) => {
      const d = Math.abs(ax - x);
      if (d <= bestD) {
        best = i;
        bestD = d;
      }
    });
    return best;
  };

  const nearestRun = (mx: number, my: number): ParallelRun | null => {
    let best: ParallelRun | null = null;
    let bestD = 36;
    rows.forEach((row, r) => {
      if (!highlighted[r]) return;
      for (let i = 0; i + 1 < row.length; i++) {
        const x0 = xs[i] ?? 0;
        const x1 = xs[i + 1] ?? 0;
        const t0 = row[i];
        const t1 = row[i + 1];
        if (mx < x0 || mx > x1 || t0 === null || t1 === null || t0 === undefined || t1 === undefined) continue;
        const y = yOf(t0) + ((mx - x0) / Math.max(1, x1 - x0)) * (yOf(t1) - yOf(t0));
        const d = (y - my) ** 2;
        if (d < bestD) {
          bestD = d;
          best = runs[r] ?? null;
        }
      }
    });
    return best;
  };

  const point = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };

  return (
    <div className="canvas-panel parallel-panel" data-highlighted={count} data-lines={runs.length}>
      <canvas
        ref={canvas}
        data-highlighted={count}
        data-lines={runs.length}
        aria-label={`Parallel coordinates of ${runs.length} runs over ${axes.map((a) => shortKey(a.key)).join(", ")}; drag along an axis to filter`}
        style={{ cursor: drag ? "ns-resize" : "crosshair" }}
        onMouseDown={(e) => {
          const p = point(e);
          const index = axisAt(p.x);
          const axis = axes[index];
          if (!axis) return;
          setHover(null);
          setDrag({ key: axis.key, from: tOf(p.y) });
          setBrushes((b) => ({ ...b, [axis.key]: [tOf(p.y), tOf(p.y)] }));
        }}
        onMouseMove={(e) => {
          const p = point(e);
          if (drag) {
            setBrushes((b) => ({ ...b, [drag.key]: [drag.from, tOf(p.y)] }));
            return;
          }
          const run = nearestRun(p.x, p.y);
          setHover(run ? { run, x: p.x, y: p.y } : null);
        }}
        onMouseUp={(e) => {
          if (!drag) return;
          const to = tOf(point(e).y);
          // a click without a drag clears that axis's brush
          if (Math.abs(to - drag.from) < 0.01) {
            setBrushes((b) => Object.fromEntries(Object.entries(b).filter(([key]) => key !== drag.key)));
          }
          setDrag(null);
        }}
        onMouseLeave={() => {
          setHover(null);
          setDrag(null);
        }}
      />
      {axes.map((axis, i) => (
        <button
          key={axis.key}
          type="button"
          className="parallel-axis-name"
          style={{ left: Math.max(0, (xs[i] ?? 0) - 60), top: 4 }}
          title={axis.kind === "categorical" ? axis.key : `${axis.key} (${axis.kind}; click for ${axis.kind === "log" ? "linear" : "log"})`}
          disabled={axis.kind === "categorical" || !onLogChange || (axis.kind === "linear" && axis.min <= 0)}
          onClick={() => onLogChange?.(axis.key, axis.kind !== "log")}
        >
          {shortKey(axis.key)}
          {axis.kind === "log" ? " (log)" : ""}
        </button>
      ))}
      {Object.keys(brushes).length > 0 && (
        <button type="button" className="link-button parallel-clear" onClick={() => { setBrushes({}); }}>
          Clear brushes ({count} of {runs.length})
        </button>
      )}
      {hover ? (
        <div
          className="chart-tooltip"
          role="tooltip"
          style={hover.x > width / 2 ? { right: width - hover.x + 10, top: hover.y } : { left: hover.x + 10, top: hover.y }}
        >
          <div className="chart-tooltip-row">
            <span className="chart-tooltip-name">{hover.run.name}</span>
          </div>
        </div>
      ) : null}
    </div>
  );
}

function ParallelBody({ panel, runs, width, height, seen, onState, onChange }: PanelBodyProps) {
  const { axes, log } = parallelSettings(panel);
  if (!seen) return null;
  return (
    <ParallelChart
      runs={runs}
      metric={panel.key}
      axes={axes}
      log={log}
      onLogChange={(key, value) => {
        onChange({ ...panel, settings: { ...(panel.settings ?? {}), log: { ...log, [key]: value } } });
      }}
      width={width}
      height={height}
      onState={onState}
    />
  );
}

/** Axes (comma-separated keys, empty: the varying config keys) and the colouring metric. */
export function ParallelSettings({ panel, onChange, onClose }: PanelSettingsProps) {
  const { axes } = parallelSettings(panel);
  const [text, setText] = useState(axes.join(", "));
  const [metric, setMetric] = useState(panel.key ?? "");
  const save = () => {
    const list = text.split(",").map((k) => k.trim()).filter(Boolean).map((k) => (/^(config|summary)\./.test(k) ? k : `config.${k}`));
    const m = metric.trim();
    onChange({ ...panel, key: m ? (/^(config|summary)\./.test(m) ? m : `summary.${m}`) : undefined, settings: { ...(panel.settings ?? {}), axes: list } });
    onClose();
  };
  return (
    <form className="panel-settings" aria-label="Parallel coordinates settings" onSubmit={(e) => { e.preventDefault(); save(); }}>
      <div className="settings-row">
        <label htmlFor={`${panel.id}-axes`}>Axes</label>
        <input id={`${panel.id}-axes`} value={text} placeholder="the config keys that vary" onChange={(e) => { setText(e.target.value); }} />
      </div>
      <div className="settings-row">
        <label htmlFor={`${panel.id}-metric`}>Metric</label>
        <input id={`${panel.id}-metric`} value={metric} placeholder="summary.loss" onChange={(e) => { setMetric(e.target.value); }} />
      </div>
      <div className="settings-actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="submit" className="primary">Apply</button>
      </div>
    </form>
  );
}

export const parallelModule: PanelModule = {
  type: "parallel",
  label: "Parallel coordinates",
  add: "field",
  Body: ParallelBody,
  Settings: ParallelSettings,
  title: (panel) => `Parallel coordinates${panel.key ? ` · ${shortKey(panel.key)}` : ""}`,
};
