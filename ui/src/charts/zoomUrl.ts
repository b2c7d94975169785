/** The charts' x zoom in the URL: one range for every line panel on the same x axis
 * (`?xaxis=step&xmin=1200&xmax=3400`), so a reload or a shared link shows the same stretch. */

import { createContext, useContext } from "react";

export interface Zoom {
  min: number;
  max: number;
}

/** A zoom and the x axis it was made on (`step`, `time`, `relative` or a metric key). */
export interface AxisZoom extends Zoom {
  axis: string;
}

const AXIS = "xaxis";
const MIN = "xmin";
const MAX = "xmax";
/** Digits kept: the range is written to 1/100,000 of its width (a pixel is ~1/1,000). */
const RESOLUTION = 1e5;

/** A number short enough for an address, exact to 1/100,000 of `span`. */
export function roundForUrl(value: number, span: number): string {
  const step = span / RESOLUTION;
  const digits = step > 0 && Number.isFinite(step) ? Math.max(0, Math.min(15, -Math.floor(Math.log10(step)))) : 6;
  return String(Number(value.toFixed(digits)));
}

/** The zoom the address carries, or null (none, or not a valid range). */
export function readZoom(params: URLSearchParams): AxisZoom | null {
  const rawMin = params.get(MIN);
  const rawMax = params.get(MAX);
  if (rawMin === null || rawMax === null || rawMin.trim() === "" || rawMax.trim() === "") return null;
  const min = Number(rawMin);
  const max = Number(rawMax);
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return null;
  const axis = params.get(AXIS) || "step";
  return { axis, min, max };
}

/** The address's parameters with `zoom` written in (or removed, for null); others are kept. */
export function writeZoom(params: URLSearchParams, zoom: AxisZoom | null): URLSearchParams {
  const next = new URLSearchParams(params);
  if (zoom === null || !Number.isFinite(zoom.min) || !Number.isFinite(zoom.max) || !(zoom.max > zoom.min)) {
    next.delete(AXIS);
    next.delete(MIN);
    next.delete(MAX);
    return next;
  }
  const span = zoom.max - zoom.min;
  let min = roundForUrl(zoom.min, span);
  let max = roundForUrl(zoom.max, span);
  if (!(Number(max) > Number(min))) {
    min = String(zoom.min);
    max = String(zoom.max);
  }
  next.set(AXIS, zoom.axis);
  next.set(MIN, min);
  next.set(MAX, max);
  return next;
}

/** The range a panel on x axis `axis` shows: the board's zoom if it was made on that axis. */
export function zoomFor(zoom: AxisZoom | null, axis: string): Zoom | null {
  return zoom !== null && zoom.axis === axis ? { min: zoom.min, max: zoom.max } : null;
}

export interface ZoomContextValue {
  zoom: AxisZoom | null;
  setZoom: (zoom: AxisZoom | null) => void;
}

/** The board's zoom, shared by its line panels. */
export const ZoomContext = createContext<ZoomContextValue>({ zoom: null, setZoom: () => undefined });

export function useBoardZoom(): ZoomContextValue {
  return useContext(ZoomContext);
}
