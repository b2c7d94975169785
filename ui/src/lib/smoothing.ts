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
