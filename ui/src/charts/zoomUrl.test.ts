import { describe, expect, it } from "vitest";
import { readZoom, roundForUrl, writeZoom, zoomFor } from "./zoomUrl";

describe("zoom in the URL", () => {
  it("writes the axis and the range, keeping other parameters", () => {
    const params = writeZoom(new URLSearchParams("q=config.lr+>+0.01&panel=line:train/loss"), { axis: "step", min: 1200, max: 3400 });
    expect(params.get("q")).toBe("config.lr > 0.01");
    expect(params.get("panel")).toBe("line:train/loss");
    expect(params.toString()).toContain("xaxis=step&xmin=1200&xmax=3400");
  });

  it("reads back what it wrote", () => {
    for (const zoom of [
      { axis: "step", min: 1234.5678, max: 5678.125 },
      { axis: "time", min: 1_733_481_234.567, max: 1_733_484_834.5 },
      { axis: "relative", min: 0.25, max: 0.75 },
      { axis: "train/epoch", min: -3.5, max: 2 },
      { axis: "step", min: 1e-9, max: 3e-9 },
    ]) {
      const back = readZoom(writeZoom(new URLSearchParams(), zoom));
      expect(back?.axis).toBe(zoom.axis);
      const span = zoom.max - zoom.min;
      expect(Math.abs((back?.min ?? NaN) - zoom.min)).toBeLessThanOrEqual(span / 1e5);
      expect(Math.abs((back?.max ?? NaN) - zoom.max)).toBeLessThanOrEqual(span / 1e5);
    }
  });

  it("keeps numbers short", () => {
    expect(roundForUrl(1234.56789123, 4000)).toBe("1234.57");
    expect(roundForUrl(1_733_481_234.56789, 3600)).toBe("1733481234.57");
    expect(roundForUrl(0.123456789, 0.5)).toBe("0.123457");
  });

  it("removes the zoom on reset", () => {
    const zoomed = writeZoom(new URLSearchParams("sort=-summary.acc"), { axis: "step", min: 1, max: 2 });
    const reset = writeZoom(zoomed, null);
    expect(reset.toString()).toBe("sort=-summary.acc");
    expect(readZoom(reset)).toBeNull();
  });

  it("ignores a missing, partial or invalid range", () => {
    for (const query of [
      "",
      "xmin=10",
      "xmax=10",
      "xmin=&xmax=5",
      "xmin=abc&xmax=5",
      "xmin=5&xmax=5",
      "xmin=9&xmax=5",
      "xmin=-Infinity&xmax=5",
      "xmin=NaN&xmax=5",
    ]) {
      expect(readZoom(new URLSearchParams(query))).toBeNull();
    }
  });

  it("defaults the axis to step", () => {
    expect(readZoom(new URLSearchParams("xmin=10&xmax=20"))).toEqual({ axis: "step", min: 10, max: 20 });
  });

  it("applies to the panels on the axis it was made on", () => {
    const zoom = { axis: "step", min: 10, max: 20 };
    expect(zoomFor(zoom, "step")).toEqual({ min: 10, max: 20 });
    expect(zoomFor(zoom, "time")).toBeNull();
    expect(zoomFor(null, "step")).toBeNull();
  });
});
