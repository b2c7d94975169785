/** A line plot of one metric for many runs: fetches ~width buckets of the shown x window (all
 * runs in one request, batched with the other panels), re-fetches on zoom, appends live data. */

import { useCallback, useEffect, useMemo, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import type { BucketColumn } from "../api/history";
import type { XAxis } from "../api/types";
import { ErrorMessage } from "../components/Status";
import { appendLive, toBuckets, type FetchedSeries } from "../lib/live";
import type { ChartRun } from "./chartRun";
import { useBoard } from "./board";
import { loadWindows, type WindowParams } from "./historyLoader";
import type { LineSettings } from "./layout";
import { X_AXES } from "./layout";
import { LineChart, type Zoom } from "./LineChart";
import { buildLineModel, wantsStd, type RunSeries } from "./lineData";
import { useBoardZoom, zoomFor } from "./zoomUrl";
import { useTheme } from "./theme";
import type { PanelState } from "../panels/types";

export type { PanelState };

interface Props {
  metric: string;
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

export function LinePanel(props: Props) {
  const { metric, runs, grouped, width, height, seen, onState } = props;
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
  const queryKey = ["cairn-history", metric, JSON.stringify(params), paths.join(","), runningSig];
  const query = useQuery({
    queryKey,
    queryFn: async ({ signal }): Promise<FetchedSeries[]> => {
      const windows = await loadWindows(paths, metric, params, signal);
      return windows.map((w) => ({ path: w.run, mode: w.mode, total: w.total, data: toBuckets(w) }));
    },
    enabled: seen && runs.length > 0 && width > 0,
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
    const have = new Map(query.data.map((s) => [s.path, s.data.x[s.data.x.length - 1]]));
    let xMin: number | null = Infinity;
    for (const r of running) {
      const last = have.get(r.path);
      if (last === undefined) {
        xMin = null;
        break;
      }
      xMin = Math.min(xMin, last);
    }
    if (xMin === Infinity) return;
    const step = params.x_axis === "step" ? 1 : 1e-6;
    const controller = new AbortController();
    loadWindows(
      running.map((r) => r.path),
      metric,
      { ...params, x_min: xMin === null ? null : xMin + step, x_max: null },
      controller.signal,
    )
      .then((windows) => {
        if (windows.length === 0) return;
        client.setQueryData<FetchedSeries[]>(queryKey, (old) => (old ? appendLive(old, windows, buckets) : old));
      })
      .catch(() => undefined); // a failed tick is retried by the next one
    return () => {
      controller.abort();
    };
    // only on a new tick
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [liveTick]);

  const model = useMemo(() => {
    const info = new Map(runs.map((r) => [r.path, r]));
    const series: RunSeries[] = [];
    for (const s of query.data ?? []) {
      const run = info.get(s.path);
      if (!run) continue;
      series.push({ ...s, name: run.name, color: run.color, group: run.group });
    }
    return buildLineModel(series, { settings, grouped, cells: buckets, zoom });
  }, [query.data, runs, settings, grouped, buckets, zoom]);

  const [drawn, setDrawn] = useState<unknown>(null);
  const onPainted = props.onPainted;
  const onDrawn = useCallback(() => {
    setDrawn(model);
    if (model.lines.length > 0) onPainted();
  }, [model, onPainted]);

  const empty = query.isSuccess && model.lines.length === 0;
  let state: PanelState = "idle";
  if (query.isError) state = "error";
  else if (runs.length === 0 || empty) state = "empty";
  else if (query.isSuccess && !query.isPlaceholderData && !query.isFetching && drawn === model) state = "ready";
  else if (seen) state = "loading";
  const mode = query.data ? model.mode : null;
  useEffect(() => {
    onState(state, mode);
  }, [state, mode, onState]);

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
      {settings.legend ? (
        <ul className="panel-legend" aria-label="Legend">
          {model.lines.map((line) => (
            <li key={line.series}>
              <span className="swatch" style={{ background: line.color }} />
              {line.label}
            </li>
          ))}
        </ul>
      ) : null}
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
