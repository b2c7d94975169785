/** One uPlot line chart: drag to zoom (the panel re-fetches that window), double-click to reset,
 * cursor synced across panels on the same x axis, a hover tooltip rendered as React text, and the
 * legend (when on) with every line's value at the cursor, this panel's or a synced one. */

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import type { LineSettings } from "./layout";
import type { LineModel } from "./lineData";
import { LineLegend, type LegendCursor } from "./LineLegend";
import { Swatch } from "./Swatch";
import { chartColors, formatDuration, formatNumber, formatX } from "./theme";
import type { Zoom } from "./zoomUrl";

export type { Zoom };

interface Props {
  model: LineModel;
  width: number;
  height: number;
  xAxis: string;
  settings: LineSettings;
  zoom: Zoom | null;
  theme: string;
  onZoom: (zoom: Zoom | null) => void;
  onDrawn: () => void;
}

interface Hover {
  left: number;
  top: number;
  idxs: (number | null)[];
  idx: number;
}

const TOOLTIP_ROWS = 12;
/** tick steps for a relative-time axis, in seconds */
const DURATION_INCRS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
  7200, 10800, 21600, 43200, 86400, 172800, 604800,
];
/** hover dots cost one DOM node per series: only for panels with few lines */
const HOVER_POINTS_MAX = 24;

function axisSize(_self: uPlot, values: string[] | null): number {
  const longest = (values ?? []).reduce((m, v) => Math.max(m, v.length), 0);
  return Math.max(36, 12 + longest * 7);
}

export function LineChart(props: Props) {
  const { model, width, height, xAxis, settings, zoom, theme } = props;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoomRef = useRef(zoom);
  const callbacks = useRef({ onZoom: props.onZoom, onDrawn: props.onDrawn });
  const modelRef = useRef(model);
  const [hover, setHover] = useState<Hover | null>(null);
  const [over, setOver] = useState(false);
  const overRef = useRef(false);
  const [cursor, setCursor] = useState<LegendCursor | null>(null);
  const legendRef = useRef(settings.legend);
  useLayoutEffect(() => {
    callbacks.current = { onZoom: props.onZoom, onDrawn: props.onDrawn };
    zoomRef.current = zoom;
    modelRef.current = model;
    legendRef.current = settings.legend;
  });

  const structure = useMemo(
    () =>
      JSON.stringify([
        model.specs.map((s) => [s.kind, s.color, s.dash]),
        model.bands.map((b) => [b.upper, b.lower]),
      ]),
    [model],
  );

  // (re)create the chart when what it draws changes shape; data alone goes through setData
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const colors = chartColors();
    const current = modelRef.current;
    const isTime = xAxis === "time";
    const axis = (side: "x" | "y"): uPlot.Axis => ({
      stroke: colors.fgSoft,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1 },
      font: "11px system-ui, sans-serif",
      ...(side === "y"
        ? {
            size: axisSize,
            values: (_u: uPlot, splits: number[]) => splits.map((v) => formatNumber(v)),
          }
        : isTime
          ? {}
          : {
              ...(xAxis === "relative" ? { incrs: DURATION_INCRS } : {}),
              values: (_u: uPlot, splits: number[]) =>
                splits.map((v) => (xAxis === "relative" ? formatDuration(v) : formatNumber(v))),
            }),
    });
    const few = current.specs.length <= HOVER_POINTS_MAX;
    const opts: uPlot.Options = {
      width: Math.max(width, 50),
      height,
      legend: { show: false },
      pxAlign: 0,
      padding: [8, 12, 0, 0],
      cursor: {
        // share the cursor only: a drag-zoom stays in its own panel
        sync: {
          key: `cairn-x-${xAxis}`,
          setSeries: false,
          filters: { pub: (type) => type === "mousemove" || type === "mouseleave" || type === "mouseenter" },
        },
        drag: { x: true, y: false, setScale: false },
        points: { show: few },
        hover: { skip: [null, undefined] },
        bind: {
          dblclick: () => () => {
            callbacks.current.onZoom(null);
            return null;
          },
        },
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: {
          time: isTime,
          // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- uPlot's Distr is an ambient const enum
          distr: settings.logX ? 3 : 1,
          range: (_u, dmin, dmax) => {
            const z = zoomRef.current;
            if (z) return [z.min, z.max];
            if (dmin === dmax) return [dmin - 1, dmax + 1];
            return [dmin, dmax];
          },
        },
        y: {
          // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- uPlot's Distr is an ambient const enum
          distr: settings.logY ? 3 : 1,
          range: (_u, dmin, dmax) => {
            const auto = settings.logY ? uPlot.rangeLog(dmin, dmax, 10, true) : uPlot.rangeNum(dmin, dmax, 0.05, true);
            const lo = settings.yMin ?? auto[0] ?? dmin;
            let hi = settings.yMax ?? auto[1] ?? dmax;
            if (!(hi > lo)) hi = lo + 1;
            return [lo, hi];
          },
        },
      },
      axes: [axis("x"), axis("y")],
      series: [
        {},
        ...current.specs.map<uPlot.Series>((spec) =>
          spec.kind === "band"
            ? { stroke: "transparent", width: 0, points: { show: false }, spanGaps: true }
            : {
                stroke: spec.color,
                ...(spec.dash.length > 0 ? { dash: spec.dash } : {}),
                // thin lines when there are many: anti-aliased 1.5 px strokes cost a lot to raster
                width: spec.kind === "raw" || current.lines.length > 20 ? 1 : 1.5,
                spanGaps: true,
                // uPlot shows the points themselves only where they are sparse
                ...(spec.kind === "raw" || !few ? { points: { show: false } } : {}),
              },
        ),
      ],
      bands: current.bands.map((b) => ({ series: [b.upper, b.lower], fill: b.color })),
      hooks: {
        setSelect: [
          (u) => {
            const { left, width: w } = u.select;
            if (w > 3) {
              const min = u.posToVal(left, "x");
              const max = u.posToVal(left + w, "x");
              if (max > min) callbacks.current.onZoom({ min, max });
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [
          (u) => {
            if (legendRef.current) {
              // the legend follows any cursor on this x axis, this panel's or a synced one
              const at = u.cursor.idx;
              const shown = at !== null && at !== undefined && u.cursor.left !== undefined && u.cursor.left >= 0;
              setCursor(shown ? { idx: at, idxs: [...(u.cursor.idxs ?? [])] } : null);
            }
            if (!overRef.current) return; // a synced cursor from another panel: crosshair only
            const idx = u.cursor.idx;
            if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
              setHover(null);
              return;
            }
            setHover({
              left: u.cursor.left + u.over.offsetLeft,
              top: (u.cursor.top ?? 0) + u.over.offsetTop,
              idx,
              idxs: [...(u.cursor.idxs ?? [])],
            });
          },
        ],
        draw: [
          () => {
            callbacks.current.onDrawn();
          },
        ],
      },
    };
    const data = [current.x, ...current.columns] as uPlot.AlignedData;
    const chart = new uPlot(opts, data, el);
    plot.current = chart;
    return () => {
      chart.destroy();
      plot.current = null;
    };
    // width is applied by setSize below; model data by setData
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structure, theme, height, xAxis, settings.logX, settings.logY, settings.yMin, settings.yMax]);

  useEffect(() => {
    plot.current?.setData([model.x, ...model.columns] as uPlot.AlignedData);
  }, [model]);

  useEffect(() => {
    const chart = plot.current;
    if (!chart) return;
    if (Math.round(chart.width) !== Math.round(width)) chart.setSize({ width: Math.max(width, 50), height });
  }, [width, height]);

  useEffect(() => {
    const chart = plot.current;
    if (!chart) return;
    // show the requested window at once (coarse data) while the finer one loads
    if (zoom) chart.setScale("x", { min: zoom.min, max: zoom.max });
    else if (model.x.length > 0) chart.setScale("x", { min: model.x[0] ?? 0, max: model.x[model.x.length - 1] ?? 1 });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [zoom]);

  return (
    <div
      className="line-chart"
      onMouseEnter={() => {
        overRef.current = true;
        setOver(true);
      }}
      onMouseLeave={() => {
        overRef.current = false;
        setOver(false);
        setHover(null);
      }}
    >
      <div ref={box} />
      {over && hover ? <Tooltip model={model} hover={hover} xAxis={xAxis} width={width} /> : null}
      {settings.legend ? <LineLegend model={model} cursor={cursor} xAxis={xAxis} /> : null}
    </div>
  );
}

