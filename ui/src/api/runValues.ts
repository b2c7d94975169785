/** A run's non-metric data: its logged strings and JSON values by key, and its alerts. */

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { getJson } from "./client";
import { runApiPath } from "./runDetails";
import type { AlertsPage, LoggedValuesPage, RunAlert } from "./types";

export const VALUES_PAGE = 200;
const MAX_ALERTS = 1000;

/** One key's values in step order, `VALUES_PAGE` at a time ("show more" fetches the next). */
export function useLoggedValues(entity: string, project: string, runId: string, key: string | null, live: boolean) {
  return useInfiniteQuery({
    queryKey: ["run-values", entity, project, runId, key],
    queryFn: ({ pageParam, signal }) =>
      getJson<LoggedValuesPage>(`${runApiPath(entity, project, runId)}/values`, { key, after: pageParam, limit: VALUES_PAGE }, signal),
    initialPageParam: 0,
    getNextPageParam: (last) => last.next_after ?? undefined,
    enabled: key !== null,
    refetchInterval: live ? 15_000 : false,
  });
}

/** The run's alerts, oldest first (the first `MAX_ALERTS`); polled while it runs. */
export function useRunAlerts(entity: string, project: string, runId: string, live: boolean) {
  return useQuery({
    queryKey: ["run-alerts", entity, project, runId],
    queryFn: async ({ signal }) => {
      const alerts: RunAlert[] = [];
      let after: number | null = 0;
      while (after !== null && alerts.length < MAX_ALERTS) {
        const page: AlertsPage = await getJson<AlertsPage>(`${runApiPath(entity, project, runId)}/alerts`, { after, limit: 500 }, signal);
        alerts.push(...page.alerts);
        after = page.next_after;
      }
      return alerts;
    },
    refetchInterval: live ? 10_000 : false,
  });
}
