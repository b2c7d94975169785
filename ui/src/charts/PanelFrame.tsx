/** A panel's frame: title, move/resize/remove/expand/settings controls, on-screen tracking and the
 * `data-state` / `data-mode` attributes tests wait on. The chart inside gets its width. */

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ChartRun } from "./chartRun";
import { BarPanel } from "./BarPanel";
import { useBoard, useOnScreen, useWidth } from "./board";
import type { LineSettings, PanelConfig, PanelSize } from "./layout";
import { panelTitle } from "./layout";
import { LinePanel, type PanelState } from "./LinePanel";
import { PanelSettings } from "./PanelSettings";
import { ScatterPanel } from "./ScatterPanel";

export const PANEL_DRAG_TYPE = "application/x-cairn-panel";

const HEIGHTS: Record<PanelSize, number> = { S: 190, M: 230, L: 300 };

interface Props {
  panel: PanelConfig;
  settings: LineSettings;
  runs: ChartRun[];
  grouped: boolean;
  xKeys: readonly string[];
  index: number;
  count: number;
  expanded?: boolean;
  onChange: (panel: PanelConfig) => void;
  onRemove: () => void;
  onMove: (toIndex: number) => void;
  onDropPanel: (panelId: string) => void;
  onExpand: (open: boolean) => void;
}

function nextSize(width: number, gridWidth: number): PanelSize {
  const f = width / Math.max(gridWidth, 1);
  return f < 0.42 ? "S" : f < 0.75 ? "M" : "L";
}

