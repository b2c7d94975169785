/** The panels part of a workspace layout: which panels, in which order, their sizes and settings.
 *
 * Line panels are generated for every metric key; the saved layout only records what the user
 * changed (settings, size, order, removed keys, extra panels), so new keys still get panels.
 */

import type { XAxis } from "../api/types";

export type PanelSize = "S" | "M" | "L";
export type PanelType = "line" | "scatter" | "bar";
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

export interface PanelConfig {
  id: string;
  type: PanelType;
  /** line: the metric; bar: the summary key ("summary.acc" style or bare) */
  key?: string;
  /** scatter: "config.lr" / "summary.acc" */
  xKey?: string;
  yKey?: string;
  size: PanelSize;
  settings?: Partial<LineSettings>;
}

export interface PanelsLayout {
  version: 1;
  /** panels the user touched or added, in the order they are shown within their section */
  panels: PanelConfig[];
  /** metric keys whose generated panel was removed */
  removed: string[];
  collapsed: string[];
}

export const EMPTY_LAYOUT: PanelsLayout = { version: 1, panels: [], removed: [], collapsed: [] };

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
}

export function lineId(key: string): string {
  return `line:${key}`;
}

/** "train/loss" → "train"; keys without a slash go to "Charts"; scatter and bar too. */
export function sectionOf(panel: PanelConfig): string {
  if (panel.type !== "line" || !panel.key) return "Charts";
  const slash = panel.key.indexOf("/");
  return slash > 0 ? panel.key.slice(0, slash) : "Charts";
}

export function settingsOf(panel: PanelConfig, kind: "history" | "system" | undefined): LineSettings {
  const base = kind === "system" ? { ...DEFAULT_SETTINGS, xAxis: "relative" } : DEFAULT_SETTINGS;
  return { ...base, ...(panel.settings ?? {}) };
}

/** Read a saved value defensively: anything malformed gives the empty layout's parts. */
export function parseLayout(value: unknown): PanelsLayout {
  if (typeof value !== "object" || value === null) return EMPTY_LAYOUT;
  const v = value as Partial<PanelsLayout>;
  const strings = (a: unknown): string[] => (Array.isArray(a) ? a.filter((s): s is string => typeof s === "string") : []);
  const list: unknown[] = Array.isArray(v.panels) ? v.panels : [];
  const panels = list.filter((p): p is PanelConfig => {
    if (typeof p !== "object" || p === null) return false;
    const c = p as { id?: unknown; type?: unknown };
    return typeof c.id === "string" && (c.type === "line" || c.type === "scatter" || c.type === "bar");
  });
  return {
    version: 1,
    panels: panels.map((p) => ({ ...p, size: p.size === "S" || p.size === "L" ? p.size : "M" })),
    removed: strings(v.removed),
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

/** Saved panels first (in saved order), then a generated panel for each other metric key. */
export function buildSections(layout: PanelsLayout, keys: readonly MetricKey[]): Section[] {
  const removed = new Set(layout.removed);
  const present = new Set(layout.panels.map((p) => p.id));
  const all: PanelConfig[] = [...layout.panels];
  for (const { key } of keys) {
    const id = lineId(key);
    if (removed.has(key) || present.has(id)) continue;
    all.push({ id, type: "line", key, size: "M" });
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
  if (panel.type === "scatter") return `${panel.yKey ?? "?"} vs ${panel.xKey ?? "?"}`;
  if (panel.type === "bar") return panel.key ?? "bar";
  return panel.key ?? "";
}

/** Replace (or insert) one panel, keeping the others as they are. */
export function upsertPanel(layout: PanelsLayout, panel: PanelConfig): PanelsLayout {
  const i = layout.panels.findIndex((p) => p.id === panel.id);
  const panels = [...layout.panels];
  if (i >= 0) panels[i] = panel;
  else panels.push(panel);
  return { ...layout, panels };
}

export function removePanel(layout: PanelsLayout, panel: PanelConfig): PanelsLayout {
  const panels = layout.panels.filter((p) => p.id !== panel.id);
  const removed =
    panel.type === "line" && panel.key && panel.id === lineId(panel.key) && !layout.removed.includes(panel.key)
      ? [...layout.removed, panel.key]
      : layout.removed;
  return { ...layout, panels, removed };
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
