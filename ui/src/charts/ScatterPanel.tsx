/** Scatter of two config/summary keys, one point per run coloured by run; hover names the run. */

import { useEffect, useMemo, useRef, useState } from "react";
import type { ChartRun } from "./chartRun";
import { drawFrame, drawXAxis, drawYAxis, padRange, setupCanvas } from "./canvasPlot";
import { runValue, toNumber } from "./layout";
import type { PanelState } from "../panels/types";
import { formatNumber, useTheme } from "./theme";

interface Props {
  runs: ChartRun[];
  xKey: string;
  yKey: string;
  width: number;
  height: number;
  onState: (state: PanelState, mode: null) => void;
}

interface Point {
  run: ChartRun;
  x: number;
  y: number;
  px: number;
  py: number;
}

export function ScatterPanel({ runs, xKey, yKey, width, height, onState }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const [points, setPoints] = useState<Point[]>([]);
  const [hover, setHover] = useState<Point | null>(null);
  const values = useMemo(
    () =>
      runs
        .map((run) => ({ run, x: toNumber(runValue(run, xKey)), y: toNumber(runValue(run, yKey)) }))
        .filter((p): p is { run: ChartRun; x: number; y: number } => p.x !== null && p.y !== null && Number.isFinite(p.x) && Number.isFinite(p.y)),
    [runs, xKey, yKey],
  );

  useEffect(() => {
    const el = canvas.current;
    if (!el || width <= 0 || values.length === 0) return;
    const f = setupCanvas(el, width, height, { left: 56, top: 10, right: 14, bottom: 28 });
    if (!f) return;
    const [x0, x1] = padRange(Math.min(...values.map((p) => p.x)), Math.max(...values.map((p) => p.x)));
    const [y0, y1] = padRange(Math.min(...values.map((p) => p.y)), Math.max(...values.map((p) => p.y)));
    const sx = (v: number) => f.left + ((v - x0) / (x1 - x0)) * (f.right - f.left);
    const sy = (v: number) => f.bottom - ((v - y0) / (y1 - y0)) * (f.bottom - f.top);
    drawYAxis(f, y0, y1, sy);
    drawXAxis(f, x0, x1, sx);
    drawFrame(f);
    const placed = values.map((p) => ({ ...p, px: sx(p.x), py: sy(p.y) }));
    for (const p of placed) {
      f.ctx.fillStyle = p.run.color;
      f.ctx.strokeStyle = f.colors.bg;
      f.ctx.beginPath();
      f.ctx.arc(p.px, p.py, 4.5, 0, Math.PI * 2);
      f.ctx.fill();
      f.ctx.stroke();
    }
    setPoints(placed);
    onState("ready", null);
  }, [values, width, height, theme, onState]);

  useEffect(() => {
    if (values.length === 0) onState("empty", null);
  }, [values.length, onState]);

  if (values.length === 0) {
    return (
      <div className="panel-empty">
        No run has numeric values for both {xKey} and {yKey}
      </div>
    );
  }
  return (
    <div className="canvas-panel">
      <canvas
        ref={canvas}
        aria-label={`${yKey} against ${xKey}, one point per run`}
        onMouseMove={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          const mx = e.clientX - rect.left;
          const my = e.clientY - rect.top;
          let best: Point | null = null;
          let bestD = 100;
          for (const p of points) {
            const d = (p.px - mx) ** 2 + (p.py - my) ** 2;
            if (d < bestD) {
              best = p;
              bestD = d;
            }
          }
          setHover(best);
        }}
        onMouseLeave={() => {
          setHover(null);
        }}
      />
      <div className="axis-label axis-label-x">{xKey}</div>
      {hover ? (
        <div
          className="chart-tooltip"
          role="tooltip"
          style={hover.px > width / 2 ? { right: width - hover.px + 10, top: hover.py } : { left: hover.px + 10, top: hover.py }}
        >
          <div className="chart-tooltip-row">
            <span className="swatch" style={{ background: hover.run.color }} />
            <span className="chart-tooltip-name">{hover.run.name}</span>
          </div>
          <div className="chart-tooltip-row">
            {xKey}: {formatNumber(hover.x)}
          </div>
          <div className="chart-tooltip-row">
            {yKey}: {formatNumber(hover.y)}
          </div>
        </div>
      ) : null}
    </div>
  );
}
