/** A line plot of one or more metrics for many runs, and of derived metrics (expressions over
 * a run's series): fetches ~width buckets of the shown x window (all runs and keys in one
 * request, batched with the other panels), re-fetches on zoom, appends live data. */

import { useCallback, useEffect, useMemo, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import type { BucketColumn } from "../api/history";
import type { SeriesWindow } from "../api/columns";
import type { XAxis } from "../api/types";
import { ErrorMessage } from "../components/Status";
import { parseExpression, type Expr } from "../lib/expression";
import { appendLive, toBuckets, type FetchedSeries } from "../lib/live";
import type { ChartRun } from "./chartRun";
import { useBoard } from "./board";
import { derivedLine } from "./derived";
import { loadWindows, type WindowParams } from "./historyLoader";
import type { LineSettings } from "./layout";
import { X_AXES } from "./layout";
import { LineChart, type Zoom } from "./LineChart";
import { buildLineModel, dashFor, wantsStd, type RunSeries } from "./lineData";
import { useBoardZoom, zoomFor } from "./zoomUrl";
import { useTheme } from "./theme";
import type { PanelState } from "../panels/types";

export type { PanelState };

interface Props {
  /** the metrics drawn, one line each per run */
  metrics: string[];
  /** derived metrics: expressions over a run's series, a line each per run */
  expressions: readonly string[];
  /** the project's metric keys: bare names in expressions may run across "/" to match one */
  knownKeys: ReadonlySet<string>;
  runs: ChartRun[];
  grouped: boolean;
  settings: LineSettings;
  width: number;
  height: number;
  seen: boolean;
  onState: (state: PanelState, mode: "exact" | "buckets" | null) => void;
  /** called when the chart has drawn data (for the paint performance marks) */
  onPainted: () => void;
}

/** Buckets to ask for: about the plot width, rounded so panels of one size share requests. */
export function bucketsFor(width: number): number {
  return Math.min(4000, Math.max(100, Math.ceil(width / 100) * 100));
}

/** The arrays a ±std band of single runs needs on top of the default set. */
const WITH_STD: BucketColumn[] = ["last", "min", "max", "mean", "count", "std"];

function windowParams(
  settings: LineSettings,
  zoom: Zoom | null,
  buckets: number,
  grouped: boolean,
): WindowParams {
  const isAxis = (X_AXES as readonly string[]).includes(settings.xAxis);
  return {
    x_axis: isAxis ? (settings.xAxis as XAxis) : "step",
    x_key: isAxis ? null : settings.xAxis,
    x_min: zoom ? zoom.min : null,
    x_max: zoom ? zoom.max : null,
    buckets,
    columns: wantsStd(settings.band, grouped) ? WITH_STD : null,
  };
}

/** One key's windows for the panel's runs. */
interface KeySeries extends FetchedSeries {
  key: string;
}

interface ParsedExpression {
  text: string;
  parsed: { expr: Expr; metrics: string[] } | null;
  error: string | null;
}

/** Append live windows to what the panel holds, key by key. */
function appendLiveKeys(old: KeySeries[], windows: SeriesWindow[], buckets: number): KeySeries[] {
  const keys = [...new Set([...old.map((s) => s.key), ...windows.map((w) => w.key)])];
  return keys.flatMap((key) =>
    appendLive(
      old.filter((s) => s.key === key),
      windows.filter((w) => w.key === key),
      buckets,
    ).map((s) => ({ ...s, key })),
  );
}

export function LinePanel(props: Props) {
  const { runs, grouped, width, height, seen, onState, knownKeys } = props;
  const metricsSig = JSON.stringify([props.metrics, props.expressions]);
  // parsed once per distinct list (the board rebuilds the arrays on every render)
  const exprs = useMemo<ParsedExpression[]>(
    () =>
      props.expressions.map((text) => {
        const result = parseExpression(text, knownKeys);
        return result.ok
          ? { text, parsed: { expr: result.expr, metrics: result.metrics }, error: null }
          : { text, parsed: null, error: `column ${result.column}: ${result.error}` };
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [metricsSig, knownKeys],
  );
  const metrics = useMemo(
    () => props.metrics,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [metricsSig],
  );
  // what to fetch: the drawn metrics and those the expressions name
  const keys = useMemo(
    () => [...new Set([...metrics, ...exprs.flatMap((e) => e.parsed?.metrics ?? [])])],
    [metrics, exprs],
  );
  // settings objects are rebuilt by the board on every render: keep one per distinct value
  const settingsKey = JSON.stringify(props.settings);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const settings = useMemo(() => props.settings, [settingsKey]);
  // the board's zoom (in the URL), for the panels on the x axis it was made on
  const board = useBoardZoom();
  const zoom = useMemo(() => zoomFor(board.zoom, settings.xAxis), [board.zoom, settings.xAxis]);
  const setBoardZoom = board.setZoom;
  const setZoom = useCallback(
    (z: Zoom | null) => {
      setBoardZoom(z ? { axis: settings.xAxis, ...z } : null);
    },
    [setBoardZoom, settings.xAxis],
  );
  const theme = useTheme();
  const { liveTick } = useBoard();
  const client = useQueryClient();
  const buckets = bucketsFor(width);
  const params = windowParams(settings, zoom, buckets, grouped);
  const paths = useMemo(() => runs.map((r) => r.path), [runs]);
  const runningSig = runs
    .filter((r) => r.state === "running")
    .map((r) => r.id)
    .join(",");
  const queryKey = ["cairn-history", keys.join("\n"), JSON.stringify(params), paths.join(","), runningSig];
  const query = useQuery({
    queryKey,
    queryFn: async ({ signal }): Promise<KeySeries[]> => {
      // one loadWindows per key: the loader sends them as one request
      const perKey = await Promise.all(keys.map((key) => loadWindows(paths, key, params, signal)));
      return perKey.flatMap((windows, i) =>
        windows.map((w) => ({ key: keys[i] ?? w.key, path: w.run, mode: w.mode, total: w.total, data: toBuckets(w) })),
      );
    },
    enabled: seen && runs.length > 0 && width > 0 && keys.length > 0,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });

  // live: fetch only what is new since the last x and append it (no full refetch per tick)
  useEffect(() => {
    if (liveTick === 0 || zoom || !query.data || !seen) return;
    const running = runs.filter((r) => r.state === "running");
    if (running.length === 0) return;
    if (params.x_key !== null) {
      if (liveTick % 5 === 0) void client.invalidateQueries({ queryKey });
      return;
    }
    // one request for every key from the earliest last x any of them has (older x is dropped)
    const have = new Map(query.data.map((s) => [`${s.key}\n${s.path}`, s.data.x[s.data.x.length - 1]]));
    let xMin: number | null = Infinity;
    for (const r of running) {
      for (const key of keys) {
        const last = have.get(`${key}\n${r.path}`);
        if (last === undefined) {
          xMin = null;
          break;
        }
        xMin = Math.min(xMin, last);
      }
      if (xMin === null) break;
    }
    if (xMin === Infinity) return;
    const step = params.x_axis === "step" ? 1 : 1e-6;
    const controller = new AbortController();
    const live = { ...params, x_min: xMin === null ? null : xMin + step, x_max: null };
    Promise.all(keys.map((key) => loadWindows(running.map((r) => r.path), key, live, controller.signal)))
      .then((perKey) => {
        const windows = perKey.flat();
        if (windows.length === 0) return;
        client.setQueryData<KeySeries[]>(queryKey, (old) => (old ? appendLiveKeys(old, windows, buckets) : old));
      })
      .catch(() => undefined); // a failed tick is retried by the next one
    return () => {
      controller.abort();
    };
    // only on a new tick
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [liveTick]);

  const model = useMemo(() => {
    const named = metrics.length + exprs.length > 1;
    const byRun = new Map<string, Map<string, KeySeries>>();
    for (const s of query.data ?? []) {
      const windows = byRun.get(s.path) ?? new Map<string, KeySeries>();
      windows.set(s.key, s);
      byRun.set(s.path, windows);
    }
    // run by run, its metrics in order, then its derived lines
    const series: RunSeries[] = [];
    for (const run of runs) {
      const windows = byRun.get(run.path);
      if (!windows) continue;
      const base = { path: run.path, name: run.name, color: run.color, group: run.group };
      metrics.forEach((key, i) => {
        const s = windows.get(key);
        if (!s) return;
        series.push({ ...base, mode: s.mode, total: s.total, data: s.data, dash: dashFor(i), ...(named ? { metric: key } : {}) });
      });
      exprs.forEach((e, i) => {
        if (!e.parsed) return;
        const line = derivedLine(e.parsed.expr, e.parsed.metrics, windows, buckets);
        if (!line || line.data.x.length === 0) return;
        series.push({
          ...base,
          mode: line.mode,
          total: line.data.x.length,
          data: line.data,
          dash: dashFor(metrics.length + i),
          metric: line.bucketMeans ? `${e.text} (bucket means)` : e.text,
          noBand: true,
        });
      });
    }
    return buildLineModel(series, { settings, grouped, cells: buckets, zoom });
  }, [query.data, runs, metrics, exprs, settings, grouped, buckets, zoom]);
  const problems = exprs.filter((e) => e.error !== null);

  const [drawn, setDrawn] = useState<unknown>(null);
  const onPainted = props.onPainted;
  const onDrawn = useCallback(() => {
    setDrawn(model);
    if (model.lines.length > 0) onPainted();
  }, [model, onPainted]);

  const empty = query.isSuccess && model.lines.length === 0;
  let state: PanelState = "idle";
  if (query.isError) state = "error";
  else if (runs.length === 0 || keys.length === 0 || empty) state = "empty";
  else if (query.isSuccess && !query.isPlaceholderData && !query.isFetching && drawn === model) state = "ready";
  else if (seen) state = "loading";
  const mode = query.data ? model.mode : null;
  useEffect(() => {
    onState(state, mode);
  }, [state, mode, onState]);

  if (keys.length === 0) {
    return <div className="panel-empty">No metric to plot: add one in the panel settings (⚙)</div>;
  }
  if (runs.length === 0) return <div className="panel-empty">No runs to show</div>;
  if (query.isError) return <ErrorMessage error={query.error} what="this chart" />;
  if (!query.data) {
    return (
      <div className="panel-empty" role="status">
        {seen ? "Loading…" : ""}
      </div>
    );
  }
  if (empty) {
    return (
      <div className="panel-empty">
        {zoom ? (
          <>
            No points in this range. <ResetZoom onReset={setZoom} />
          </>
        ) : (
          "No data for the shown runs"
        )}
      </div>
    );
  }
  return (
    <div className="line-panel">
      <LineChart
        model={model}
        width={width}
        height={height}
        xAxis={settings.xAxis}
        settings={settings}
        zoom={zoom}
        theme={theme}
        onZoom={setZoom}
        onDrawn={onDrawn}
      />
      {problems.map((e) => (
        <div key={e.text} className="panel-problem" role="note">
          Derived line <code>{e.text}</code> is not drawn: {e.error}
        </div>
      ))}
      <div className="panel-foot">
        {params.x_key !== null ? (
          <span className="panel-x" data-x-key={params.x_key} title="the x axis: this metric's values at the same steps">
            x: {params.x_key}
          </span>
        ) : null}
        {zoom ? <ResetZoom onReset={setZoom} /> : null}
        {query.isFetching ? <span className="panel-fetching">updating…</span> : null}
        <span className="panel-mode" title="what the server answered for this window">
          {model.mode === "exact" ? "exact points" : `${buckets} buckets`}
        </span>
      </div>
    </div>
  );
}

function ResetZoom({ onReset }: { onReset: (zoom: null) => void }) {
  return (
    <button
      type="button"
      className="link-button"
      onClick={() => {
        onReset(null);
      }}
    >
      Reset zoom
    </button>
  );
}
