/** Which windows of the runs table to fetch, given the rows in view and how fast they move. */

/** Rows per window: the unit the table caches and asks the server for. */
export const WINDOW = 100;
/** Above this speed (rows/s) rows fly past faster than a window can be fetched: fetch nothing
 * while moving, so that the server is idle when the scroll stops. */
export const FLING_SPEED = 4000;
/** Below this speed (rows/s) the view counts as still: look one window each way. */
export const STILL_SPEED = 30;
/** How far ahead to look, in seconds of travel at the current speed (a fetch takes ~20-60 ms on
 * the server; a few in a row queue behind each other). */
export const LOOKAHEAD_S = 0.4;
/** The most windows fetched ahead of the view. */
export const MAX_AHEAD = 16;
/** Requests in flight at once (the browser opens six connections per host; the server has few
 * cores): more only queue. */
export const MAX_IN_FLIGHT = 4;

/** Rows in view, first and last index (inclusive). */
export interface Viewport {
  first: number;
  last: number;
}

export interface PlanInput {
  view: Viewport;
  /** rows per second, positive downwards; 0 when the view has stopped */
  velocity: number;
  /** rows matched; null before the first answer */
  total: number | null;
  /** windows held and fresh */
  cached: ReadonlySet<number>;
  /** windows being fetched */
  inFlight: ReadonlySet<number>;
  /** requests that may start now (MAX_IN_FLIGHT less those running) */
  slots?: number;
}

/** One request: `count` consecutive windows from window `start`. */
export interface WindowRequest {
  start: number;
  count: number;
}

export interface Plan {
  /** windows worth having, inclusive range: requests for windows outside it are cancelled */
  keep: { lo: number; hi: number };
  /** requests to start now, most urgent first */
  fetch: WindowRequest[];
  /** moving too fast to fetch along the way */
  fast: boolean;
}

/** How many windows one request may cover: bigger at speed (fewer round trips per row). */
export function mergeFor(speed: number): number {
  if (speed >= 2000) return 4;
  if (speed >= 600) return 3;
  return 2;
}

/** Windows to fetch for a view moving at `velocity`: the view's own first, then ahead in the
 * direction of travel (further the faster), then one behind. */
export function planWindows(input: PlanInput): Plan {
  const { view, velocity, total, cached, inFlight } = input;
  const slots = input.slots ?? MAX_IN_FLIGHT;
  const lastWindow = total === null ? Number.POSITIVE_INFINITY : Math.max(0, Math.ceil(total / WINDOW) - 1);
  const clamp = (w: number) => Math.max(0, Math.min(lastWindow, w));
  const v0 = clamp(Math.floor(Math.max(0, view.first) / WINDOW));
  const v1 = Math.max(v0, clamp(Math.floor(Math.max(0, view.last) / WINDOW)));
  const speed = Math.abs(velocity);
  const fast = speed > FLING_SPEED;
  if (fast) {
    // what is in flight for the rows in view may still land in time; the rest is behind us
    return { keep: { lo: clamp(v0 - 1), hi: clamp(v1 + 1) }, fetch: [], fast };
  }
  const dir = speed < STILL_SPEED ? 0 : Math.sign(velocity);
  const ahead = Math.min(MAX_AHEAD, Math.max(1, Math.ceil((speed * LOOKAHEAD_S) / WINDOW)));
  // before the total is known only the view itself is asked for
  const known = total !== null;
  const down = known ? (dir >= 0 ? ahead : 1) : 0;
  const up = known ? (dir <= 0 ? ahead : 1) : 0;
  const lo = clamp(v0 - up);
  const hi = clamp(v1 + down);

  const view_: number[] = [];
  for (let w = v0; w <= v1; w++) view_.push(w);
  const below: number[] = [];
  for (let w = v1 + 1; w <= hi; w++) below.push(w);
  const above: number[] = [];
  for (let w = v0 - 1; w >= lo; w--) above.push(w);
  const runs = dir < 0 ? [view_, above, below] : [view_, below, above];

  // until the rows in view are held, nothing else is asked for (it would only slow them down)
  const viewMissing = view_.some((w) => !cached.has(w));
  const fetch: WindowRequest[] = [];
  const merge = mergeFor(speed);
  runs.forEach((windows, i) => {
    if (i > 0 && viewMissing) return;
    // the view's windows go in one request; beyond it, `merge` windows per request
    const most = i === 0 ? windows.length : merge;
    let open: WindowRequest | null = null;
    for (const w of windows) {
      if (cached.has(w) || inFlight.has(w)) {
        open = null;
        continue;
      }
      const start = open ? Math.min(open.start, w) : w;
      if (open && open.count < most && (w === open.start + open.count || w === open.start - 1)) {
        open.start = start;
        open.count += 1;
      } else {
        open = { start: w, count: 1 };
        fetch.push(open);
      }
    }
  });

  // when still, keep what is in flight around the view (a pause between wheel steps is not a
  // reason to drop the windows asked for ahead)
  const margin = dir === 0 ? MAX_AHEAD : 1;
  return {
    keep: { lo: clamp(Math.min(lo, v0 - margin)), hi: clamp(Math.max(hi, v1 + margin)) },
    fetch: fetch.slice(0, Math.max(0, slots)),
    fast,
  };
}

/** A scroll position (in rows) at a time (ms). */
export interface Sample {
  t: number;
  row: number;
}

/** Samples older than this do not count towards the speed. */
export const VELOCITY_SPAN_MS = 100;

/** Rows per second over the recent samples (oldest first); 0 when the last one is stale. */
export function velocityOf(samples: readonly Sample[], now: number): number {
  const last = samples[samples.length - 1];
  if (!last || now - last.t > VELOCITY_SPAN_MS) return 0;
  let first: Sample = last;
  for (let i = samples.length - 2; i >= 0; i--) {
    const s = samples[i];
    if (!s || last.t - s.t > VELOCITY_SPAN_MS) break;
    first = s;
  }
  const dt = last.t - first.t;
  return dt > 0 ? ((last.row - first.row) / dt) * 1000 : 0;
}

/** Gaps longer than this between scroll events are pauses, not the cadence of a movement. */
const PAUSE_MS = 200;
/** The longest wait for a stop, in frames. */
const MAX_QUIET_FRAMES = 6;

/** Frames without a scroll event that make a stop: one when events come every frame (a trackpad
 * fling, a dragged scrollbar), more when they come every few frames (wheel steps), so that the
 * gap between two steps is not taken for a stop. */
export function quietFramesForStop(samples: readonly Sample[], frameMs: number): number {
  let gap = 0;
  for (let i = Math.max(1, samples.length - 3); i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (!a || !b) continue;
    const d = b.t - a.t;
    if (d < PAUSE_MS) gap = Math.max(gap, d);
  }
  const frames = Math.round(gap / Math.max(1, frameMs));
  return Math.max(1, Math.min(MAX_QUIET_FRAMES, frames));
}
