/** Pan and zoom of the lineage picture: a translation then a scale. Pure functions. */

export interface View {
  x: number;
  y: number;
  k: number;
}

export const MIN_ZOOM = 0.2;
export const MAX_ZOOM = 3;

const clampZoom = (k: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));

/** The view that shows the whole picture centred in the viewport, never enlarged past 1:1. */
export function fitView(width: number, height: number, viewWidth: number, viewHeight: number): View {
  if (width <= 0 || height <= 0 || viewWidth <= 0 || viewHeight <= 0) return { x: 0, y: 0, k: 1 };
  const k = clampZoom(Math.min(1, viewWidth / width, viewHeight / height));
  return { x: (viewWidth - width * k) / 2, y: (viewHeight - height * k) / 2, k };
}

/** Zoom by `factor` keeping the picture's point under (px, py) where it is on the screen. */
export function zoomAt(view: View, factor: number, px: number, py: number): View {
  const k = clampZoom(view.k * factor);
  const ratio = k / view.k;
  return { x: px - (px - view.x) * ratio, y: py - (py - view.y) * ratio, k };
}
