/** The panels part of a workspace layout: which panels, in which order, their sizes and settings.
 *
 * Line panels are generated for every metric key, and a panel of the registry's default type for
 * every media key; the saved layout only records what the user changed (settings, size, order,
 * removed keys, extra panels), so new keys still get panels. What a panel type is (its title,
 * whether it belongs in its key's section) comes from the panel registry (../panels/registry).
 */

import type { XAxis } from "../api/types";
import { moduleForMediaType, panelModule, type MediaKeyRef } from "../panels/registry";

export type PanelSize = "S" | "M" | "L";
/** a registered panel module's `type` ("line", "scatter", "bar", "image", ...); a saved layout
 * may hold types this build does not know, which are kept and shown as such */
export type PanelType = string;
export type BandKind = "minmax" | "std" | "off";

export interface LineSettings {
  /** EMA weight in [0, 1) */
  smoothing: number;
  /** "step" | "time" | "relative" or a metric key (x_key) */
  xAxis: string;
  logX: boolean;
  logY: boolean;
  yMin: number | null;
  yMax: number | null;
  legend: boolean;
  /** draw at most this many runs (0 = all) */
  maxRuns: number;
  /** band of a grouped line (across its runs) or of single bucketed runs when at most
   * BAND_MAX_LINES are shown (their points within each bucket): min/max, ±1 std or off */
  band: BandKind;
}

/** A panel's saved settings: a line panel's LineSettings, other types' own fields (a chosen
 * step, class toggles, ...) next to them. */
export type PanelSettingsValue = Partial<LineSettings> & { [name: string]: unknown };

export interface PanelConfig {
  id: string;
  type: PanelType;
  /** line: the metric; bar: the summary key ("summary.acc" style or bare); media panels: the media key */
  key?: string;
  /** scatter: "config.lr" / "summary.acc" */
  xKey?: string;
  yKey?: string;
  size: PanelSize;
  settings?: PanelSettingsValue;
}

export interface PanelsLayout {
  version: 1;
  /** panels the user touched or added, in the order they are shown within their section */
  panels: PanelConfig[];
  /** metric keys whose generated panel was removed */
  removed: string[];
  /** media keys whose generated panel was removed (a key may be a metric in one run and media in
   * another, hence a list of its own) */
  removedMedia: string[];
  collapsed: string[];
}

export const EMPTY_LAYOUT: PanelsLayout = { version: 1, panels: [], removed: [], removedMedia: [], collapsed: [] };

export const DEFAULT_SETTINGS: LineSettings = {
  smoothing: 0,
  xAxis: "step",
  logX: false,
  logY: false,
  yMin: null,
  yMax: null,
  legend: false,
  maxRuns: 0,
  band: "minmax",
};

export const X_AXES: readonly XAxis[] = ["step", "time", "relative"];

export interface MetricKey {
  key: string;
  kind: "history" | "system";
  /** its default x axis (`define_metric(step_metric=)`), when the runs define one */
  stepMetric?: string;
  /** `define_metric(hidden=True)`: no generated panel (one can still be added) */
  hidden?: boolean;
}

/** The type of the panels generated for metric keys. */
export const METRIC_PANEL_TYPE = "line";

/** The id of the panel generated for a metric key. */
export function lineId(key: string): string {
  return `${METRIC_PANEL_TYPE}:${key}`;
}

/** The id of the panel generated for a media key. */
export function mediaId(key: string): string {
  return `media:${key}`;
}

/** "train/loss" → "train"; keys without a slash go to "Charts". Panels of a key (metric and
 * media panels, and panels of unknown types that have a key) go to their key's section; panels of
 * config/summary fields (scatter, bar) to "Charts". */
export function sectionOf(panel: PanelConfig): string {
  const module = panelModule(panel.type);
  const keyed = module ? module.add === "metric" || module.add === "media" : true;
  if (!keyed || !panel.key) return "Charts";
  const slash = panel.key.indexOf("/");
  return slash > 0 ? panel.key.slice(0, slash) : "Charts";
}

