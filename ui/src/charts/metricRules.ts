/** The `define_metric` rules runs record (`meta.metrics`; the project keys answer's
 * `metric_rules`): a metric's default x axis (its step metric) and whether it gets a generated
 * panel (not when hidden). Matching is the SDK's: a key's own rule, else the last glob in the list
 * that matches it (`*` matches any characters; nothing else is special). */

import type { MetricKey } from "./layout";

export interface MetricRule {
  name: string;
  step_metric: string | null;
  summary: string[];
  goal: string | null;
  hidden: boolean;
  step_sync: boolean;
}

/** Read rules defensively: entries not of the documented shape are left out. */
export function parseMetricRules(value: unknown): MetricRule[] {
  if (!Array.isArray(value)) return [];
  const out: MetricRule[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const r = item as Record<string, unknown>;
    if (typeof r.name !== "string" || r.name === "") continue;
    out.push({
      name: r.name,
      step_metric: typeof r.step_metric === "string" && r.step_metric !== "" ? r.step_metric : null,
      summary: Array.isArray(r.summary) ? r.summary.filter((m): m is string => typeof m === "string") : [],
      goal: typeof r.goal === "string" ? r.goal : null,
      hidden: r.hidden === true,
      step_sync: r.step_sync !== false,
    });
  }
  return out;
}

const globCache = new Map<string, RegExp>();

function globRe(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`, "s");
    globCache.set(glob, re);
  }
  return re;
}

/** The rule that applies to `key`, or undefined. */
export function ruleFor(key: string, rules: readonly MetricRule[]): MetricRule | undefined {
  const own = rules.find((r) => r.name === key);
  if (own) return own;
  return rules.findLast((r) => r.name.includes("*") && globRe(r.name).test(key));
}

/** History keys with their step metric (a key is never its own x) and hidden flag; system keys
 * are left as they are. */
export function withRules(keys: readonly MetricKey[], rules: readonly MetricRule[]): MetricKey[] {
  if (rules.length === 0) return [...keys];
  return keys.map((k) => {
    if (k.kind !== "history") return k;
    const rule = ruleFor(k.key, rules);
    if (!rule) return k;
    const stepMetric = rule.step_metric !== null && rule.step_metric !== k.key ? rule.step_metric : undefined;
    return { ...k, ...(stepMetric ? { stepMetric } : {}), ...(rule.hidden ? { hidden: true } : {}) };
  });
}

/** A rule's summary as shown: "min, max", "best (maximize)", or "last" for the default. */
export function summaryText(rule: MetricRule): string {
  if (rule.summary.length === 0) return "last";
  return rule.summary.map((m) => (m === "best" && rule.goal ? `best (${rule.goal})` : m)).join(", ");
}
