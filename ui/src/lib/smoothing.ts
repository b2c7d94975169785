/** Exponential moving average smoothing, exactly as TensorBoard's scalar charts do it.
 *
 * `last = last * w + (1 - w) * value`, divided by the debias factor `1 - w^n` (n = finite values
 * seen so far), so the first points are not pulled toward zero. Non-finite values (NaN, ±inf)
 * are passed through unchanged and do not touch the running average; a constant series is
 * returned as is (TensorBoard #786: float error would otherwise wiggle a flat line).
 */
export function smoothEma(values: ArrayLike<number>, weight: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const w = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 1);
  let constant = true;
  const first = n > 0 ? (values[0] as number) : 0;
  for (let i = 1; i < n && constant; i++) {
    // same comparison as TensorBoard (`==`): NaN breaks constancy
    if ((values[i] as number) !== first) constant = false;
  }
  let last = 0;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i] as number;
    if (constant || !Number.isFinite(value) || w === 0) {
      out[i] = value;
      continue;
    }
    last = last * w + (1 - w) * value;
    seen++;
    const debias = w === 1 ? 1 : 1 - Math.pow(w, seen);
    out[i] = last / debias;
  }
  return out;
}

/** W&B's smoothing kinds. `exponential` is the TensorBoard EMA above; the others as below. */
export type SmoothingType = "none" | "exponential" | "timeWeighted" | "gaussian" | "average";

export const SMOOTHING_TYPES: readonly SmoothingType[] = ["exponential", "timeWeighted", "gaussian", "average", "none"];

export const SMOOTHING_LABELS: Record<SmoothingType, string> = {
  exponential: "Exponential (EMA)",
  timeWeighted: "Time-weighted EMA",
  gaussian: "Gaussian",
  average: "Running average",
  none: "None",
};

/** What a kind's one parameter means, its range and the value a newly picked kind starts at. */
export interface SmoothingParam {
  label: string;
  min: number;
  max: number;
  /** the slider's end (the number box takes up to `max`) */
  sliderMax: number;
  step: number;
  /** the parameter a panel switched to this kind starts with */
  initial: number;
  /** the parameter value that leaves the data as is */
  off: number;
}

export const SMOOTHING_PARAMS: Record<SmoothingType, SmoothingParam> = {
  exponential: { label: "weight", min: 0, max: 0.999, sliderMax: 0.99, step: 0.01, initial: 0.6, off: 0 },
  timeWeighted: { label: "weight", min: 0, max: 0.999, sliderMax: 0.99, step: 0.01, initial: 0.6, off: 0 },
  gaussian: { label: "σ, in x units", min: 0, max: 1e9, sliderMax: 100, step: 1, initial: 10, off: 0 },
  average: { label: "window, in points", min: 1, max: 10000, sliderMax: 100, step: 1, initial: 10, off: 1 },
  none: { label: "", min: 0, max: 0, sliderMax: 0, step: 1, initial: 0, off: 0 },
};

/** W&B keeps the view's density in mind: a step of the whole x range weighs `weight^1000`. */
const VIEWPORT_SCALE = 1000;

/**
 * Time-weighted EMA (W&B's TWEMA): each point's predecessor weighs `w^(dx / range * 1000)` with
 * `w = min(sqrt(param), 0.999)`, so a wide gap between two points forgets more than a narrow one,
 * and a line's smoothing looks the same at any point density. Debiased like the EMA (the running
 * weight sum divides the running value sum), so the first point is its own value.
 *
 * `range` is the x span the density is measured against (the panel's, so that lines of one
 * panel are smoothed alike); left out, the series' own span. Non-finite values pass through and
 * do not touch the average; the gap they leave counts as x distance.
 */