/** A line panel's settings: its saved ones over the defaults of its key, whose x axis is the
 * key's step metric when it has one (system metrics: relative time). */
export function settingsOf(
  panel: PanelConfig,
  kind: "history" | "system" | undefined,
  stepMetric?: string,
): LineSettings {
  const xAxis = kind === "system" ? "relative" : (stepMetric ?? DEFAULT_SETTINGS.xAxis);
  return { ...DEFAULT_SETTINGS, xAxis, ...(panel.settings ?? {}) };
}

/** Read a saved value defensively: anything malformed gives the empty layout's parts. */
export function parseLayout(value: unknown): PanelsLayout {
  if (typeof value !== "object" || value === null) return EMPTY_LAYOUT;
  const v = value as Partial<PanelsLayout>;
  const strings = (a: unknown): string[] => (Array.isArray(a) ? a.filter((s): s is string => typeof s === "string") : []);
  const list: unknown[] = Array.isArray(v.panels) ? v.panels : [];
  // panels of types this build does not know are kept: a layout saved by a newer build survives
  const panels = list.filter((p): p is PanelConfig => {
    if (typeof p !== "object" || p === null) return false;
    const c = p as { id?: unknown; type?: unknown };
    return typeof c.id === "string" && typeof c.type === "string" && c.type !== "";
  });
  return {
    version: 1,
    panels: panels.map((p) => ({ ...p, size: p.size === "S" || p.size === "L" ? p.size : "M" })),
    removed: strings(v.removed),
    removedMedia: strings(v.removedMedia),
    collapsed: strings(v.collapsed),
  };
}

export interface Section {
  name: string;
  panels: PanelConfig[];
}

const SECTION_ORDER = ["Charts", "train", "val", "eval", "test"];

function sectionRank(name: string): [number, string] {
  if (name === "system") return [1000, name];
  const i = SECTION_ORDER.indexOf(name);
  return [i < 0 ? 100 : i, name];
}

/** Saved panels first (in saved order), then a generated panel for each other metric key that is
 * not hidden, then one for each other media key whose `_type` a registered module shows (the first
 * such module). */
export function buildSections(
  layout: PanelsLayout,
  keys: readonly MetricKey[],
  media: readonly MediaKeyRef[] = [],
): Section[] {
  const removed = new Set(layout.removed);
  const removedMedia = new Set(layout.removedMedia);
  const present = new Set(layout.panels.map((p) => p.id));
  const all: PanelConfig[] = [...layout.panels];
  for (const { key, hidden } of keys) {
    const id = lineId(key);
    if (hidden || removed.has(key) || present.has(id)) continue;
    all.push({ id, type: METRIC_PANEL_TYPE, key, size: "M" });
  }
  for (const { key, type } of media) {
    const id = mediaId(key);
    if (removedMedia.has(key) || present.has(id)) continue;
    const module = moduleForMediaType(type);
    if (!module) continue;
    present.add(id);
    all.push({ id, type: module.type, key, size: "M" });
  }
  const sections = new Map<string, PanelConfig[]>();
  for (const panel of all) {
    const name = sectionOf(panel);
    const list = sections.get(name) ?? [];
    list.push(panel);
    sections.set(name, list);
  }
  return [...sections.entries()]
    .map(([name, panels]) => ({ name, panels }))
    .sort((a, b) => {
      const [ra, na] = sectionRank(a.name);
      const [rb, nb] = sectionRank(b.name);
      return ra - rb || na.localeCompare(nb);
    });
}

/** Filter panels by the search box: a /regex/ (or a valid regex) else a substring, case-insensitive. */
export function panelMatcher(search: string): (panel: PanelConfig) => boolean {
  const text = search.trim();
  if (!text) return () => true;
  let test: (s: string) => boolean;
  try {
    const body = text.startsWith("/") && text.lastIndexOf("/") > 0 ? text.slice(1, text.lastIndexOf("/")) : text;
    const re = new RegExp(body, "i");
    test = (s) => re.test(s);
  } catch {
    const lower = text.toLowerCase();
    test = (s) => s.toLowerCase().includes(lower);
  }
  return (panel) => test(panelTitle(panel));
}

