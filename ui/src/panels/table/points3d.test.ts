import { describe, expect, it } from "vitest";
import { boxEdges, CloudError, parseCloud } from "./points3d";

const unit: [number, number, number][] = [
  [0, 0, 0], [1, 1, 1], [0, 2, 0], [1, 0, 0], [0, 0, 3], [1, 2, 0], [0, 2, 3], [1, 0, 3],
];

describe("parseCloud", () => {
  it("reads xyz, category and rgb points", () => {
    const c = parseCloud([[0, 0, 0], [2, 0, 0]]);
    expect(c.count).toBe(2);
    expect([...c.positions]).toEqual([0, 0, 0, 2, 0, 0]);
    expect(c.center).toEqual([1, 0, 0]);
    expect(c.radius).toBe(1);
    const rgb = parseCloud([[0, 0, 0, 255, 0, 0]]);
    expect([...rgb.colors]).toEqual([1, 0, 0]);
    const cat = parseCloud([[0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 2]]);
    expect([...cat.colors.slice(0, 3)]).toEqual([...cat.colors.slice(3, 6)]);
    expect([...cat.colors.slice(0, 3)]).not.toEqual([...cat.colors.slice(6, 9)]);
  });
  it("reads the lidar dict with boxes as 12 edges each", () => {
    const corners = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]];
    const c = parseCloud({ type: "lidar/beta", points: [[0, 0, 0]], boxes: [{ corners, label: "car", color: [0, 255, 0] }] });
    expect(c.boxLines.length).toBe(12 * 2 * 3);
    expect(c.boxes).toEqual([{ label: "car", color: "#00ff00" }]);
  });
  it("names the bad point or box", () => {
    expect(() => parseCloud([[0, 0, 0], [1, 2]])).toThrow(/point 1 has 2 numbers/);
    expect(() => parseCloud({ points: [], boxes: [{ corners: [[0, 0, 0]] }] })).toThrow(CloudError);
    expect(() => parseCloud("x")).toThrow(/no list of points/);
  });
});

describe("boxEdges", () => {
  it("finds the 12 edges whatever the corner order", () => {
    const edges = boxEdges(unit.filter((_, i) => i !== 1).concat([[1, 2, 3]]));
    expect(edges).toHaveLength(12);
    for (const [i, j] of edges ?? []) {
      const a = unit.filter((_, k) => k !== 1).concat([[1, 2, 3]]);
      const d = a[i]!.map((v, k) => Math.abs(v - a[j]![k]!)).filter((v) => v > 0);
      expect(d).toHaveLength(1);
    }
  });
  it("rejects corners that are no box", () => {
    expect(boxEdges(unit)).toBeNull();
  });
});
