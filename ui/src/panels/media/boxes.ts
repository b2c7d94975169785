/** Bounding boxes in W&B's `boxes2D` file shape: parsing, conversion to the drawn image's pixels,
 * class and score filtering, and the class list a panel offers toggles for. */

import type { ImageValue } from "./values";

export interface Box {
  /** left, top, width, height in the image's own pixels */
  x: number;
  y: number;
  w: number;
  h: number;
  classId: number;
  caption: string | null;
  scores: Record<string, number>;
}

export interface BoxesFile {
  boxes: Box[];
  classLabels: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** One box position in the image's pixels: `middle/width/height` or `minX..maxY`, relative ([0, 1]
 * of the image) unless `domain` is "pixel". Null when the position is malformed. */
export function toPixels(position: unknown, domain: unknown, imageWidth: number, imageHeight: number): Omit<Box, "classId" | "caption" | "scores"> | null {
  if (!isObject(position)) return null;
  const sx = domain === "pixel" ? 1 : imageWidth;
  const sy = domain === "pixel" ? 1 : imageHeight;
  const { middle, width, height, minX, maxX, minY, maxY } = position;
  if (Array.isArray(middle) && finite(middle[0]) && finite(middle[1]) && finite(width) && finite(height)) {
    return { x: (middle[0] - width / 2) * sx, y: (middle[1] - height / 2) * sy, w: width * sx, h: height * sy };
  }
  if (finite(minX) && finite(maxX) && finite(minY) && finite(maxY)) {
    return { x: minX * sx, y: minY * sy, w: (maxX - minX) * sx, h: (maxY - minY) * sy };
  }
  return null;
}

/** A boxes file (`{box_data, class_labels}`) for an image of the given size; malformed boxes are
 * left out. */
export function parseBoxes(json: unknown, imageWidth: number, imageHeight: number): BoxesFile {
  const out: BoxesFile = { boxes: [], classLabels: {} };
  if (!isObject(json)) return out;
  if (isObject(json.class_labels)) {
    for (const [id, name] of Object.entries(json.class_labels)) out.classLabels[id] = String(name);
  }
  const data = Array.isArray(json.box_data) ? json.box_data : [];
  for (const item of data) {
    if (!isObject(item)) continue;
    const rect = toPixels(item.position, item.domain, imageWidth, imageHeight);
    if (!rect) continue;
    const scores: Record<string, number> = {};
    if (isObject(item.scores)) {
      for (const [name, score] of Object.entries(item.scores)) if (finite(score)) scores[name] = score;
    }
    out.boxes.push({
      ...rect,
      classId: finite(item.class_id) ? item.class_id : -1,
      caption: typeof item.box_caption === "string" ? item.box_caption : null,
      scores,
    });
  }
  return out;
}

export interface BoxFilter {
  hiddenClasses: ReadonlySet<string>;
  scoreName: string | null;
  scoreMin: number;
}

/** The boxes to draw: classes not hidden, and (with a score name) a score at or above the
 * threshold; a box without that score is kept (the threshold says nothing about it). */
export function visibleBoxes(boxes: readonly Box[], filter: BoxFilter): Box[] {
  return boxes.filter((b) => {
    if (filter.hiddenClasses.has(String(b.classId))) return false;
    if (filter.scoreName === null) return true;
    const score = b.scores[filter.scoreName];
    return score === undefined || score >= filter.scoreMin;
  });
}

/** The score names the boxes carry, sorted. */
export function scoreNames(files: readonly BoxesFile[]): string[] {
  const names = new Set<string>();
  for (const f of files) for (const b of f.boxes) for (const n of Object.keys(b.scores)) names.add(n);
  return [...names].sort();
}

/** The lowest and highest value of one score over the boxes, or null when none has it. */
export function scoreRange(files: readonly BoxesFile[], name: string): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const f of files) {
    for (const b of f.boxes) {
      const s = b.scores[name];
      if (s === undefined) continue;
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

export interface ClassLabel {
  id: string;
  name: string;
}

/** The classes of the shown images (their `classes`, boxes' and masks' class labels, and the
 * loaded boxes files' labels), by id; the first name seen for an id wins. */
export function classLabels(images: readonly ImageValue[], files: readonly BoxesFile[] = []): ClassLabel[] {
  const byId = new Map<string, string>();
  const add = (id: string, name: string) => {
    if (!byId.has(id)) byId.set(id, name);
  };
  for (const image of images) {
    for (const c of image.classes ?? []) add(String(c.id), c.name);
    for (const ref of Object.values(image.boxes ?? {})) for (const [id, name] of Object.entries(ref.class_labels ?? {})) add(id, name);
    for (const ref of Object.values(image.masks ?? {})) for (const [id, name] of Object.entries(ref.class_labels ?? {})) add(id, name);
  }
  for (const f of files) for (const [id, name] of Object.entries(f.classLabels)) add(id, name);
  return [...byId.entries()].map(([id, name]) => ({ id, name })).sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id));
}

const PALETTE = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255],
  [170, 110, 40], [255, 250, 200], [128, 0, 0], [170, 255, 195], [128, 128, 0], [255, 215, 180],
  [0, 0, 128], [128, 128, 128],
] as const;

/** A class's colour as [r, g, b]: the same id gets the same colour in every image and panel. */
export function classRgb(id: number): readonly [number, number, number] {
  const i = ((id % PALETTE.length) + PALETTE.length) % PALETTE.length;
  return PALETTE[i] as readonly [number, number, number];
}

export function classColor(id: number, alpha = 1): string {
  const [r, g, b] = classRgb(id);
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Colour a mask's class ids (the red channel of the decoded PNG, RGBA) in place: each pixel
 * gets its class colour at `alpha` (0–255), hidden classes and class 0 (background) clear. */
export function colorMask(rgba: Uint8ClampedArray, hidden: ReadonlySet<string>, alpha: number): void {
  const a = Math.round(Math.min(255, Math.max(0, alpha)));
  for (let i = 0; i < rgba.length; i += 4) {
    const id = rgba[i] as number;
    if (id === 0 || hidden.has(String(id))) {
      rgba[i + 3] = 0;
      continue;
    }
    const [r, g, b] = classRgb(id);
    rgba[i] = r;
    rgba[i + 1] = g;
    rgba[i + 2] = b;
    rgba[i + 3] = a;
  }
}