export function smoothTimeWeighted(
  x: ArrayLike<number>,
  values: ArrayLike<number>,
  param: number,
  range?: number,
): Float64Array {
  const n = Math.min(x.length, values.length);
  const out = Float64Array.from({ length: n }, (_, i) => values[i] as number);
  const p = Number.isFinite(param) ? Math.min(Math.max(param, 0), 1) : 0;
  const weight = Math.min(Math.sqrt(p), 0.999);
  let span = range ?? NaN;
  if (!(span > 0)) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i])) continue;
      lo = Math.min(lo, x[i] as number);
      hi = Math.max(hi, x[i] as number);
    }
    span = hi - lo;
  }
  if (!(span > 0) || !Number.isFinite(span)) return out;
  let sum = 0;
  let total = 0;
  let prevX = NaN;
  for (let i = 0; i < n; i++) {
    const y = values[i] as number;
    if (!Number.isFinite(y)) continue;
    const xi = x[i] as number;
    const dx = Number.isNaN(prevX) ? 0 : ((xi - prevX) / span) * VIEWPORT_SCALE;
    const adj = Math.pow(weight, Math.max(dx, 0));
    sum = sum * adj + y;
    total = total * adj + 1;
    out[i] = sum / total;
    prevX = xi;
  }
  return out;
}

/**
 * Gaussian kernel smoothing over x: each point becomes the average of the finite points within
 * 4σ of its x, weighted by `exp(-(dx / σ)² / 2)`, points before and after alike. σ ≤ 0 leaves
 * the values as they are. `x` must be sorted (history windows are). Non-finite values pass
 * through and are left out of their neighbours' averages.
 */
export function smoothGaussian(x: ArrayLike<number>, values: ArrayLike<number>, sigma: number): Float64Array {
  const n = Math.min(x.length, values.length);
  const out = Float64Array.from({ length: n }, (_, i) => values[i] as number);
  if (!(sigma > 0) || !Number.isFinite(sigma)) return out;
  const reach = 4 * sigma;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) continue;
    const xi = x[i] as number;
    while (lo < n && (x[lo] as number) < xi - reach) lo++;
    if (hi < i) hi = i;
    while (hi + 1 < n && (x[hi + 1] as number) <= xi + reach) hi++;
    let sum = 0;
    let total = 0;
    for (let j = lo; j <= hi; j++) {
      const y = values[j] as number;
      if (!Number.isFinite(y)) continue;
      const d = ((x[j] as number) - xi) / sigma;
      const w = Math.exp(-0.5 * d * d);
      sum += w * y;
      total += w;
    }
    out[i] = sum / total;
  }
  return out;
}

/**
 * Running average (a boxcar): each finite point becomes the mean of the `window` finite points
 * centred on it (one more after than before for an even window), fewer at the ends. A window of
 * 1 or less leaves the values as they are. Non-finite values pass through and take no place in
 * the window: a gap does not shrink the average.
 */
export function smoothRunningAverage(values: ArrayLike<number>, window: number): Float64Array {
  const n = values.length;
  const out = Float64Array.from({ length: n }, (_, i) => values[i] as number);
  const k = Number.isFinite(window) ? Math.floor(window) : 1;
  if (k <= 1) return out;
  const finite: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i])) finite.push(i);
  const prefix = new Float64Array(finite.length + 1);
  finite.forEach((i, p) => {
    prefix[p + 1] = (prefix[p] as number) + (values[i] as number);
  });
  const before = Math.floor((k - 1) / 2);
  const after = k - 1 - before;
  finite.forEach((i, p) => {
    const from = Math.max(0, p - before);
    const to = Math.min(finite.length - 1, p + after);
    out[i] = ((prefix[to + 1] as number) - (prefix[from] as number)) / (to - from + 1);
  });
  return out;
}

/** A smoothing kind and its parameter, ready to apply to a line's points; null where the
 * setting leaves lines as they are (then no faint raw line is drawn either). `range` is the
 * panel's x span (time-weighted EMA only). */
export function smoother(
  type: SmoothingType,
  param: number,
  range?: number,
): ((x: ArrayLike<number>, values: ArrayLike<number>) => Float64Array) | null {
  switch (type) {
    case "exponential":
      return param > 0 ? (_x, v) => smoothEma(v, Math.min(param, 0.999)) : null;
    case "timeWeighted":
      return param > 0 ? (x, v) => smoothTimeWeighted(x, v, param, range) : null;
    case "gaussian":
      return param > 0 ? (x, v) => smoothGaussian(x, v, param) : null;
    case "average":
      return param >= 2 ? (_x, v) => smoothRunningAverage(v, param) : null;
    case "none":
      return null;
  }
}
