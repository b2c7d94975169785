/** Which steps to load for a step slider: a key's values are read in windows of about
 * VALUES_PER_WINDOW values (a window is a step range sized from the key's step span and count),
 * so a panel stepping through thousands of steps loads one small page of references at a time
 * and only the images of the chosen step. */

export const VALUES_PER_WINDOW = 32;

/** What the run's `keys` answer says about one media key. */
export interface StepRange {
  step_min: number;
  step_max: number;
  count: number;
}

export interface StepWindow {
  index: number;
  /** first and last step of the window (inclusive) */
  lo: number;
  hi: number;
}

/** Steps per window: the mean stride between logged steps times VALUES_PER_WINDOW. */
export function windowSpan(range: StepRange, perWindow: number = VALUES_PER_WINDOW): number {
  const span = range.step_max - range.step_min + 1;
  const stride = Math.max(1, Math.ceil(span / Math.max(1, range.count)));
  return stride * perWindow;
}

/** The window holding `step` (clamped into the key's range). */
export function windowOf(range: StepRange, step: number, perWindow: number = VALUES_PER_WINDOW): StepWindow {
  const span = windowSpan(range, perWindow);
  const s = Math.min(range.step_max, Math.max(range.step_min, step));
  const index = Math.floor((s - range.step_min) / span);
  const lo = range.step_min + index * span;
  return { index, lo, hi: Math.min(range.step_max, lo + span - 1) };
}

/** The window before `w`, or null for the first. */
export function previousWindow(range: StepRange, w: StepWindow, perWindow: number = VALUES_PER_WINDOW): StepWindow | null {
  return w.index === 0 ? null : windowOf(range, w.lo - 1, perWindow);
}

/** The window after `w`, or null for the last. */
export function nextWindow(range: StepRange, w: StepWindow, perWindow: number = VALUES_PER_WINDOW): StepWindow | null {
  return w.hi >= range.step_max ? null : windowOf(range, w.hi + 1, perWindow);
}

/** The value shown at `step`: the last one logged at or before it (values in step order); null
 * when the run has none yet. */
export function valueAt<T extends { step: number }>(values: readonly T[], step: number): T | null {
  let lo = 0;
  let hi = values.length - 1;
  let found: T | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = values[mid] as T;
    if (v.step <= step) {
      found = v;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The union of several runs' step ranges (the slider's bounds), or null when none. */
export function unionRange(ranges: readonly (StepRange | null | undefined)[]): { lo: number; hi: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of ranges) {
    if (!r || r.count <= 0) continue;
    lo = Math.min(lo, r.step_min);
    hi = Math.max(hi, r.step_max);
  }
  return lo <= hi ? { lo, hi } : null;
}

/** The step ← or → moves to from `step`: the nearest known step in that direction, but never past
 * `edge` (just past the loaded windows going right, just before them going left: what lies beyond
 * is not known yet, so the move stops there and loads it), clamped to [lo, hi]. */
export function stepMove(
  known: readonly number[],
  step: number,
  direction: 1 | -1,
  bounds: { lo: number; hi: number },
  edge: number | null,
): number {
  let best: number | null = null;
  for (const s of known) {
    if (direction > 0 ? s > step && (best === null || s < best) : s < step && (best === null || s > best)) best = s;
  }
  let target: number;
  if (best === null) target = edge ?? step + direction;
  else if (edge === null) target = best;
  else target = direction > 0 ? Math.min(best, edge) : Math.max(best, edge);
  return Math.min(bounds.hi, Math.max(bounds.lo, target));
}
