/** Point clouds as W&B logs them (`pts.json`): a list of points with 3 (x y z), 4 (x y z category)
 * or 6 (x y z r g b, 0–255) numbers, or the `lidar/beta` dict `{points, boxes}` whose boxes have 8
 * `corners`, a `label` and an rgb `color`. Shaped here into flat arrays three.js draws as-is. */

import { PALETTE } from "../../lib/colors";

export interface Cloud {
  /** x y z per point */
  positions: Float32Array;
  /** r g b in [0, 1] per point */
  colors: Float32Array;
  count: number;
  /** box edges as line segments: two x y z per edge, 12 edges a box */
  boxLines: Float32Array;
  boxColors: Float32Array;
  boxes: { label: string; color: string }[];
  center: [number, number, number];
  radius: number;
}

export class CloudError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CloudError";
  }
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : NaN);

type Vec = [number, number, number];
const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const near = (a: Vec, b: Vec, tol: number) => Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) <= tol;

/** The 12 edges of a box given its 8 corners in any order: the three edge vectors from corner 0
 * are the triple whose subset sums give the other seven corners; corners one vector apart form an
 * edge. Null when the corners are not a parallelepiped. */
export function boxEdges(corners: readonly Vec[]): [number, number][] | null {
  const [origin] = corners;
  if (corners.length !== 8 || !origin) return null;
  const v = corners.slice(1).map((c) => sub(c, origin));
  const scale = Math.max(...v.map((d) => Math.abs(d[0]) + Math.abs(d[1]) + Math.abs(d[2])), 1e-12);
  const tol = scale * 1e-4;
  for (let a = 0; a < 7; a++) {
    for (let b = a + 1; b < 7; b++) {
      for (let c = b + 1; c < 7; c++) {
        const e = [v[a], v[b], v[c]] as Vec[];
        const masks = new Array<number>(8).fill(-1);
        masks[0] = 0;
        let ok = true;
        for (let k = 0; k < 7 && ok; k++) {
          const target = v[k] as Vec;
          let found = -1;
          for (let m = 1; m < 8; m++) {
            const s: Vec = [0, 0, 0];
            for (let bit = 0; bit < 3; bit++) {
              const ev = e[bit];
              if (m & (1 << bit) && ev) {
                s[0] += ev[0];
                s[1] += ev[1];
                s[2] += ev[2];
              }
            }
            if (near(s, target, tol)) found = m;
          }
          if (found < 0 || masks.includes(found)) ok = false;
          else masks[k + 1] = found;
        }
        if (!ok) continue;
        const edges: [number, number][] = [];
        for (let i = 0; i < 8; i++) {
          for (let j = i + 1; j < 8; j++) {
            const x = (masks[i] ?? 0) ^ (masks[j] ?? 0);
            if (x === 1 || x === 2 || x === 4) edges.push([i, j]);
          }
        }
        return edges;
      }
    }
  }
  return null;
}

function rgbOf(value: unknown, fallback: [number, number, number]): [number, number, number] {
  if (Array.isArray(value) && value.length >= 3) {
    const [r, g, b] = value.map((c) => num(c) / 255);
    if (r !== undefined && g !== undefined && b !== undefined && [r, g, b].every(Number.isFinite)) return [r, g, b];
  }
  return fallback;
}

/** Parse a pts.json document; CloudError names what is wrong. */
export function parseCloud(doc: unknown): Cloud {
  let points: unknown = doc;
  let boxes: unknown = [];
  if (typeof doc === "object" && doc !== null && !Array.isArray(doc)) {
    const d = doc as Record<string, unknown>;
    points = d.points;
    boxes = d.boxes ?? [];
  }
  if (!Array.isArray(points)) throw new CloudError("the file holds no list of points");
  const count = points.length;
  const positions = new Float32Array(count * 3);
  const colors = new Float32Array(count * 3);
  const accent = hexToRgb(PALETTE[0] ?? "#1f77b4");
  const categories = PALETTE.map(hexToRgb);
  let width = 0;
  const lo: Vec = [Infinity, Infinity, Infinity];
  const hi: Vec = [-Infinity, -Infinity, -Infinity];
  points.forEach((p: unknown, i) => {
    if (!Array.isArray(p) || (p.length !== 3 && p.length !== 4 && p.length !== 6)) {
      throw new CloudError(`point ${i} has ${Array.isArray(p) ? p.length : "no"} numbers (expected 3, 4 or 6)`);
    }
    if (width === 0) width = p.length;
    for (let k = 0; k < 3; k++) {
      const v = num(p[k]);
      positions[i * 3 + k] = v;
      if (Number.isFinite(v)) {
        lo[k] = Math.min(lo[k] ?? v, v);
        hi[k] = Math.max(hi[k] ?? v, v);
      }
    }
    let rgb = accent;
    if (p.length === 4) {
      const c = Math.abs(Math.round(num(p[3])));
      rgb = categories[(Number.isFinite(c) ? c : 0) % categories.length] ?? accent;
    } else if (p.length === 6) {
      rgb = rgbOf(p.slice(3), accent);
    }
    colors.set(rgb, i * 3);
  });
  const lines: number[] = [];
  const lineColors: number[] = [];
  const boxInfo: { label: string; color: string }[] = [];
  if (Array.isArray(boxes)) {
    boxes.forEach((box: unknown, b) => {
      const bx = (typeof box === "object" && box !== null ? box : {}) as Record<string, unknown>;
      const corners = Array.isArray(bx.corners) ? (bx.corners as unknown[]).map((c): Vec => (Array.isArray(c) ? [num(c[0]), num(c[1]), num(c[2])] : [NaN, NaN, NaN])) : [];
      if (corners.length !== 8 || corners.some((c) => !c.every(Number.isFinite))) {
        throw new CloudError(`box ${b} needs 8 corners of 3 numbers each`);
      }
      const edges = boxEdges(corners);
      if (!edges) throw new CloudError(`box ${b}'s corners are not the corners of a box`);
      const rgb = rgbOf(bx.color, [1, 0.3, 0.2]);
      for (const [i, j] of edges) {
        lines.push(...(corners[i] ?? []), ...(corners[j] ?? []));
        lineColors.push(...rgb, ...rgb);
      }
      for (const c of corners) {
        for (let k = 0; k < 3; k++) {
          lo[k] = Math.min(lo[k] ?? 0, c[k] ?? 0);
          hi[k] = Math.max(hi[k] ?? 0, c[k] ?? 0);
        }
      }
      const hex = `#${rgb.map((c) => Math.round(c * 255).toString(16).padStart(2, "0")).join("")}`;
      boxInfo.push({ label: typeof bx.label === "string" ? bx.label : `box ${b}`, color: hex });
    });
  }
  const empty = !Number.isFinite(lo[0]);
  const center: Vec = empty ? [0, 0, 0] : [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
  const radius = empty ? 1 : Math.max(1e-6, Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2);
  return {
    positions,
    colors,
    count,
    boxLines: new Float32Array(lines),
    boxColors: new Float32Array(lineColors),
    boxes: boxInfo,
    center,
    radius,
  };
}