function Tooltip({ model, hover, xAxis, width }: { model: LineModel; hover: Hover; xAxis: string; width: number }) {
  const x = model.x[hover.idx];
  const rows = model.lines
    .map((line) => {
      const i = hover.idxs[line.series] ?? hover.idx;
      const value = model.columns[line.series - 1]?.[i] ?? null;
      const raw = line.raw !== null ? (model.columns[line.raw - 1]?.[i] ?? null) : null;
      return { line, value, raw };
    })
    .filter((r) => r.value !== null)
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
  const shown = rows.slice(0, TOOLTIP_ROWS);
  const flip = hover.left > width / 2;
  return (
    <div
      className="chart-tooltip"
      role="tooltip"
      style={{
        top: Math.max(0, hover.top - 10),
        ...(flip ? { right: width - hover.left + 16 } : { left: hover.left + 16 }),
      }}
    >
      <div className="chart-tooltip-x">{x === undefined ? "" : formatX(x, xAxis)}</div>
      {shown.map(({ line, value, raw }) => (
        <div key={line.series} className="chart-tooltip-row">
          <Swatch color={line.color} dash={line.dash} />
          <span className="chart-tooltip-name">{line.label}</span>
          <span className="chart-tooltip-value">
            {formatNumber(value)}
            {raw !== null ? ` (${formatNumber(raw)})` : ""}
          </span>
        </div>
      ))}
      {rows.length > shown.length ? <div className="chart-tooltip-more">and {rows.length - shown.length} more</div> : null}
    </div>
  );
}
