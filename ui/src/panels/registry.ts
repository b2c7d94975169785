/** The one place panel types are known (docs/design/0010, "Web app: the panel registry").
 *
 * Panel modules are registered once, at start-up, by `./index.ts`; everything else (the panel
 * frame, Add panel, the layout's titles and sections, generated media panels, the run page's
 * Media tab) asks the registry instead of branching on a panel type.
 */

import type { PanelModule } from "./types";

const modules = new Map<string, PanelModule>();

/** Register panel modules, in order: the first module listing a media `_type` is its default.
 * Registering a type again replaces its module in place (a hot reload re-runs `./index.ts`). */
export function registerPanel(...list: readonly PanelModule[]): void {
  for (const module of list) modules.set(module.type, module);
}

/** The module of a panel type, or undefined for a type this build does not know. */
export function panelModule(type: string): PanelModule | undefined {
  return modules.get(type);
}

/** Every registered module, in registration order. */
export function panelModules(): PanelModule[] {
  return [...modules.values()];
}

/** The default panel for a media `_type`: the first registered module listing it. */
export function moduleForMediaType(mediaType: string): PanelModule | undefined {
  for (const module of modules.values()) {
    if (module.add === "media" && module.mediaTypes?.includes(mediaType)) return module;
  }
  return undefined;
}

/** A media key as the keys APIs list it (`{key, type}`; more fields are ignored here). */
export interface MediaKeyRef {
  key: string;
  type: string;
}

/** What a board can offer the Add panel form: null where that kind of key makes no sense. */
export interface AddContext {
  /** metric keys (line panels); empty or null: no metric panel to add */
  metrics: readonly string[] | null;
  /** config./summary. keys (scatter, bar); null: one run, such panels make no sense */
  fieldKeys: readonly string[] | null;
  /** media keys with their `_type` */
  media: readonly MediaKeyRef[];
}

/** An Add panel entry: the module and the keys it can be added for ("metric", "field" and
 * "media" modules pick one key, "xy" modules two of `keys`). */
export interface AddablePanel {
  module: PanelModule;
  keys: string[];
}

/** The modules Add panel lists here, each with its keys; modules with nothing to offer are left
 * out (a media panel type whose `_type`s no key has, a metric panel without metrics). */
export function addablePanels(ctx: AddContext): AddablePanel[] {
  const out: AddablePanel[] = [];
  for (const module of modules.values()) {
    const keys = addableKeys(module, ctx);
    if (keys) out.push({ module, keys });
  }
  return out;
}

function addableKeys(module: PanelModule, ctx: AddContext): string[] | null {
  switch (module.add) {
    case "metric":
      return ctx.metrics && ctx.metrics.length > 0 ? [...ctx.metrics] : null;
    case "xy":
      return ctx.fieldKeys !== null ? [...ctx.fieldKeys] : null;
    case "field": {
      if (ctx.fieldKeys === null) return null;
      // a single value per run: summaries first, config keys when there is no summary
      const summaries = ctx.fieldKeys.filter((k) => k.startsWith("summary."));
      return summaries.length > 0 ? summaries : [...ctx.fieldKeys];
    }
    case "media": {
      const types = module.mediaTypes ?? [];
      const keys = ctx.media.filter((m) => types.includes(m.type)).map((m) => m.key);
      return keys.length > 0 ? keys : null;
    }
  }
}
