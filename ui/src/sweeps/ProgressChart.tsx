/** The sweep's metric against time, one dot per trial (coloured by run), with the best-so-far
 * line; hover names the run. */

import { useEffect, useMemo, useRef, useState } from "react";
import { drawFrame, drawXAxis, drawYAxis, padRange, setupCanvas } from "../charts/canvasPlot";
import { formatNumber, useTheme } from "../charts/theme";
import type { Run } from "../api/types";
import { colorFor } from "../lib/colors";
import { formatDateTime } from "../lib/format";
import { bestSoFar, trialPoints, type TrialPoint } from "./progress";

interface Props {
  runs: readonly Run[];
  metric: string;
  goal: "minimize" | "maximize";
  x: "created_at" | "finished_at";
  width: number;
  height: number;
}

export function ProgressChart({ runs, metric, goal, x, width, height }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const points = useMemo(() => trialPoints(runs, metric, x), [runs, metric, x]);
  const [placed, setPlaced] = useState<(TrialPoint & { px: number; py: number })[]>([]);
  const [hover, setHover] = useState<(TrialPoint & { px: number; py: number }) | null>(null);

  useEffect(() => {
    const el = canvas.current;
    if (!el || width <= 0 || points.length === 0) return;
    const f = setupCanvas(el, width, height);
    if (!f) return;
    const t0 = points[0]?.time ?? 0;
    const [x0, x1] = padRange(0, (points[points.length - 1]?.time ?? t0) - t0);
    const [y0, y1] = padRange(Math.min(...points.map((p) => p.value)), Math.max(...points.map((p) => p.value)));
    const sx = (s: number) => f.left + ((s - x0) / (x1 - x0)) * (f.right - f.left);
    const sy = (v: number) => f.bottom - ((v - y0) / (y1 - y0)) * (f.bottom - f.top);
    drawYAxis(f, y0, y1, sy);
    drawXAxis(f, x0, x1, sx);
    drawFrame(f);
    const best = bestSoFar(points, goal);
    f.ctx.strokeStyle = f.colors.accent;
    f.ctx.lineWidth = 2;
    f.ctx.beginPath();
    best.forEach((b, i) => {
      const px = sx(b.time - t0);
      const py = sy(b.value);
      if (i === 0) f.ctx.moveTo(px, py);
      else {
        // a step: the best holds until the next improvement
        f.ctx.lineTo(px, sy(best[i - 1]?.value ?? b.value));
        f.ctx.lineTo(px, py);
      }
    });
    f.ctx.lineTo(f.right, sy(best[best.length - 1]?.value ?? 0));
    f.ctx.stroke();
    f.ctx.lineWidth = 1;
    const out = points.map((p) => ({ ...p, px: sx(p.time - t0), py: sy(p.value) }));
    for (const p of out) {
      f.ctx.fillStyle = colorFor(p.run.id);
      f.ctx.strokeStyle = f.colors.bg;
      f.ctx.beginPath();
      f.ctx.arc(p.px, p.py, 4, 0, Math.PI * 2);
      f.ctx.fill();
      f.ctx.stroke();
    }
    setPlaced(out);
  }, [points, goal, width, height, theme]);

  if (points.length === 0) return <div className="panel-empty">No trial has reported {metric} yet</div>;
  return (
    <div className="canvas-panel">
      <canvas
        ref={canvas}
        data-points={points.length}
        aria-label={`${metric} of each trial against time since the first, with the best so far`}
        onMouseMove={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          const mx = e.clientX - rect.left;
          const my = e.clientY - rect.top;
          let best: (typeof placed)[number] | null = null;
          let bestD = 100;
          for (const p of placed) {
            const d = (p.px - mx) ** 2 + (p.py - my) ** 2;
            if (d < bestD) {
              best = p;
              bestD = d;
            }
          }
          setHover(best);
        }}
        onMouseLeave={() => { setHover(null); }}
      />
      <div className="axis-label axis-label-x">seconds since the first trial ({x === "created_at" ? "started" : "finished"})</div>
      {hover ? (
        <div className="chart-tooltip" role="tooltip" style={hover.px > width / 2 ? { right: width - hover.px + 10, top: hover.py } : { left: hover.px + 10, top: hover.py }}>
          <div className="chart-tooltip-row"><span className="chart-tooltip-name">{hover.run.name}</span></div>
          <div className="chart-tooltip-row">{metric}: {formatNumber(hover.value)}</div>
          <div className="chart-tooltip-row">{formatDateTime(hover.time)}</div>
        </div>
      ) : null}
    </div>
  );
}
