/** The table panel (`table-file`, `joined-table`): server-side paging, sort, filter expression and
 * group-by; media cells inline; one run's table, several runs' stacked under `run`, or joined on a
 * column; CSV export of what the filter keeps. */

import { useEffect, useMemo, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { PanelBodyProps, PanelModule } from "../types";
import { MAX_COMPARE_RUNS, downloadTableCsv, queryTable, useKeyValues, type TableQuery, type TableSource } from "./api";
import { StepSelect } from "./StepSelect";
import { TableGrid } from "./TableGrid";
import { TableGroups } from "./TableGroups";
import { nextSort, tableSettings, withSettings } from "./settings";
import { baseColumns, exportName, groupableColumns, partialPollDelay, rowsText, WINDOW } from "./tableModel";
import "./table.css";

const TOOLBAR = 36;
const FOOTER = 22;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function TableBody(props: PanelBodyProps) {
  const { panel, entity, project, runs, seen, height, onState, onPainted, onChange } = props;
  const key = panel.key ?? "";
  const settings = tableSettings(panel);
  const shown = runs.slice(0, MAX_COMPARE_RUNS);
  const runList = shown.map((r) => r.id).join("\u0000");
  const runIds = useMemo(() => (runList === "" ? [] : runList.split("\u0000")), [runList]);
  const source: TableSource = useMemo(() => ({ entity, project, runIds }), [entity, project, runIds]);
  const multi = runIds.length > 1;
  // the settings object is rebuilt each render: the query is memoized on its parts
  const { step, expr, groupBy, joinOn } = settings;
  const sortText = JSON.stringify(settings.sort);
  const query: Omit<TableQuery, "offset" | "limit"> = useMemo(
    () => ({
      key,
      step,
      expr: expr.trim() || null,
      sort: JSON.parse(sortText) as TableQuery["sort"],
      group_by: groupBy,
      ...(multi ? { join_on: joinOn } : {}),
    }),
    [key, step, expr, sortText, groupBy, joinOn, multi],
  );
  const enabled = seen && key !== "" && runIds.length > 0;
  const client = useQueryClient();
  const firstKey = ["table-window", source, query, 0] as const;
  const first = useQuery({
    queryKey: firstKey,
    queryFn: ({ signal }) => queryTable(source, { ...query, offset: 0, limit: WINDOW }, signal),
    enabled,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
    // a new large table answers its first rows while the server builds it: ask again until full
    refetchInterval: (q) => partialPollDelay(q.state.data, q.state.dataUpdateCount),
    // a bad filter (4xx) will not get better by asking again
    retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status > 0 && error.status < 500),
  });
  const steps = useKeyValues(entity, project, runIds[0], key, enabled);
  // the typed filter follows the saved one whenever that changes (another tab, a reset)
  const [typed, setTyped] = useState({ saved: settings.expr, text: settings.expr });
  const draft = typed.saved === settings.expr ? typed.text : settings.expr;
  const setDraft = (text: string) => {
    setTyped({ saved: settings.expr, text });
  };
  const [exporting, setExporting] = useState<string | null>(null);

  const answer = first.data;
  const state = !enabled
    ? "idle"
    : first.isError
      ? "error"
      : answer === undefined
        ? "loading"
        : answer.total === 0 && !(answer.groups && answer.groups.length > 0)
          ? "empty"
          : "ready";
  useEffect(() => {
    if (state !== "idle") onState(state);
    if (state === "ready" || state === "empty") onPainted();
  }, [state, onState, onPainted]);

  const columns = answer ? baseColumns(answer.columns, runIds) : [];
  const groupable = groupableColumns(columns);
  const set = (patch: Parameters<typeof withSettings>[1]) => {
    onChange(withSettings(panel, patch));
  };
  const applyFilter = () => {
    if (draft !== settings.expr) set({ expr: draft });
  };
  const bodyHeight = Math.max(80, height - TOOLBAR - FOOTER);

  if (!seen) return <div className="tp-panel" style={{ height }} />;
  if (key === "") return <div className="panel-empty">This panel names no table key.</div>;
  if (runIds.length === 0) return <div className="panel-empty">No run is shown.</div>;

  return (
    <div className="tp-panel">
      <div className="tp-toolbar">
        <input
          type="search"
          className="tp-filter"
          aria-label="Filter rows"
          aria-invalid={first.isError && settings.expr !== ""}
          placeholder="Filter, e.g. score > 0.5 and label = cat"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") applyFilter();
            if (e.key === "Escape") setDraft(settings.expr);
          }}
          onBlur={applyFilter}
        />
        <label className="tp-control">
          <span>Group by</span>
          <select
            aria-label="Group by"
            value={settings.groupBy ?? ""}
            onChange={(e) => {
              set({ groupBy: e.target.value || null });
            }}
          >
            <option value="">none</option>
            {withCurrent(groupable, settings.groupBy).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        {multi ? (
          <label className="tp-control">
            <span>Runs</span>
            <select
              aria-label="Join runs on"
              value={settings.joinOn ?? ""}
              onChange={(e) => {
                set({ joinOn: e.target.value || null });
              }}
            >
              <option value="">stacked</option>
              {withCurrent(groupable, settings.joinOn).map((c) => (
                <option key={c} value={c}>
                  join on {c}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <StepSelect
          values={steps.data ?? []}
          step={settings.step}
          onStep={(step) => {
            set({ step });
          }}
        />
        <button
          type="button"
          className="tp-button"
          disabled={exporting === "…" || !answer}
          onClick={() => {
            setExporting("…");
            downloadTableCsv(source, query, exportName(key, answer?.step ?? settings.step)).then(
              () => {
                setExporting(null);
              },
              (error: unknown) => {
                setExporting(errorText(error));
              },
            );
          }}
        >
          {exporting === "…" ? "Exporting…" : "Export CSV"}
        </button>
      </div>
      {first.isError ? (
        <div className="tp-error" role="alert">
          {settings.expr ? "Filter: " : "Could not load the table: "}
          {errorText(first.error)}
        </div>
      ) : null}
      {exporting !== null && exporting !== "…" ? (
        <div className="tp-error" role="alert">
          Export failed: {exporting}
        </div>
      ) : null}
      {answer === undefined ? (
        first.isError ? null : (
          <div className="panel-empty" role="status">
            Loading {key}…
          </div>
        )
      ) : settings.groupBy && answer.groups ? (
        answer.groups.length === 0 ? (
          <div className="panel-empty">No rows match.</div>
        ) : (
          <TableGroups groups={answer.groups} groupBy={settings.groupBy} height={bodyHeight} />
        )
      ) : answer.total === 0 ? (
        <div className="panel-empty">{settings.expr ? "No rows match the filter." : "This table has no rows."}</div>
      ) : (
        <TableGrid
          source={source}
          query={query}
          first={answer}
          runs={shown}
          sort={settings.sort}
          height={bodyHeight}
          onSort={(column) => {
            set({ sort: nextSort(settings.sort, column) });
          }}
        />
      )}
      {answer ? (
        <div className="tp-footer" aria-live="polite">
          {rowsText(answer, partialPollDelay(answer, client.getQueryState(firstKey)?.dataUpdateCount ?? 0) !== false)}
          {answer.step !== null ? ` · step ${answer.step}` : ""}
          {multi ? ` · ${answer.sources?.length ?? runIds.length} of ${runIds.length} runs have it${settings.joinOn ? ` joined on ${settings.joinOn}` : ""}` : ""}
          {first.isFetching ? " · updating…" : ""}
        </div>
      ) : null}
    </div>
  );
}

/** `options` plus a saved choice the current answer does not list (kept, not silently dropped). */
function withCurrent(options: string[], current: string | null): string[] {
  return current !== null && !options.includes(current) ? [...options, current] : options;
}

export const tablePanel: PanelModule = {
  type: "table",
  label: "Table",
  add: "media",
  mediaTypes: ["table-file", "joined-table"],
  Body: TableBody,
  title: (panel) => panel.key ?? "Table",
};
