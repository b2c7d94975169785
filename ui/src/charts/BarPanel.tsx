/** One horizontal bar per run for a summary (or config) key; hover shows the run and value. */

import { useEffect, useMemo, useRef, useState } from "react";
import type { ChartRun } from "./chartRun";
import { drawFrame, drawXAxis, padRange, setupCanvas } from "./canvasPlot";
import { runValue, toNumber } from "./layout";
import type { PanelState } from "../panels/types";
import { formatNumber, useTheme } from "./theme";

interface Props {
  runs: ChartRun[];
  valueKey: string;
  width: number;
  height: number;
  onState: (state: PanelState, mode: null) => void;
}

const ROW = 18;
const LABEL_WIDTH = 130;

function clip(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > max) t = t.slice(0, -1);
  return `${t}…`;
}

export function BarPanel({ runs, valueKey, width, height, onState }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  const [hover, setHover] = useState<number | null>(null);
  const bars = useMemo(
    () =>
      runs
        .map((run) => ({ run, value: toNumber(runValue(run, valueKey)) }))
        .filter((b): b is { run: ChartRun; value: number } => b.value !== null && Number.isFinite(b.value)),
    [runs, valueKey],
  );
  const plotHeight = Math.max(height, bars.length * ROW + 40);
  const top = 8;

  useEffect(() => {
    const el = canvas.current;
    if (!el || width <= 0 || bars.length === 0) return;
    const f = setupCanvas(el, width, plotHeight, { left: LABEL_WIDTH, top, right: 14, bottom: 28 });
    if (!f) return;
    const lo = Math.min(0, ...bars.map((b) => b.value));
    const hi = Math.max(0, ...bars.map((b) => b.value));
    const [x0, x1] = lo === hi ? padRange(lo, hi) : [lo, hi + (hi - lo) * 0.04];
    const sx = (v: number) => f.left + ((v - x0) / (x1 - x0)) * (f.right - f.left);
    drawXAxis(f, x0, x1, sx);
    drawFrame(f);
    const { ctx } = f;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    bars.forEach((b, i) => {
      const y = top + 4 + i * ROW;
      const a = sx(Math.min(0, b.value));
      const z = sx(Math.max(0, b.value));
      ctx.fillStyle = b.run.color;
      ctx.fillRect(a, y, Math.max(1, z - a), ROW - 5);
      ctx.fillStyle = f.colors.fg;
      ctx.textAlign = "right";
      ctx.fillText(clip(ctx, b.run.name, LABEL_WIDTH - 10), LABEL_WIDTH - 6, y + (ROW - 5) / 2);
    });
    onState("ready", null);
  }, [bars, width, plotHeight, theme, onState]);

  useEffect(() => {
    if (bars.length === 0) onState("empty", null);
  }, [bars.length, onState]);

  if (bars.length === 0) return <div className="panel-empty">No run has a numeric {valueKey}</div>;
  const hovered = hover === null ? undefined : bars[hover];
  return (
    <div className="canvas-panel canvas-scroll" style={{ maxHeight: height }}>
      <canvas
        ref={canvas}
        aria-label={`${valueKey} per run`}
        onMouseMove={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          const i = Math.floor((e.clientY - rect.top - top - 4) / ROW);
          setHover(i >= 0 && i < bars.length ? i : null);
        }}
        onMouseLeave={() => {
          setHover(null);
        }}
      />
      {hovered && hover !== null ? (
        <div className="chart-tooltip" role="tooltip" style={{ left: LABEL_WIDTH + 10, top: top + hover * ROW + ROW }}>
          <div className="chart-tooltip-row">
            <span className="swatch" style={{ background: hovered.run.color }} />
            <span className="chart-tooltip-name">{hovered.run.name}</span>
            <span className="chart-tooltip-value">{formatNumber(hovered.value)}</span>
          </div>
        </div>
      ) : null}
    </div>
  );
}
