/** A small canvas plotter for the scatter and bar panels: nice ticks, axes, theme colours. */

import { chartColors, formatNumber, type ChartColors } from "./theme";

export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm >= 5 ? 10 : norm >= 2 ? 5 : norm >= 1 ? 2 : 1) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export function padRange(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

export interface Frame {
  ctx: CanvasRenderingContext2D;
  colors: ChartColors;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Size the canvas for the device pixel ratio and clear it; returns the plot frame. */
export function setupCanvas(canvas: HTMLCanvasElement, width: number, height: number, margins = { left: 56, top: 10, right: 14, bottom: 28 }): Frame | null {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return {
    ctx,
    colors: chartColors(),
    left: margins.left,
    top: margins.top,
    right: width - margins.right,
    bottom: height - margins.bottom,
  };
}

export function drawYAxis(f: Frame, lo: number, hi: number, y: (v: number) => number): void {
  const { ctx, colors } = f;
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of niceTicks(lo, hi)) {
    const py = Math.round(y(t)) + 0.5;
    ctx.strokeStyle = colors.grid;
    ctx.beginPath();
    ctx.moveTo(f.left, py);
    ctx.lineTo(f.right, py);
    ctx.stroke();
    ctx.fillStyle = colors.fgSoft;
    ctx.fillText(formatNumber(t), f.left - 6, py);
  }
}

export function drawXAxis(f: Frame, lo: number, hi: number, x: (v: number) => number): void {
  const { ctx, colors } = f;
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of niceTicks(lo, hi, Math.max(2, Math.floor((f.right - f.left) / 80)))) {
    const px = Math.round(x(t)) + 0.5;
    ctx.strokeStyle = colors.grid;
    ctx.beginPath();
    ctx.moveTo(px, f.top);
    ctx.lineTo(px, f.bottom);
    ctx.stroke();
    ctx.fillStyle = colors.fgSoft;
    ctx.fillText(formatNumber(t), px, f.bottom + 6);
  }
}

export function drawFrame(f: Frame): void {
  f.ctx.strokeStyle = f.colors.border;
  f.ctx.strokeRect(f.left + 0.5, f.top + 0.5, f.right - f.left, f.bottom - f.top);
}
