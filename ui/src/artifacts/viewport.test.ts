import { describe, expect, it } from "vitest";
import { fitView, MAX_ZOOM, zoomAt } from "./viewport";

describe("fitView", () => {
  it("shrinks a wide picture to the viewport and centres it", () => {
    expect(fitView(2000, 500, 1000, 500)).toEqual({ x: 0, y: 125, k: 0.5 });
  });

  it("never enlarges a small picture", () => {
    expect(fitView(100, 50, 1000, 500)).toEqual({ x: 450, y: 225, k: 1 });
  });

  it("leaves an empty picture alone", () => {
    expect(fitView(0, 0, 1000, 500)).toEqual({ x: 0, y: 0, k: 1 });
  });
});

describe("zoomAt", () => {
  it("keeps the point under the pointer in place", () => {
    const view = { x: 10, y: 20, k: 1 };
    const zoomed = zoomAt(view, 2, 110, 70);
    // the picture point under (110, 70) was (100, 50); it is still there
    expect(zoomed.x + 100 * zoomed.k).toBeCloseTo(110);
    expect(zoomed.y + 50 * zoomed.k).toBeCloseTo(70);
  });

  it("stops at the zoom limits", () => {
    expect(zoomAt({ x: 0, y: 0, k: 2 }, 10, 0, 0).k).toBe(MAX_ZOOM);
  });
});
