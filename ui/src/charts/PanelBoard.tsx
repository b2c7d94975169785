/** The panel board shared by the workspace and the run page: toolbar (search, add panel, live),
 * collapsible sections of panels, the expanded panel named by the `panel` URL parameter and the
 * x zoom shared by the line panels (`xaxis`, `xmin`, `xmax` URL parameters). */

import { useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { Empty, ErrorMessage, Loading } from "../components/Status";
// registers every panel type before a board renders
import "../panels";
import type { MediaKeyRef } from "../panels/registry";
import type { ChartRun } from "./chartRun";
import { AddPanel } from "./AddPanel";
import { BoardContext, PaintTracker, type BoardContextValue } from "./board";
import {
  addPanel,
  buildSections,
  movePanel,
  panelMatcher,
  removePanel,
  toggleCollapsed,
  upsertPanel,
  type MetricKey,
  type PanelConfig,
  type PanelsLayout,
  type Section,
} from "./layout";
import { PanelEnvContext, type PanelEnv } from "./panelEnv";
import { PanelFrame } from "./PanelFrame";
import { ZoomContext, readZoom, writeZoom, type AxisZoom, type ZoomContextValue } from "./zoomUrl";
import "./charts.css";

export const LIVE_INTERVAL_MS = 3000;

const NO_MEDIA: readonly MediaKeyRef[] = [];

export interface BoardProps {
  entity: string;
  project: string;
  runs: ChartRun[];
  grouped: boolean;
  metrics: MetricKey[] | undefined;
  /** media keys with their `_type`: each gets a generated panel of its default type */
  media?: readonly MediaKeyRef[];
  metricsError: unknown;
  layout: PanelsLayout;
  onLayout: (layout: PanelsLayout) => void;
  /** config./summary. keys for scatter and bar panels; null hides those panel types */
  fieldKeys: string[] | null;
  noRunsText: string;
  noMetricsText?: string;
}

export function PanelBoard(props: BoardProps) {
  const { entity, project, runs, grouped, metrics, metricsError, layout, onLayout, fieldKeys } = props;
  const media = props.media ?? NO_MEDIA;
  const [search, setSearch] = useState("");
  const [live, setLive] = useState(true);
  const [liveTick, setLiveTick] = useState(0);
  const [params, setParams] = useSearchParams();
  const tracker = useRef<PaintTracker | null>(null);
  tracker.current ??= new PaintTracker();
  const anyRunning = runs.some((r) => r.state === "running");

  useEffect(() => {
    if (!live || !anyRunning) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") setLiveTick((t) => t + 1);
    }, LIVE_INTERVAL_MS);
    return () => {
      window.clearInterval(timer);
    };
  }, [live, anyRunning]);

  const board = useMemo<BoardContextValue>(
    () => ({
      liveTick,
      reportVisible: (id, on) => tracker.current?.setVisible(id, on),
      reportPainted: (id) => tracker.current?.setPainted(id),
    }),
    [liveTick],
  );

  // one zoom for every line panel on the same x axis, kept in the address
  const zoomParam = [params.get("xaxis"), params.get("xmin"), params.get("xmax")].join("|");
  const zoom = useMemo(
    () => readZoom(params),
    // re-read only when one of the zoom parameters changes
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [zoomParam],
  );
  const zoomContext = useMemo<ZoomContextValue>(
    () => ({
      zoom,
      setZoom: (next: AxisZoom | null) => {
        setParams((prev) => writeZoom(prev, next), { replace: true });
      },
    }),
    [zoom, setParams],
  );

  const env = useMemo<PanelEnv>(
    () => ({
      metricKinds: new Map((metrics ?? []).map((m) => [m.key, m.kind])),
      xKeys: (metrics ?? []).filter((m) => m.kind === "history").map((m) => m.key),
      stepMetrics: new Map((metrics ?? []).flatMap((m) => (m.stepMetric ? [[m.key, m.stepMetric]] : []))),
      grouped,
    }),
    [metrics, grouped],
  );
  const sections = useMemo(() => buildSections(layout, metrics ?? [], media), [layout, metrics, media]);
  const matches = useMemo(() => panelMatcher(search), [search]);
  const expandedId = params.get("panel");
  const expanded = expandedId ? sections.flatMap((s) => s.panels).find((p) => p.id === expandedId) : undefined;

  const setExpanded = (id: string | null) => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (id) next.set("panel", id);
        else next.delete("panel");
        return next;
      },
      { replace: false },
    );
  };

  useEffect(() => {
    if (!expanded) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setExpanded(null);
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  });

  if (metricsError) return <ErrorMessage error={metricsError} what="the metric keys" />;
  if (!metrics) return <Loading what="charts" />;

  const frame = (panel: PanelConfig, section: Section | null, index: number, count: number, isExpanded: boolean) => (
    <PanelFrame
      key={panel.id}
      panel={panel}
      entity={entity}
      project={project}
      runs={runs}
      grouped={grouped}
      index={index}
      count={count}
      expanded={isExpanded}
      onChange={(p) => {
        onLayout(upsertPanel(layout, p));
      }}
      onRemove={() => {
        onLayout(removePanel(layout, panel));
      }}
      onMove={(to) => {
        if (section) onLayout(movePanel(layout, section, panel.id, to));
      }}
      onDropPanel={(dragged) => {
        if (section?.panels.some((p) => p.id === dragged)) onLayout(movePanel(layout, section, dragged, index));
      }}
      onExpand={(open) => {
        setExpanded(open ? panel.id : null);
      }}
    />
  );

  const shownSections = sections
    .map((s) => ({ ...s, shown: s.panels.filter(matches) }))
    .filter((s) => s.shown.length > 0 || !search.trim());
  const total = sections.reduce((n, s) => n + s.panels.length, 0);

  return (
    <BoardContext.Provider value={board}>
      <PanelEnvContext.Provider value={env}>
        <ZoomContext.Provider value={zoomContext}>
          <div className="panel-board">
            <div className="panel-toolbar" role="toolbar" aria-label="Charts">
              <input
                type="search"
                className="panel-search"
                placeholder="Search panels (text or /regex/)"
                aria-label="Search panels"
                value={search}
                onChange={(e) => {
                  setSearch(e.target.value);
                }}
              />
              <AddPanel
                metrics={metrics.map((m) => m.key)}
                fieldKeys={fieldKeys}
                media={media}
                onAdd={(panel) => {
                  onLayout(addPanel(layout, panel));
                }}
              />
              {anyRunning ? (
                <button
                  type="button"
                  className={`live-toggle${live ? " live-on" : ""}`}
                  aria-pressed={live}
                  aria-label="Live updates"
                  title={live ? "Pause live updates" : "Resume live updates"}
                  onClick={() => {
                    setLive(!live);
                  }}
                >
                  <span className="live-dot" aria-hidden="true" /> Live
                </button>
              ) : null}
              <span className="panel-count">
                {runs.length} run{runs.length === 1 ? "" : "s"} · {total} panel{total === 1 ? "" : "s"}
              </span>
            </div>
            {runs.length === 0 ? <Empty>{props.noRunsText}</Empty> : null}
            {total === 0 ? (
              <Empty>{props.noMetricsText ?? "No metrics logged yet. Charts appear here once runs call log()."}</Empty>
            ) : null}
            {search.trim() && shownSections.length === 0 ? <Empty>No panel matches “{search}”.</Empty> : null}
            {shownSections.map((section) => {
              const collapsed = layout.collapsed.includes(section.name);
              return (
                <section key={section.name} className="panel-section" aria-label={`Section ${section.name}`}>
                  <h3 className="panel-section-title">
                    <button
                      type="button"
                      className="section-toggle"
                      aria-expanded={!collapsed}
                      data-testid="section-toggle"
                      onClick={() => {
                        onLayout(toggleCollapsed(layout, section.name));
                      }}
                    >
                      <span aria-hidden="true">{collapsed ? "▸" : "▾"}</span> {section.name}{" "}
                      <span className="panel-count">({section.shown.length})</span>
                    </button>
                  </h3>
                  {collapsed ? null : (
                    <div className="panel-grid">
                      {section.shown.map((panel) => {
                        const i = section.panels.indexOf(panel);
                        return frame(panel, section, i, section.panels.length, false);
                      })}
                    </div>
                  )}
                </section>
              );
            })}
            {expanded ? (
              <div
                className="panel-overlay"
                role="dialog"
                aria-modal="true"
                aria-label={`Expanded panel`}
                onClick={(e) => {
                  if (e.target === e.currentTarget) setExpanded(null);
                }}
              >
                {frame(expanded, null, 0, 1, true)}
              </div>
            ) : null}
          </div>
        </ZoomContext.Provider>
      </PanelEnvContext.Provider>
    </BoardContext.Provider>
  );
}
