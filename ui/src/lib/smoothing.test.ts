import { describe, expect, it } from "vitest";
import { smoothEma } from "./smoothing";

/** TensorBoard's implementation, transcribed, as the reference. */
function tensorboard(values: number[], weight: number): number[] {
  let last = values.length > 0 ? 0 : NaN;
  let numAccum = 0;
  const isConstant = values.every((v) => v == values[0]);
  return values.map((nextVal) => {
    if (isConstant || !Number.isFinite(nextVal)) return nextVal;
    last = last * weight + (1 - weight) * nextVal;
    numAccum++;
    const debiasWeight = weight !== 1 ? 1 - Math.pow(weight, numAccum) : 1;
    return last / debiasWeight;
  });
}

describe("smoothEma", () => {
  it("is the identity at weight 0", () => {
    expect(Array.from(smoothEma([3, 1, 4, 1, 5], 0))).toEqual([3, 1, 4, 1, 5]);
  });

  it("debiases the start: the first point is the first value", () => {
    const out = smoothEma([10, 0, 0], 0.9);
    expect(out[0]).toBeCloseTo(10, 12);
    // second: (0.9*0.1*10 + 0.1*0) / (1 - 0.81) = 0.9 / 0.19
    expect(out[1]).toBeCloseTo(0.9 / 0.19, 12);
  });

  it("matches TensorBoard on a noisy series", () => {
    const values = Array.from({ length: 200 }, (_, i) => Math.sin(i / 7) + ((i * 7919) % 13) / 13);
    for (const w of [0.3, 0.6, 0.9, 0.99]) {
      const ours = Array.from(smoothEma(values, w));
      tensorboard(values, w).forEach((v, i) => {
        expect(ours[i]).toBeCloseTo(v, 10);
      });
    }
  });

  it("passes NaN and infinities through without touching the average", () => {
    const out = smoothEma([1, NaN, 3, Infinity, -Infinity, 5], 0.5);
    const ref = tensorboard([1, NaN, 3, Infinity, -Infinity, 5], 0.5);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[3]).toBe(Infinity);
    expect(out[4]).toBe(-Infinity);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[2]).toBeCloseTo(ref[2]!, 12);
    expect(out[5]).toBeCloseTo(ref[5]!, 12);
    // same as smoothing the finite values alone
    const finite = smoothEma([1, 3, 5], 0.5);
    expect(out[5]).toBeCloseTo(finite[2]!, 12);
  });

  it("keeps a constant series exactly constant", () => {
    const out = smoothEma([0.1, 0.1, 0.1, 0.1], 0.95);
    expect(Array.from(out)).toEqual([0.1, 0.1, 0.1, 0.1]);
  });

  it("handles empty input and all-NaN input", () => {
    expect(smoothEma([], 0.5).length).toBe(0);
    const out = smoothEma([NaN, NaN], 0.5);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(Number.isNaN(out[1])).toBe(true);
  });

  it("accepts typed arrays and clamps the weight", () => {
    const out = smoothEma(new Float64Array([2, 4]), 1.5);
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual(Array.from(smoothEma([2, 4], 1)));
    expect(Array.from(smoothEma([2, 4], -1))).toEqual([2, 4]);
  });
});
