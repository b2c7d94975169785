/** The media value shapes of design 0010 (W&B's reference JSON plus Cairn's additions), read
 * defensively: a value logged by another client or an older SDK gives null, never a crash. */

export interface MediaFileRef {
  path: string;
  sha256: string;
  size?: number;
}

export interface BoxesRef extends MediaFileRef {
  class_labels?: Record<string, string>;
}

export interface MaskRef extends MediaFileRef {
  class_labels?: Record<string, string>;
}

export interface ImageValue extends MediaFileRef {
  _type: "image-file";
  format?: string;
  width?: number;
  height?: number;
  caption?: string;
  boxes?: Record<string, BoxesRef>;
  masks?: Record<string, MaskRef>;
  classes?: { id: number; name: string }[];
}

export interface FileValue extends MediaFileRef {
  _type: string;
  format?: string;
  caption?: string;
  sample_rate?: number;
  duration?: number;
  width?: number;
  height?: number;
  fps?: number;
  preview?: string;
}

export interface HistogramValue {
  _type: "histogram";
  /** counts, one per bin */
  values: number[];
  /** edges, counts + 1 */
  bins: number[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const SHA256 = /^[0-9a-f]{64}$/;

/** A `{path, sha256}` reference, or null when the sha256 is missing or malformed. */
export function fileRef(v: unknown): MediaFileRef | null {
  if (!isObject(v)) return null;
  const { path, sha256, size } = v;
  if (typeof sha256 !== "string" || !SHA256.test(sha256)) return null;
  return { path: typeof path === "string" ? path : "", sha256, size: typeof size === "number" ? size : undefined };
}

function labels(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [id, name] of Object.entries(v)) out[id] = typeof name === "string" ? name : id;
  return out;
}

function refs<T extends MediaFileRef & { class_labels?: Record<string, string> }>(v: unknown): Record<string, T> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, T> = {};
  for (const [name, item] of Object.entries(v)) {
    const ref = fileRef(item);
    if (!ref || !isObject(item)) continue;
    out[name] = { ...ref, class_labels: labels(item.class_labels) } as T;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** One `image-file` value, or null. */
export function asImage(v: unknown): ImageValue | null {
  if (!isObject(v) || v._type !== "image-file") return null;
  const ref = fileRef(v);
  if (!ref) return null;
  const classes = Array.isArray(v.classes)
    ? v.classes.filter((c): c is { id: number; name: string } => isObject(c) && typeof c.id === "number" && typeof c.name === "string")
    : undefined;
  return {
    ...ref,
    _type: "image-file",
    format: str(v.format),
    width: num(v.width),
    height: num(v.height),
    caption: str(v.caption),
    boxes: refs<BoxesRef>(v.boxes),
    masks: refs<MaskRef>(v.masks),
    classes,
  };
}

/** The images of a value: one for `image-file`, the list for `images/separated` (its `images`,
 * with the gallery's captions where an image has none). */
export function imagesOf(v: unknown): ImageValue[] {
  const one = asImage(v);
  if (one) return [one];
  if (!isObject(v) || v._type !== "images/separated" || !Array.isArray(v.images)) return [];
  const captions = Array.isArray(v.captions) ? v.captions : [];
  return v.images.flatMap((item, i) => {
    const image = asImage(item);
    if (!image) return [];
    const caption = image.caption ?? str(captions[i]);
    return [{ ...image, caption }];
  });
}

/** A file-backed value of the given `_type` (audio-file, video-file, html-file, text-file), or null. */
export function asFile(v: unknown, type: string): FileValue | null {
  if (!isObject(v) || v._type !== type) return null;
  const ref = fileRef(v);
  if (!ref) return null;
  return {
    ...ref,
    _type: type,
    format: str(v.format),
    caption: str(v.caption),
    sample_rate: num(v.sample_rate),
    duration: num(v.duration),
    width: num(v.width),
    height: num(v.height),
    fps: num(v.fps),
    preview: str(v.preview),
  };
}

/** A `histogram` value with counts and edges that agree (edges = counts + 1, ascending), or null. */
export function asHistogram(v: unknown): HistogramValue | null {
  if (!isObject(v) || v._type !== "histogram") return null;
  const { values, bins } = v;
  if (!Array.isArray(values) || !Array.isArray(bins) || values.length === 0) return null;
  if (bins.length !== values.length + 1) return null;
  const counts = values.map(Number);
  const edges = bins.map(Number);
  if (counts.some((c) => !Number.isFinite(c)) || edges.some((e) => !Number.isFinite(e))) return null;
  for (let i = 1; i < edges.length; i++) if ((edges[i] as number) < (edges[i - 1] as number)) return null;
  return { _type: "histogram", values: counts, bins: edges };
}