export function PanelFrame(props: Props) {
  const { panel, settings, runs, grouped, xKeys, index, count, expanded = false } = props;
  const title = panelTitle(panel);
  const frame = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const { seen, visible } = useOnScreen(frame);
  const width = useWidth(body);
  const board = useBoard();
  const [state, setState] = useState<{ state: PanelState; mode: "exact" | "buckets" | null }>({ state: "idle", mode: null });
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [dragOver, setDragOver] = useState(false);
  const [resizing, setResizing] = useState<number | null>(null);
  const id = panel.id;

  useEffect(() => {
    if (expanded) return;
    board.reportVisible(id, visible);
    return () => {
      board.reportVisible(id, false);
    };
  }, [board, id, visible, expanded]);

  useEffect(() => {
    if (!expanded && (state.state === "ready" || state.state === "empty" || state.state === "error")) board.reportPainted(id);
  }, [board, id, state.state, expanded]);

  const onPainted = useCallback(() => {
    if (!expanded) board.reportPainted(id);
  }, [board, id, expanded]);

  const onState = useCallback((s: PanelState, mode: "exact" | "buckets" | null) => {
    setState((old) => (old.state === s && old.mode === mode ? old : { state: s, mode }));
  }, []);

  const shownRuns = useMemo(
    () => (settings.maxRuns > 0 ? runs.slice(0, settings.maxRuns) : runs),
    [runs, settings.maxRuns],
  );
  const height = expanded ? Math.max(300, Math.round(window.innerHeight * 0.7)) : HEIGHTS[panel.size];
  const chartWidth = Math.max(0, width);
  const changeSettings = (part: Partial<LineSettings>) => {
    props.onChange({ ...panel, settings: { ...(panel.settings ?? {}), ...part } });
  };

  return (
    <div
      ref={frame}
      className={`panel panel-${expanded ? "expanded" : panel.size}${dragOver ? " panel-drop" : ""}`}
      role="figure"
      aria-label={title}
      data-testid="panel"
      data-panel-id={id}
      data-panel-type={panel.type}
      data-state={state.state}
      data-mode={state.mode ?? undefined}
      style={resizing !== null ? { width: resizing } : undefined}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(PANEL_DRAG_TYPE)) {
          e.preventDefault();
          setDragOver(true);
        }
      }}
      onDragLeave={() => {
        setDragOver(false);
      }}
      onDrop={(e) => {
        setDragOver(false);
        const dragged = e.dataTransfer.getData(PANEL_DRAG_TYPE);
        if (dragged && dragged !== id) {
          e.preventDefault();
          props.onDropPanel(dragged);
        }
      }}
    >
      <div
        className="panel-header"
        draggable={!expanded}
        onDragStart={(e) => {
          e.dataTransfer.setData(PANEL_DRAG_TYPE, id);
          e.dataTransfer.effectAllowed = "move";
        }}
      >
        <span className="panel-title" title={title}>
          {title}
        </span>
        <span className="panel-tools">
          {!expanded ? (
            <>
              <button
                type="button"
                className="icon-button"
                aria-label="Move panel earlier"
                title="Move earlier"
                disabled={index === 0}
                onClick={() => {
                  props.onMove(index - 1);
                }}
              >
                ←
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label="Move panel later"
                title="Move later"
                disabled={index >= count - 1}
                onClick={() => {
                  props.onMove(index + 1);
                }}
              >
                →
              </button>
              <select
                aria-label="Panel size"
                title="Panel width"
                value={panel.size}
                onChange={(e) => {
                  props.onChange({ ...panel, size: e.target.value as PanelSize });
                }}
              >
                <option value="S">S</option>
                <option value="M">M</option>
                <option value="L">L</option>
              </select>
            </>
          ) : null}
          {panel.type === "line" ? (
            <button
              type="button"
              className="icon-button"
              aria-label="Panel settings"
              aria-expanded={settingsOpen}
              title="Settings"
              onClick={() => {
                setSettingsOpen(!settingsOpen);
              }}
            >
              ⚙
            </button>
          ) : null}
          <button
            type="button"
            className="icon-button"
            aria-label={expanded ? "Close expanded panel" : "Expand panel"}
            title={expanded ? "Close" : "Expand"}
            onClick={() => {
              props.onExpand(!expanded);
            }}
          >
            {expanded ? "✕" : "⤢"}
          </button>
          {!expanded ? (
            <button type="button" className="icon-button" aria-label="Remove panel" title="Remove" onClick={props.onRemove}>
              ×
            </button>
          ) : null}
        </span>
      </div>
      {settingsOpen && panel.type === "line" ? (
        <PanelSettings
          title={title}
          settings={settings}
          xKeys={xKeys.filter((k) => k !== panel.key)}
          grouped={grouped}
          onChange={changeSettings}
          onReset={() => {
            const rest = { ...panel };
            delete rest.settings;
            props.onChange(rest);
          }}
          onClose={() => {
            setSettingsOpen(false);
          }}
        />
      ) : null}
      <div ref={body} className="panel-body" style={{ minHeight: height }}>
        {panel.type === "line" && panel.key ? (
          <LinePanel
            metric={panel.key}
            runs={shownRuns}
            grouped={grouped}
            settings={settings}
            width={chartWidth}
            height={height}
            seen={seen || expanded}
            onState={onState}
            onPainted={onPainted}
          />
        ) : null}
        {panel.type === "scatter" && panel.xKey && panel.yKey ? (
          seen || expanded ? (
            <ScatterPanel runs={shownRuns} xKey={panel.xKey} yKey={panel.yKey} width={chartWidth} height={height} onState={onState} />
          ) : null
        ) : null}
        {panel.type === "bar" && panel.key ? (
          seen || expanded ? (
            <BarPanel runs={shownRuns} valueKey={panel.key} width={chartWidth} height={height} onState={onState} />
          ) : null
        ) : null}
      </div>
      {!expanded ? (
        <div
          className="panel-resize"
          role="separator"
          aria-label="Resize panel"
          aria-orientation="vertical"
          title="Drag to resize (S / M / L)"
          onPointerDown={(e) => {
            const el = frame.current;
            const grid = el?.parentElement;
            if (!el || !grid) return;
            e.currentTarget.setPointerCapture(e.pointerId);
            const startX = e.clientX;
            const startW = el.getBoundingClientRect().width;
            const target = e.currentTarget;
            const move = (ev: PointerEvent) => {
              setResizing(Math.max(120, startW + ev.clientX - startX));
            };
            const up = (ev: PointerEvent) => {
              target.removeEventListener("pointermove", move);
              target.removeEventListener("pointerup", up);
              setResizing(null);
              const size = nextSize(startW + ev.clientX - startX, grid.clientWidth);
              if (size !== panel.size) props.onChange({ ...panel, size });
            };
            target.addEventListener("pointermove", move);
            target.addEventListener("pointerup", up);
          }}
        />
      ) : null}
    </div>
  );
}
