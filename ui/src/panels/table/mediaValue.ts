/** The logged file value a plotly or 3D panel shows: the value at the chosen step, its bytes' URL. */

import { useQuery } from "@tanstack/react-query";
import type { ChartRun } from "../../charts/chartRun";
import { fetchMediaJson, mediaUrl, useKeyValues, type LoggedValue } from "./api";
import { valueAt } from "./steps";

export interface FileValue {
  _type: string;
  sha256: string;
  format?: string;
  path?: string;
  size?: number;
}

export function isFileValue(value: unknown): value is FileValue {
  return typeof value === "object" && value !== null && typeof (value as FileValue).sha256 === "string";
}

/** The values of `key` in `run`, the one at `step` (latest when null), and its JSON once fetched. */
export function useFileJson(entity: string, project: string, run: ChartRun | undefined, key: string, step: number | null, seen: boolean, parse: boolean) {
  const values = useKeyValues(entity, project, run?.id, key, seen);
  const logged: LoggedValue | undefined = values.data ? valueAt(values.data, step) : undefined;
  const file = logged && isFileValue(logged.value) ? logged.value : null;
  const url = run && file ? mediaUrl(entity, project, run.id, file.sha256) : null;
  const json = useQuery({
    queryKey: ["media-json", url],
    queryFn: ({ signal }) => fetchMediaJson(url ?? "", signal),
    enabled: seen && url !== null && parse,
    staleTime: Infinity,
  });
  return { values, logged, file, url, json };
}
