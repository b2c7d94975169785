/** Prefetch the images of the steps next to the one shown, so that ← / → show a picture the
 * browser already has (loaded and decoded) instead of asking the server on the key press.
 * Bounded: AHEAD steps after and BEHIND steps before the shown one, per run, and at most
 * MAX_HELD images held at once (the oldest let go first); a gallery prefetches its first
 * GALLERY_IMAGES images only. */

import { useEffect } from "react";
import { valueAt } from "./steps";
import type { ValueRow } from "./api";

export const AHEAD = 3;
export const BEHIND = 1;
const GALLERY_IMAGES = 4;
const MAX_HELD = 48;

/** The values logged next to `step`: up to `ahead` after it (nearest first), then up to
 * `behind` before the value shown at it. `values` are in step order (one window, or several
 * concatenated). */
export function neighbours<T extends { step: number }>(values: readonly T[], step: number, ahead = AHEAD, behind = BEHIND): T[] {
  const shown = valueAt(values, step);
  const at = shown === null ? -1 : values.indexOf(shown);
  const out: T[] = [];
  for (let i = at + 1; i < values.length && out.length < ahead; i++) out.push(values[i] as T);
  for (let i = at - 1, n = 0; i >= 0 && n < behind; i--, n++) out.push(values[i] as T);
  return out;
}

// url -> the Image keeping it in the browser's memory cache; insertion order = age
const held = new Map<string, HTMLImageElement>();

function hold(url: string): void {
  if (held.has(url)) return;
  const img = new Image();
  img.decoding = "async";
  img.src = url;
  // decoded ahead of time: the panel's <img> then paints on its first frame
  img.decode().catch(() => undefined);
  held.set(url, img);
  while (held.size > MAX_HELD) {
    const oldest = held.keys().next().value;
    if (oldest === undefined) break;
    held.delete(oldest);
  }
}

/** Keep the images of each run's neighbouring steps loaded; `urlsOf` maps a value to its image
 * URLs. Does nothing until `enabled` (the panel is on screen and shows its step). */
export function usePrefetchNeighbours(
  runs: readonly { values: readonly ValueRow[] }[],
  step: number | null,
  urlsOf: (runIndex: number, row: ValueRow) => string[],
  enabled: boolean,
): void {
  const urls: string[] = [];
  if (enabled && step !== null) {
    runs.forEach((r, i) => {
      for (const row of neighbours(r.values, step)) urls.push(...urlsOf(i, row).slice(0, GALLERY_IMAGES));
    });
  }
  const urlsKey = urls.join(" ");
  useEffect(() => {
    if (!urlsKey) return;
    // after the shown step's own images had their turn: the prefetch never delays them
    const timer = window.setTimeout(() => {
      for (const url of urlsKey.split(" ")) hold(url);
    }, 0);
    return () => {
      window.clearTimeout(timer);
    };
  }, [urlsKey]);
}
