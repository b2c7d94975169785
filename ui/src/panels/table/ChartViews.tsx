/** The drawings of the chart panel: a confusion-matrix heatmap and scatter/bar plots on canvas,
 * PR/ROC/line curves with uPlot. Each calls `onDrawn` once it has painted. */

import { useEffect, useRef } from "react";
import uPlot from "uplot";
import { drawFrame, drawXAxis, drawYAxis, padRange, setupCanvas } from "../../charts/canvasPlot";
import { chartColors, formatNumber, useTheme } from "../../charts/theme";
import { useLatest } from "./useLatest";
import { heat, type Bar, type Curves, type Matrix, type ScatterPoint } from "./chartData";

interface Size {
  width: number;
  height: number;
  onDrawn: () => void;
}

function clip(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > max) t = t.slice(0, -1);
  return `${t}…`;
}

/** Rows are the actual class, columns the predicted one; each cell shows its count. */
export function ConfusionMatrixView({ matrix, width, height, onDrawn }: Size & { matrix: Matrix }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const drawn = useLatest(onDrawn);
  useEffect(() => {
    const el = canvas.current;
    if (!el || width <= 0) return;
    const k = matrix.classes.length;
    const left = 90;
    const top = 8;
    const bottom = 58;
    const f = setupCanvas(el, width, height, { left, top, right: 10, bottom });
    if (!f) return;
    const { ctx, colors } = f;
    const cell = Math.max(4, Math.min((f.right - f.left) / k, (f.bottom - f.top) / k));
    const accent = colors.accent;
    ctx.font = "11px system-ui, sans-serif";
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const count = matrix.counts[i]?.[j] ?? 0;
        const x = f.left + j * cell;
        const y = f.top + i * cell;
        ctx.globalAlpha = heat(count, matrix.max);
        ctx.fillStyle = accent;
        ctx.fillRect(x, y, cell, cell);
        ctx.globalAlpha = 1;
        ctx.strokeStyle = colors.grid;
        ctx.strokeRect(x + 0.5, y + 0.5, cell, cell);
        if (cell >= 18) {
          ctx.fillStyle = heat(count, matrix.max) > 0.55 ? colors.bg : colors.fg;
          ctx.textAlign = "center";
          ctx.textBaseline = "middle";
          ctx.fillText(clip(ctx, formatNumber(count), cell - 4), x + cell / 2, y + cell / 2);
        }
      }
    }
    ctx.fillStyle = colors.fgSoft;
    const labelEvery = Math.max(1, Math.ceil(12 / cell));
    matrix.classes.forEach((name, i) => {
      if (i % labelEvery !== 0) return;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(clip(ctx, name, left - 8), left - 4, f.top + i * cell + cell / 2);
      ctx.save();
      ctx.translate(f.left + i * cell + cell / 2, f.top + k * cell + 4);
      ctx.rotate(-Math.PI / 4);
      ctx.textAlign = "right";
      ctx.fillText(clip(ctx, name, bottom - 14), 0, 0);
      ctx.restore();
    });
    ctx.fillStyle = colors.fg;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText("Predicted", f.left + (k * cell) / 2, height - 2);
    ctx.save();
    ctx.translate(10, f.top + (k * cell) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "top";
    ctx.fillText("Actual", 0, -6);
    ctx.restore();
    drawn.current();
  }, [matrix, width, height, theme, drawn]);
  // the canvas for the eye, the same counts as a table for screen readers (and tests)
  return (
    <>
      <canvas
        ref={canvas}
        role="img"
        aria-label={`Confusion matrix of ${matrix.classes.length} classes, ${formatNumber(matrix.total)} predictions: rows actual, columns predicted`}
      />
      <table className="tp-sr-only">
        <caption>Confusion matrix: rows actual, columns predicted</caption>
        <thead>
          <tr>
            <th scope="col">actual \ predicted</th>
            {matrix.classes.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.classes.map((name, i) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              {matrix.classes.map((other, j) => (
                <td key={other}>{matrix.counts[i]?.[j] ?? 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** PR, ROC and line curves: one uPlot series per class (or stroke), each through its own points. */
export function CurvesView({ data, xLabel, yLabel, unitSquare, width, height, onDrawn }: Size & { data: Curves; xLabel: string; yLabel: string; unitSquare: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const drawn = useLatest(onDrawn);
  useEffect(() => {
    const el = box.current;
    if (!el || width <= 0) return;
    const colors = chartColors();
    const axis = (label: string): uPlot.Axis => ({
      label,
      labelSize: 16,
      labelFont: "11px system-ui, sans-serif",
      stroke: colors.fgSoft,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1 },
      font: "11px system-ui, sans-serif",
      values: (_u: uPlot, splits: number[]) => splits.map((v) => formatNumber(v)),
    });
    const fixed = (_u: uPlot, lo: number, hi: number): uPlot.Range.MinMax => (unitSquare ? [0, 1] : uPlot.rangeNum(lo, hi, 0.05, true));
    const chart = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: fixed }, y: { range: fixed } },
        axes: [axis(xLabel), axis(yLabel)],
        series: [{}, ...data.series.map((s) => ({ label: s.name, stroke: s.color, width: 1.5, spanGaps: true, points: { show: false } }))],
        hooks: { draw: [() => { drawn.current(); }] },
      },
      [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => {
      chart.destroy();
    };
  }, [data, xLabel, yLabel, unitSquare, width, height, theme, drawn]);
  return <div ref={box} role="img" aria-label={`${yLabel} against ${xLabel}, ${data.series.length} ${data.series.length === 1 ? "series" : "series"}`} />;
}

export function ScatterView({ points, xLabel, yLabel, width, height, onDrawn }: Size & { points: ScatterPoint[]; xLabel: string; yLabel: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const drawn = useLatest(onDrawn);
  useEffect(() => {
    const el = canvas.current;
    if (!el || width <= 0) return;
    const f = setupCanvas(el, width, height);
    if (!f) return;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const p of points) {
      x0 = Math.min(x0, p.x);
      x1 = Math.max(x1, p.x);
      y0 = Math.min(y0, p.y);
      y1 = Math.max(y1, p.y);
    }
    [x0, x1] = padRange(x0, x1);
    [y0, y1] = padRange(y0, y1);
    const sx = (v: number) => f.left + ((v - x0) / (x1 - x0)) * (f.right - f.left);
    const sy = (v: number) => f.bottom - ((v - y0) / (y1 - y0)) * (f.bottom - f.top);
    drawYAxis(f, y0, y1, sy);
    drawXAxis(f, x0, x1, sx);
    drawFrame(f);
    const r = points.length > 2000 ? 1.5 : 3;
    for (const p of points) {
      f.ctx.fillStyle = p.color;
      f.ctx.beginPath();
      f.ctx.arc(sx(p.x), sy(p.y), r, 0, Math.PI * 2);
      f.ctx.fill();
    }
    drawn.current();
  }, [points, width, height, theme, drawn]);
  return <canvas ref={canvas} role="img" aria-label={`${yLabel} against ${xLabel}, ${points.length} points`} />;
}

const BAR_ROW = 18;
const BAR_LABEL = 120;

export function BarsView({ data, valueLabel, width, height, onDrawn }: Size & { data: Bar[]; valueLabel: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const drawn = useLatest(onDrawn);
  const plotHeight = Math.max(height, data.length * BAR_ROW + 40);
  useEffect(() => {
    const el = canvas.current;
    if (!el || width <= 0) return;
    const f = setupCanvas(el, width, plotHeight, { left: BAR_LABEL, top: 8, right: 14, bottom: 28 });
    if (!f) return;
    const lo = Math.min(0, ...data.map((b) => b.value));
    const hi = Math.max(0, ...data.map((b) => b.value));
    const [x0, x1] = lo === hi ? padRange(lo, hi) : [lo, hi + (hi - lo) * 0.04];
    const sx = (v: number) => f.left + ((v - x0) / (x1 - x0)) * (f.right - f.left);
    drawXAxis(f, x0, x1, sx);
    drawFrame(f);
    const { ctx } = f;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    data.forEach((b, i) => {
      const y = 12 + i * BAR_ROW;
      const a = sx(Math.min(0, b.value));
      const z = sx(Math.max(0, b.value));
      ctx.fillStyle = f.colors.accent;
      ctx.fillRect(a, y, Math.max(1, z - a), BAR_ROW - 5);
      ctx.fillStyle = f.colors.fg;
      ctx.textAlign = "right";
      ctx.fillText(clip(ctx, b.label, BAR_LABEL - 10), BAR_LABEL - 6, y + (BAR_ROW - 5) / 2);
    });
    drawn.current();
  }, [data, width, plotHeight, theme, drawn]);
  return (
    <div className="canvas-scroll" style={{ maxHeight: height, overflowY: "auto" }}>
      <canvas ref={canvas} role="img" aria-label={`${valueLabel} for ${data.length} labels`} />
    </div>
  );
}
