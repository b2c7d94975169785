import { describe, expect, it } from "vitest";
import { smoothEma, smoother, smoothGaussian, smoothRunningAverage, smoothTimeWeighted } from "./smoothing";

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

describe("smoothTimeWeighted", () => {
  it("is W&B's TWEMA: weight sqrt(param) raised to the x step over the range times 1000", () => {
    // x range 1000: a step of 1 weighs w^1, a step of 3 weighs w^3
    const x = [0, 1, 4, 1000];
    const y = [10, 0, 4, 8];
    const w = Math.sqrt(0.64); // 0.8
    const out = smoothTimeWeighted(x, y, 0.64);
    // sums and weights by hand
    const s1 = 10 * w + 0;
    const t1 = w + 1;
    const s2 = s1 * w ** 3 + 4;
    const t2 = t1 * w ** 3 + 1;
    const s3 = s2 * w ** 996 + 8;
    const t3 = t2 * w ** 996 + 1;
    expect(out[0]).toBe(10);
    expect(out[1]).toBeCloseTo(s1 / t1, 12);
    expect(out[2]).toBeCloseTo(s2 / t2, 12);
    expect(out[3]).toBeCloseTo(s3 / t3, 12);
  });

  it("forgets more across a wide gap than across a narrow one", () => {
    // same values, the jump to 0 comes after a gap of 1 in one series and 10 in the other
    const narrow = smoothTimeWeighted([0, 1, 2, 3], [1, 1, 1, 0], 0.81, 100);
    const wide = smoothTimeWeighted([0, 1, 2, 12], [1, 1, 1, 0], 0.81, 100);
    // 0.9^10 per step of 1 on a range of 100
    const w = 0.9 ** 10;
    expect(narrow[3]).toBeCloseTo((w * (w * (w + 1) + 1)) / (w * (w * (w + 1) + 1) + 1), 12);
    expect(wide[3]).toBeLessThan(narrow[3]!);
    expect(wide[3]).toBeCloseTo((w ** 10 * (w * (w + 1) + 1)) / (w ** 10 * (w * (w + 1) + 1) + 1), 12);
  });

  it("passes NaN gaps through, measuring the next step from the last finite point", () => {
    const out = smoothTimeWeighted([0, 1, 2, 3], [2, NaN, Infinity, 4], 0.25, 1000);
    const w = 0.5 ** 3; // x 0 to 3 on a range of 1000: three thousandths, times 1000
    expect(out[0]).toBe(2);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBe(Infinity);
    expect(out[3]).toBeCloseTo((2 * w + 4) / (w + 1), 12);
  });

  it("leaves a single point or a zero weight as it is", () => {
    expect(Array.from(smoothTimeWeighted([5], [3], 0.9))).toEqual([3]);
    expect(Array.from(smoothTimeWeighted([0, 1, 2], [3, 1, 2], 0))).toEqual([3, 1, 2]);
  });
});

describe("smoothGaussian", () => {
  it("averages neighbours on both sides weighted by the kernel over x", () => {
    const out = smoothGaussian([0, 1, 2], [0, 3, 6], 1);
    const e = Math.exp(-0.5);
    const e4 = Math.exp(-2);
    expect(out[0]).toBeCloseTo((3 * e + 6 * e4) / (1 + e + e4), 12);
    expect(out[1]).toBeCloseTo(3, 12); // symmetric neighbours
    expect(out[2]).toBeCloseTo((6 + 3 * e) / (1 + e + e4), 12);
  });

  it("weighs by x distance, not by index, on uneven steps", () => {
    const out = smoothGaussian([0, 1, 10], [0, 2, 100], 1);
    // 10 is 9σ away from 1: outside the 4σ reach
    expect(out[1]).toBeCloseTo((2 + 0 * Math.exp(-0.5)) / (1 + Math.exp(-0.5)), 12);
    expect(out[2]).toBe(100);
  });

  it("skips NaN in the sums and passes it through; σ 0 is the identity", () => {
    const out = smoothGaussian([0, 1, 2], [1, NaN, 1], 5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(Array.from(smoothGaussian([0, 1], [4, 5], 0))).toEqual([4, 5]);
  });
});

describe("smoothRunningAverage", () => {
  it("averages a centred window, fewer points at the ends", () => {
    expect(Array.from(smoothRunningAverage([1, 2, 3, 4, 5], 3))).toEqual([1.5, 2, 3, 4, 4.5]);
    // even window: one more after than before
    expect(Array.from(smoothRunningAverage([1, 2, 3, 4], 2))).toEqual([1.5, 2.5, 3.5, 4]);
  });

  it("does not count NaN gaps as points", () => {
    const out = smoothRunningAverage([1, NaN, 3, 5], 3);
    expect(out[0]).toBe(2); // 1 and 3
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBe(3); // 1, 3, 5
    expect(out[3]).toBe(4);
  });

  it("is the identity for a window of 1", () => {
    expect(Array.from(smoothRunningAverage([3, 1, 2], 1))).toEqual([3, 1, 2]);
  });
});

describe("smoother", () => {
  it("picks the kind, and is null where nothing would change", () => {
    expect(smoother("exponential", 0)).toBeNull();
    expect(smoother("none", 0.9)).toBeNull();
    expect(smoother("average", 1)).toBeNull();
    expect(smoother("gaussian", 0)).toBeNull();
    expect(Array.from(smoother("exponential", 0.5)!([0, 1], [2, 4]))).toEqual(Array.from(smoothEma([2, 4], 0.5)));
    expect(Array.from(smoother("average", 3)!([0, 1, 2], [1, 2, 3]))).toEqual([1.5, 2, 2.5]);
    expect(Array.from(smoother("timeWeighted", 0.5, 10)!([0, 1], [2, 4]))).toEqual(
      Array.from(smoothTimeWeighted([0, 1], [2, 4], 0.5, 10)),
    );
  });
});
