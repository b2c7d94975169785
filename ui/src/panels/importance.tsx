/** Parameter importance for a metric (the panel's key): per config key, a random forest's
 * importance and the correlation with the metric, as a table with bars, sortable by any column.
 * The table carries `data-order` (the keys as shown, comma-separated) for tests. */

import { useEffect, useMemo, useState } from "react";
import { runValue } from "../charts/layout";
import { formatNumber } from "../charts/theme";
import { paramImportance, sortImportance, type ImportanceColumn } from "./importanceModel";
import { parallelSettings, ParallelSettings, type ParallelRun } from "./parallel";
import { varyingKeys } from "./parallelModel";
import type { PanelBodyProps, PanelModule, PanelState } from "./types";

interface TableProps {
  runs: readonly ParallelRun[];
  metric: string | undefined;
  /** the keys to rate; empty or undefined: the config keys that vary */
  keys?: readonly string[];
  onState?: (state: PanelState, mode: null) => void;
}

const shortKey = (key: string) => key.replace(/^(config|summary)\./, "");

export function ImportanceTable({ runs, metric, keys, onState }: TableProps) {
  const [sort, setSort] = useState<{ by: ImportanceColumn; desc: boolean }>({ by: "importance", desc: true });
  const params = useMemo(() => (keys && keys.length > 0 ? keys.filter((k) => k !== metric) : varyingKeys(runs)), [keys, runs, metric]);
  // a live page refetches the runs every few seconds: refit only when a run or a value changed
  const signature = useMemo(
    () => JSON.stringify([metric, params, runs.map((r) => [r.id, metric ? runValue(r, metric) : null, ...params.map((k) => runValue(r, k))])]),
    [runs, params, metric],
  );
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the signature stands for runs and params
  const rated = useMemo(() => (metric ? paramImportance(runs, params, metric) : []), [signature]);
  const rows = useMemo(() => sortImportance(rated, sort.by, sort.desc), [rated, sort]);
  const empty = !metric || rows.length === 0;
  useEffect(() => {
    onState?.(empty ? "empty" : "ready", null);
  }, [empty, onState]);

  if (!metric) return <div className="panel-empty">Pick a metric in the settings</div>;
  if (rows.length === 0) return <div className="panel-empty">No config key varies among these runs</div>;
  const header = (by: ImportanceColumn, label: string) => (
    <th aria-sort={sort.by === by ? (sort.desc ? "descending" : "ascending") : "none"}>
      <button
        type="button"
        className="link-button"
        onClick={() => { setSort((s) => ({ by, desc: s.by === by ? !s.desc : by !== "key" })); }}
      >
        {label}
        {sort.by === by ? (sort.desc ? " ▾" : " ▴") : ""}
      </button>
    </th>
  );
  return (
    <div className="importance-panel">
      <table className="importance-table" data-order={rows.map((r) => r.key).join(",")}>
        <thead>
          <tr>
            {header("key", "Parameter")}
            {header("importance", "Importance")}
            {header("correlation", "Correlation")}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-key={row.key}>
              <td className="importance-key" title={row.key}>{shortKey(row.key)}</td>
              <td>
                <span className="importance-bar" title={formatNumber(row.importance)}>
                  <span style={{ width: `${Math.round(row.importance * 100)}%` }} />
                </span>
                <span className="importance-value">{formatNumber(Number(row.importance.toFixed(3)))}</span>
              </td>
              <td>
                {row.correlation === null ? (
                  <span className="importance-value" title="categorical or constant">–</span>
                ) : (
                  <>
                    <span className={`correlation-bar ${row.correlation < 0 ? "negative" : "positive"}`}>
                      <span style={{ width: `${Math.round(Math.abs(row.correlation) * 100)}%` }} />
                    </span>
                    <span className="importance-value">{formatNumber(Number(row.correlation.toFixed(3)))}</span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="importance-note">
        {rated.length} parameters · {runs.length} runs · metric {shortKey(metric)}
      </p>
    </div>
  );
}

function ImportanceBody({ panel, runs, seen, onState }: PanelBodyProps) {
  const { axes } = parallelSettings(panel);
  if (!seen) return null;
  return <ImportanceTable runs={runs} metric={panel.key} keys={axes} onState={onState} />;
}

export const importanceModule: PanelModule = {
  type: "importance",
  label: "Parameter importance",
  add: "field",
  Body: ImportanceBody,
  Settings: ParallelSettings,
  title: (panel) => `Parameter importance${panel.key ? ` · ${shortKey(panel.key)}` : ""}`,
};
