/** Picking a logged value by step. */

import type { LoggedValue } from "./api";

/** The value logged at `step` (the last one at that step), or the latest when `step` is null. */
export function valueAt<V>(values: readonly LoggedValue<V>[], step: number | null): LoggedValue<V> | undefined {
  if (step === null) return values[values.length - 1];
  let found: LoggedValue<V> | undefined;
  for (const v of values) if (v.step === step) found = v;
  return found;
}
