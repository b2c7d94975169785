import { describe, expect, it } from "vitest";
import { classLabels, colorMask, parseBoxes, scoreNames, scoreRange, toPixels, visibleBoxes } from "./boxes";
import { asImage } from "./values";

describe("toPixels", () => {
  it("scales relative middle/width/height by the image size", () => {
    expect(toPixels({ middle: [0.5, 0.5], width: 0.2, height: 0.4 }, undefined, 100, 50)).toEqual({ x: 40, y: 15, w: 20, h: 20 });
  });
  it("keeps pixel coordinates and reads min/max corners", () => {
    expect(toPixels({ minX: 10, maxX: 30, minY: 5, maxY: 25 }, "pixel", 100, 50)).toEqual({ x: 10, y: 5, w: 20, h: 20 });
    expect(toPixels({ minX: 0.1, maxX: 0.3, minY: 0, maxY: 1 }, null, 100, 50)).toEqual({ x: 10, y: 0, w: 20, h: 50 });
  });
  it("is null for a malformed position", () => {
    expect(toPixels({ middle: [1], width: 2, height: 2 }, "pixel", 10, 10)).toBeNull();
    expect(toPixels("box", "pixel", 10, 10)).toBeNull();
  });
});

const FILE = {
  class_labels: { "1": "cat", "2": "dog" },
  box_data: [
    { position: { minX: 0, maxX: 10, minY: 0, maxY: 10 }, domain: "pixel", class_id: 1, scores: { conf: 0.9, iou: 0.5 }, box_caption: "cat 0.9" },
    { position: { middle: [0.5, 0.5], width: 0.5, height: 0.5 }, class_id: 2, scores: { conf: 0.2 } },
    { position: { minX: 0, maxX: 1, minY: 0, maxY: 1 }, class_id: 2 },
    { position: "bad", class_id: 1 },
  ],
};

describe("parseBoxes", () => {
  const parsed = parseBoxes(FILE, 40, 20);
  it("reads boxes, labels, captions and scores, leaving malformed boxes out", () => {
    expect(parsed.boxes).toHaveLength(3);
    expect(parsed.classLabels).toEqual({ "1": "cat", "2": "dog" });
    expect(parsed.boxes[0]).toEqual({ x: 0, y: 0, w: 10, h: 10, classId: 1, caption: "cat 0.9", scores: { conf: 0.9, iou: 0.5 } });
    expect(parsed.boxes[1]).toMatchObject({ x: 10, y: 5, w: 20, h: 10, classId: 2, caption: null });
  });
  it("gives nothing for something that is not a boxes file", () => {
    expect(parseBoxes(null, 1, 1)).toEqual({ boxes: [], classLabels: {} });
    expect(parseBoxes({ box_data: "x" }, 1, 1).boxes).toEqual([]);
  });
  it("filters by class and by score threshold, keeping boxes without that score", () => {
    const all = parsed.boxes;
    expect(visibleBoxes(all, { hiddenClasses: new Set(["2"]), scoreName: null, scoreMin: 0 })).toHaveLength(1);
    const thresholded = visibleBoxes(all, { hiddenClasses: new Set(), scoreName: "conf", scoreMin: 0.5 });
    expect(thresholded.map((b) => b.classId)).toEqual([1, 2]);
    expect(thresholded[1]?.scores).toEqual({});
  });
  it("lists score names and ranges", () => {
    expect(scoreNames([parsed])).toEqual(["conf", "iou"]);
    expect(scoreRange([parsed], "conf")).toEqual([0.2, 0.9]);
    expect(scoreRange([parsed], "nope")).toBeNull();
  });
});

describe("classLabels", () => {
  it("merges the classes of images, boxes and masks by id", () => {
    const image = asImage({
      _type: "image-file",
      path: "media/images/a.png",
      sha256: "a".repeat(64),
      classes: [{ id: 3, name: "bird" }],
      boxes: { predictions: { path: "b.json", sha256: "b".repeat(64), class_labels: { "1": "cat" } } },
      masks: { truth: { path: "m.png", sha256: "c".repeat(64), class_labels: { "1": "kitty", "0": "background" } } },
    });
    expect(image).not.toBeNull();
    const labels = classLabels([image!], [{ boxes: [], classLabels: { "7": "car" } }]);
    expect(labels).toEqual([
      { id: "0", name: "background" },
      { id: "1", name: "cat" },
      { id: "3", name: "bird" },
      { id: "7", name: "car" },
    ]);
  });
});

describe("colorMask", () => {
  it("colours class pixels, clears background and hidden classes", () => {
    const px = new Uint8ClampedArray([0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255]);
    colorMask(px, new Set(["2"]), 128);
    expect(px[3]).toBe(0);
    expect(px[7]).toBe(128);
    expect([px[4], px[5], px[6]]).not.toEqual([1, 1, 1]);
    expect(px[11]).toBe(0);
  });
});
