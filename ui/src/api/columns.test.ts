import { describe, expect, it } from "vitest";
import { decodeColumns } from "./columns";

function encode(header: object, arrays: number[][]): ArrayBuffer {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  const total = 8 + json.length + pad + arrays.reduce((n, a) => n + 8 * a.length, 0);
  const buffer = new ArrayBuffer(total);
  const bytes = new Uint8Array(buffer);
  bytes.set(new TextEncoder().encode("CCOL"), 0);
  new DataView(buffer).setUint32(4, json.length, true);
  bytes.set(json, 8);
  let offset = 8 + json.length + pad;
  for (const values of arrays) {
    new Float64Array(buffer, offset, values.length).set(values);
    offset += 8 * values.length;
  }
  return buffer;
}

describe("decodeColumns", () => {
  it("reads exact and bucketed windows as typed arrays, NaN included", () => {
    const header = {
      x_axis: "step",
      x_key: null,
      series: [
        { run: "e/p/a", key: "loss", mode: "exact", total: 2, n: 2, arrays: ["x", "last"] },
        { run: "e/p/b", key: "loss", mode: "buckets", total: 9, n: 1, arrays: ["x", "last", "min", "max", "mean", "count"] },
      ],
    };
    const answer = decodeColumns(encode(header, [[0, 1], [0.5, NaN], [0], [3], [1], [5], [2], [9]]));
    expect(answer.series).toHaveLength(2);
    expect(Array.from(answer.series[0]!.x)).toEqual([0, 1]);
    expect(Number.isNaN(answer.series[0]!.last[1])).toBe(true);
    expect(answer.series[1]!.max?.[0]).toBe(5);
    expect(answer.series[1]!.count?.[0]).toBe(9);
  });

  it("reads the std column when asked for, and skips arrays it does not know", () => {
    const header = {
      x_axis: "step",
      x_key: null,
      series: [{ run: "e/p/a", key: "loss", mode: "buckets", total: 8, n: 2, arrays: ["x", "mean", "std", "p99"] }],
    };
    const answer = decodeColumns(encode(header, [[0, 5], [1, 2], [0.5, NaN], [7, 7]]));
    const window = answer.series[0]!;
    expect(Array.from(window.std!)).toEqual([0.5, NaN]);
    expect(Array.from(window.mean!)).toEqual([1, 2]);
    expect(window).not.toHaveProperty("p99");
  });

  it("rejects something that is not a columnar answer", () => {
    expect(() => decodeColumns(new ArrayBuffer(16))).toThrow(/not a Cairn columnar answer/);
  });
});