export function panelTitle(panel: PanelConfig): string {
  const module = panelModule(panel.type);
  if (module) return module.title(panel);
  return panel.key ?? `${panel.type} panel`;
}

/** Replace (or insert) one panel, keeping the others as they are. */
export function upsertPanel(layout: PanelsLayout, panel: PanelConfig): PanelsLayout {
  const i = layout.panels.findIndex((p) => p.id === panel.id);
  const panels = [...layout.panels];
  if (i >= 0) panels[i] = panel;
  else panels.push(panel);
  return { ...layout, panels };
}

/** Add a panel; a panel for a key whose generated panel was removed brings that one back (with
 * the new panel's type and settings) instead of adding a second. */
export function addPanel(layout: PanelsLayout, panel: PanelConfig): PanelsLayout {
  const key = panel.key;
  if (key && panel.type === METRIC_PANEL_TYPE && layout.removed.includes(key)) {
    const restored = { ...layout, removed: layout.removed.filter((k) => k !== key) };
    return upsertPanel(restored, { ...panel, id: lineId(key) });
  }
  if (key && panelModule(panel.type)?.add === "media" && layout.removedMedia.includes(key)) {
    const restored = { ...layout, removedMedia: layout.removedMedia.filter((k) => k !== key) };
    return upsertPanel(restored, { ...panel, id: mediaId(key) });
  }
  return upsertPanel(layout, panel);
}

export function removePanel(layout: PanelsLayout, panel: PanelConfig): PanelsLayout {
  const panels = layout.panels.filter((p) => p.id !== panel.id);
  const key = panel.key;
  if (key && panel.id === lineId(key) && !layout.removed.includes(key)) {
    return { ...layout, panels, removed: [...layout.removed, key] };
  }
  if (key && panel.id === mediaId(key) && !layout.removedMedia.includes(key)) {
    return { ...layout, panels, removedMedia: [...layout.removedMedia, key] };
  }
  return { ...layout, panels };
}

/**
 * Move a panel within its section to `toIndex` (index among the section's shown panels).
 * The section's current order is written into the layout so it sticks.
 */
export function movePanel(layout: PanelsLayout, section: Section, panelId: string, toIndex: number): PanelsLayout {
  const order = section.panels.map((p) => p.id);
  const from = order.indexOf(panelId);
  if (from < 0) return layout;
  const target = Math.max(0, Math.min(order.length - 1, toIndex));
  if (target === from) return layout;
  const moved = [...section.panels];
  const [item] = moved.splice(from, 1);
  if (!item) return layout;
  moved.splice(target, 0, item);
  const inSection = new Set(order);
  const others = layout.panels.filter((p) => !inSection.has(p.id));
  return { ...layout, panels: [...others, ...moved] };
}

export function toggleCollapsed(layout: PanelsLayout, section: string): PanelsLayout {
  const collapsed = layout.collapsed.includes(section)
    ? layout.collapsed.filter((s) => s !== section)
    : [...layout.collapsed, section];
  return { ...layout, collapsed };
}

/** Read `config.a.b` / `summary.acc` from a run (flat dotted keys first, then nested objects). */
export function runValue(
  run: { config: Record<string, unknown>; summary: Record<string, unknown> },
  path: string,
): unknown {
  const dot = path.indexOf(".");
  const root = path.slice(0, dot);
  if (dot < 0 || (root !== "config" && root !== "summary")) return undefined;
  const rest = path.slice(dot + 1);
  let obj: unknown = root === "config" ? run.config : run.summary;
  const record = obj as Record<string, unknown>;
  if (rest in record) return unwrap(record[rest]);
  for (const part of rest.split(".")) {
    if (typeof obj !== "object" || obj === null) return undefined;
    obj = (obj as Record<string, unknown>)[part];
  }
  return unwrap(obj);
}

function unwrap(value: unknown): unknown {
  // the SDK may store config entries as {value, desc}
  if (typeof value === "object" && value !== null && "value" in value && Object.keys(value).length <= 2) {
    return value.value;
  }
  return value;
}

export function toNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  return null;
}
