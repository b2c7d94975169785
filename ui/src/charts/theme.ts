/** Chart colours come from the page's CSS variables, read when a chart is drawn; charts redraw
 * when `<html data-theme>` changes. */

import { useSyncExternalStore } from "react";

function subscribe(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => {
    observer.disconnect();
  };
}

const read = () => document.documentElement.dataset.theme ?? "light";

/** The current theme name; components using it re-render when it changes. */
export function useTheme(): string {
  return useSyncExternalStore(subscribe, read, () => "light");
}

export interface ChartColors {
  fg: string;
  fgSoft: string;
  grid: string;
  border: string;
  bg: string;
  accent: string;
}

export function chartColors(): ChartColors {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    fg: v("--fg", "#1b1f24"),
    fgSoft: v("--fg-soft", "#5b6470"),
    grid: v("--grid", "rgba(0,0,0,0.08)"),
    border: v("--border", "#d8dce2"),
    bg: v("--bg", "#ffffff"),
    accent: v("--accent", "#2563eb"),
  };
}

/** A number in at most ~5 significant digits, compact for large and tiny magnitudes. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e6 || a < 1e-4) return v.toExponential(2).replace("e+", "e");
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(5)));
}

/** Seconds as a short duration: 45s, 3m20s, 2h05m, 3d4h. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? "−" : "";
  if (Math.abs(seconds) < 10) return `${sign}${Number(Math.abs(seconds).toPrecision(2))}s`;
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${sign}${s}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m${s % 60 ? `${String(s % 60).padStart(2, "0")}s` : ""}`;
  if (s < 86400) {
    const m = Math.floor((s % 3600) / 60);
    return `${sign}${Math.floor(s / 3600)}h${m ? String(m).padStart(2, "0") + "m" : ""}`;
  }
  const h = Math.floor((s % 86400) / 3600);
  return `${sign}${Math.floor(s / 86400)}d${h ? `${h}h` : ""}`;
}

export function formatX(v: number, xAxis: string): string {
  if (xAxis === "time") return new Date(v * 1000).toLocaleString();
  if (xAxis === "relative") return formatDuration(v);
  return formatNumber(v);
}
