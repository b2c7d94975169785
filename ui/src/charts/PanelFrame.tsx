/** A panel's frame: title, move/resize/remove/expand/settings controls, on-screen tracking and the
 * `data-state` / `data-mode` attributes tests wait on. The body is the panel type's registered
 * module (../panels/registry), given its width; a type this build does not know gets a body that
 * says so. */

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { panelModule } from "../panels/registry";
import type { PanelBodyProps, PanelState } from "../panels/types";
import { UnknownPanelBody } from "../panels/unknown";
import type { ChartRun } from "./chartRun";
import { useBoard, useOnScreen, useWidth } from "./board";
import type { PanelConfig, PanelSize } from "./layout";
import { panelTitle } from "./layout";

export const PANEL_DRAG_TYPE = "application/x-cairn-panel";

const HEIGHTS: Record<PanelSize, number> = { S: 190, M: 230, L: 300 };

interface Props {
  panel: PanelConfig;
  entity: string;
  project: string;
  runs: ChartRun[];
  grouped: boolean;
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
  const { panel, entity, project, runs, grouped, index, count, expanded = false } = props;
  const title = panelTitle(panel);
  const module = panelModule(panel.type);
  const Body = module?.Body ?? UnknownPanelBody;
  const Settings = module?.Settings;
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

  const onState = useCallback((s: PanelState, mode: "exact" | "buckets" | null = null) => {
    setState((old) => (old.state === s && old.mode === mode ? old : { state: s, mode }));
  }, []);

  // "max runs" is a setting of any panel type (line panels offer it in their settings)
  const maxRuns = typeof panel.settings?.maxRuns === "number" ? panel.settings.maxRuns : 0;
  const shownRuns = useMemo(() => (maxRuns > 0 ? runs.slice(0, maxRuns) : runs), [runs, maxRuns]);
  const height = expanded ? Math.max(300, Math.round(window.innerHeight * 0.7)) : HEIGHTS[panel.size];
  const chartWidth = Math.max(0, width);
  const onChange = props.onChange;
  const bodyProps: PanelBodyProps = {
    panel,
    entity,
    project,
    runs: shownRuns,
    grouped,
    width: chartWidth,
    height,
    seen: seen || expanded,
    expanded,
    onState,
    onPainted,
    onChange,
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
          {Settings ? (
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
      {settingsOpen && Settings ? (
        <Settings
          panel={panel}
          onChange={onChange}
          onClose={() => {
            setSettingsOpen(false);
          }}
        />
      ) : null}
      <div ref={body} className="panel-body" style={{ minHeight: height }}>
        <Body {...bodyProps} />
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
