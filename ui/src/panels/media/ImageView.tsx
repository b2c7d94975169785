/** One image with its boxes and masks drawn on a canvas laid over it (canvas, not SVG: an image
 * may carry thousands of boxes). Masks are PNGs of class ids, coloured here per class. */

import { useEffect, useMemo, useRef, useState } from "react";
import { classColor, colorMask, parseBoxes, visibleBoxes, type BoxFilter } from "./boxes";
import type { ImageValue } from "./values";

export interface MaskSource {
  name: string;
  sha256: string;
  url: string;
}

interface Props {
  src: string;
  image: ImageValue;
  alt: string;
  /** the image's boxes files as fetched (raw JSON), by box group name */
  boxes: { name: string; json: unknown }[];
  masks: MaskSource[];
  /** class ids whose boxes and mask pixels are hidden */
  hiddenClasses: readonly string[];
  scoreName: string | null;
  scoreMin: number;
  classNames: ReadonlyMap<string, string>;
  showBoxes: boolean;
  showMasks: boolean;
  maskOpacity: number;
  maxHeight: number;
  onLoad?: () => void;
}

// decoded mask pixels by sha256 (class ids in the red channel); a few dozen small images at most
const maskPixels = new Map<string, ImageData>();
const MASK_CACHE = 64;

function loadMask(url: string, sha256: string): Promise<ImageData> {
  const cached = maskPixels.get(sha256);
  if (cached) return Promise.resolve(cached);
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      if (!ctx) {
        reject(new Error("no 2D canvas"));
        return;
      }
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height);
      if (maskPixels.size >= MASK_CACHE) {
        const oldest = maskPixels.keys().next().value;
        if (oldest !== undefined) maskPixels.delete(oldest);
      }
      maskPixels.set(sha256, data);
      resolve(data);
    };
    img.onerror = () => {
      reject(new Error("the mask could not be loaded"));
    };
    img.src = url;
  });
}

export function ImageView(props: Props) {
  const { src, image, alt, boxes, masks, classNames, showBoxes, showMasks, maskOpacity, maxHeight, onLoad } = props;
  const { scoreName, scoreMin } = props;
  const hiddenKey = props.hiddenClasses.join("\u0000");
  const filter = useMemo<BoxFilter>(
    () => ({ hiddenClasses: new Set(hiddenKey ? hiddenKey.split("\u0000") : []), scoreName, scoreMin }),
    [hiddenKey, scoreName, scoreMin],
  );
  const img = useRef<HTMLImageElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [shown, setShown] = useState<{ w: number; h: number; nw: number; nh: number } | null>(null);
  const [maskData, setMaskData] = useState<Map<string, ImageData>>(new Map());
  const [maskError, setMaskError] = useState<string | null>(null);

  useEffect(() => {
    const el = img.current;
    if (!el) return;
    const measure = () => {
      if (el.naturalWidth > 0) setShown({ w: el.clientWidth, h: el.clientHeight, nw: el.naturalWidth, nh: el.naturalHeight });
    };
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, [src]);

  const masksKey = masks.map((m) => m.sha256).join(",");
  useEffect(() => {
    if (!showMasks || masks.length === 0) return;
    let live = true;
    Promise.all(masks.map((m) => loadMask(m.url, m.sha256).then((d) => [m.sha256, d] as const)))
      .then((pairs) => {
        if (live) setMaskData(new Map(pairs));
      })
      .catch((e: unknown) => {
        if (live) setMaskError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- masksKey stands for masks
  }, [masksKey, showMasks]);

  const nw = shown?.nw ?? image.width ?? 1;
  const nh = shown?.nh ?? image.height ?? 1;
  const parsed = useMemo(() => boxes.map((b) => ({ name: b.name, file: parseBoxes(b.json, nw, nh) })), [boxes, nw, nh]);
  // how many boxes the overlay draws (toggles and threshold applied), for tests and assistive tech
  const drawnBoxes = showBoxes ? parsed.reduce((n, { file }) => n + visibleBoxes(file.boxes, filter).length, 0) : 0;

  useEffect(() => {
    const el = canvas.current;
    if (!el || !shown) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = Math.round(shown.w * dpr);
    el.height = Math.round(shown.h * dpr);
    el.style.width = `${shown.w}px`;
    el.style.height = `${shown.h}px`;
    const ctx = el.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, shown.w, shown.h);
    ctx.imageSmoothingEnabled = false;
    if (showMasks) {
      for (const m of masks) {
        const data = maskData.get(m.sha256);
        if (!data) continue;
        const colored = new ImageData(new Uint8ClampedArray(data.data), data.width, data.height);
        colorMask(colored.data, filter.hiddenClasses, maskOpacity * 255);
        const off = document.createElement("canvas");
        off.width = data.width;
        off.height = data.height;
        off.getContext("2d")?.putImageData(colored, 0, 0);
        ctx.drawImage(off, 0, 0, shown.w, shown.h);
      }
    }
    if (showBoxes) {
      const sx = shown.w / shown.nw;
      const sy = shown.h / shown.nh;
      ctx.font = "11px system-ui, sans-serif";
      ctx.textBaseline = "bottom";
      ctx.lineWidth = 2;
      for (const { file } of parsed) {
        for (const b of visibleBoxes(file.boxes, filter)) {
          const color = classColor(b.classId);
          const x = b.x * sx;
          const y = b.y * sy;
          ctx.strokeStyle = color;
          ctx.strokeRect(x, y, b.w * sx, b.h * sy);
          const label = b.caption ?? file.classLabels[String(b.classId)] ?? classNames.get(String(b.classId)) ?? String(b.classId);
          if (!label) continue;
          const tw = ctx.measureText(label).width + 6;
          const ty = y >= 14 ? y : y + 14;
          ctx.fillStyle = color;
          ctx.fillRect(x - 1, ty - 14, tw, 14);
          ctx.fillStyle = "#000";
          ctx.fillText(label, x + 2, ty - 1);
        }
      }
    }
  }, [shown, parsed, maskData, masks, filter, classNames, showBoxes, showMasks, maskOpacity]);

  return (
    <figure className="media-image" data-boxes={boxes.length > 0 ? drawnBoxes : undefined}>
      <div className="media-image-wrap">
        <img
          ref={img}
          src={src}
          alt={alt}
          style={{ maxHeight }}
          decoding="async"
          onLoad={(e) => {
            const el = e.currentTarget;
            setShown({ w: el.clientWidth, h: el.clientHeight, nw: el.naturalWidth, nh: el.naturalHeight });
            onLoad?.();
          }}
        />
        {boxes.length > 0 || masks.length > 0 ? <canvas ref={canvas} className="media-overlay" aria-hidden="true" /> : null}
      </div>
      {image.caption ? <figcaption>{image.caption}</figcaption> : null}
      {maskError ? <div className="media-note">Mask: {maskError}</div> : null}
    </figure>
  );
}
