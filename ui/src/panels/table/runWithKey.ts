/** Which run a one-run panel (chart, plotly, 3D) shows when several are shown. */

import { useQueries, useQueryClient } from "@tanstack/react-query";
import type { ChartRun } from "../../charts/chartRun";
import { keyValuesQuery, type LoggedValue } from "./api";

/**
 * The run the user chose, else the first shown run that logged `key`. Runs are asked in order,
 * each only once every run before it has answered that it has no value of `key`, so the usual
 * case (the first run has it) costs one request. While a run's answer is pending, or failed, that
 * run is returned (the panel shows its loading or error state); if no run has the key, the first.
 */
export function useRunWithKey(entity: string, project: string, runs: readonly ChartRun[], key: string, seen: boolean, chosen: string | null): ChartRun | undefined {
  const client = useQueryClient();
  const picked = runs.find((r) => r.id === chosen);
  const lacks = (run: ChartRun) => client.getQueryData<LoggedValue[]>(keyValuesQuery(entity, project, run.id, key).queryKey)?.length === 0;
  const results = useQueries({
    queries: runs.map((run, i) => ({
      ...keyValuesQuery(entity, project, run.id, key),
      enabled: seen && picked === undefined && key !== "" && runs.slice(0, i).every(lacks),
    })),
  });
  if (picked) return picked;
  const first = results.findIndex((r) => r.data === undefined || r.data.length > 0);
  return runs[first < 0 ? 0 : first];
}
