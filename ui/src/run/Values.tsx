/** The run page's Values tab: what the run logged that is neither a metric nor media (strings,
 * lists, objects), key by key, each value at its step. */

import { useState } from "react";
import { useLoggedValues, VALUES_PAGE } from "../api/runValues";
import type { RunValueKey } from "../api/types";
import { useRunKeys } from "../charts/RunCharts";
import type { ChartRun } from "../charts/chartRun";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime } from "../lib/format";

interface Props {
  run: ChartRun;
  entity: string;
  project: string;
}

/** A value as text: strings as they are, anything else as indented JSON. */
export function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}

export function Values({ run, entity, project }: Props) {
  const keys = useRunKeys(entity, project, run);
  const [chosen, setChosen] = useState<string | null>(null);
  if (keys.isPending) return <Loading what="the run's values" />;
  if (keys.isError) return <ErrorMessage error={keys.error} what="the run's values" />;
  const list: RunValueKey[] = keys.data.values ?? [];
  if (list.length === 0) {
    return (
      <Empty>
        No text or other non-metric values logged. Strings, lists and objects logged with <code>run.log()</code> appear here, e.g.{" "}
        <code>run.log({"{"}"phase": "warmup"{"}"})</code>.
      </Empty>
    );
  }
  const key = chosen !== null && list.some((k) => k.key === chosen) ? chosen : (list[0]?.key ?? null);
  return (
    <div className="values">
      <ul className="value-keys" aria-label="Value keys">
        {list.map((k) => (
          <li key={k.key}>
            <button type="button" aria-pressed={k.key === key} onClick={() => { setChosen(k.key); }}>
              <span className="mono">{k.key}</span>
              <span className="value-key-type"> {k.type} · {k.count}</span>
            </button>
          </li>
        ))}
      </ul>
      {key !== null && <KeyValues entity={entity} project={project} run={run} valueKey={key} />}
    </div>
  );
}

function KeyValues({ entity, project, run, valueKey }: { entity: string; project: string; run: ChartRun; valueKey: string }) {
  const pages = useLoggedValues(entity, project, run.id, valueKey, run.state === "running");
  if (pages.isPending) return <Loading what={`the values of ${valueKey}`} />;
  if (pages.isError) return <ErrorMessage error={pages.error} what={`the values of ${valueKey}`} />;
  const rows = pages.data.pages.flatMap((p) => p.values);
  return (
    <div className="value-list">
      <table className="files-table value-table" aria-label={`Values of ${valueKey}`}>
        <thead>
          <tr>
            <th scope="col" className="right">Step</th>
            <th scope="col">Logged</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={`${String(row.step)}-${String(i)}`}>
              <td className="right mono">{row.step}</td>
              <td>{formatDateTime(row.time)}</td>
              <td><pre className="value-text">{valueText(row.value)}</pre></td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages.hasNextPage && (
        <button type="button" disabled={pages.isFetchingNextPage} onClick={() => { void pages.fetchNextPage(); }}>
          Show {VALUES_PAGE} more
        </button>
      )}
    </div>
  );
}
