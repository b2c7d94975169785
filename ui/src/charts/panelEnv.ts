/** What a board knows about its keys that a panel module may need beyond `PanelBodyProps`: the
 * line panels' defaults (system metrics plot against relative time) and the metrics a line panel
 * can use as its x axis. Provided by PanelBoard; the default is an empty board. */

import { createContext, useContext } from "react";

export interface PanelEnv {
  /** metric key → "history" | "system" */
  metricKinds: ReadonlyMap<string, "history" | "system">;
  /** history metric keys (possible x axes of a line panel) */
  xKeys: readonly string[];
  /** metric key → its step metric (`define_metric`), the default x axis of its line panel */
  stepMetrics: ReadonlyMap<string, string>;
  /** the board groups runs (a line panel's band label says so) */
  grouped: boolean;
}

export const PanelEnvContext = createContext<PanelEnv>({
  metricKinds: new Map(),
  xKeys: [],
  stepMetrics: new Map(),
  grouped: false,
});

export function usePanelEnv(): PanelEnv {
  return useContext(PanelEnvContext);
}
