/** Flattening nested config/summary into dotted keys, and finding which keys differ. */

/** `{a: {b: 1}, c: 2}` → `{"a.b": 1, c: 2}`; lists stay values. */
export function flatten(value: Record<string, unknown> | null | undefined, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.keys(item).length > 0) {
      Object.assign(out, flatten(item as Record<string, unknown>, path));
    } else {
      out[path] = item;
    }
  }
  return out;
}

/** Whether the runs disagree on a key (a missing value differs from any present one). */
export function differs(values: unknown[]): boolean {
  if (values.length < 2) return false;
  const first = JSON.stringify(values[0] ?? null);
  return values.some((v) => JSON.stringify(v ?? null) !== first);
}

/** Every key of any of the maps, sorted. */
export function unionKeys(maps: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const map of maps) for (const key of Object.keys(map)) keys.add(key);
  return [...keys].sort();
}
