import { useEffect, useMemo, useRef, useState } from "react";
import { useQueries } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { sendJson, seg } from "../api/client";
import type { Run, RunsPage } from "../api/types";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatNumber } from "../lib/format";
import { WINDOW, useGroupRuns, useRunGroups, type RunGroup, type RunsSelection } from "./api";
import { sortDirection, type Column } from "./columns";
import { FIXED_WIDTH, RunRow, rowWidth, type RowControls } from "./RunRow";

const ROW_HEIGHT = 32;

interface Props {
  selection: RunsSelection;
  columns: Column[];
  /** config/summary keys the server should send (the visible columns) */
  keys: string[];
  groupBy: string | null;
  controls: RowControls;
  onSort: (field: string) => void;
  onResize: (column: string, width: number) => void;
  /** runs now loaded (for the toolbar: how many, whether any is running) */
  onLoaded: (runs: Run[], total: number | null) => void;
  live: boolean;
  emptyState: React.ReactNode;
  onError: (error: unknown) => void;
}

export function RunsTable(props: Props) {
  const { columns, selection, onSort, onResize } = props;
  return (
    <div className="runs-table" role="table" aria-label="Runs" aria-rowcount={-1} style={{ minWidth: rowWidth(columns) }}>
      <HeaderRow columns={columns} order={selection.order ?? ""} onSort={onSort} onResize={onResize} />
      {props.groupBy === null ? <FlatRows {...props} /> : <GroupedRows {...props} groupBy={props.groupBy} />}
    </div>
  );
}

function HeaderRow({ columns, order, onSort, onResize }: { columns: Column[]; order: string; onSort: (f: string) => void; onResize: (c: string, w: number) => void }) {
  const fixed: Column[] = [
    { id: "name", label: "Name", sortField: "name", width: 220, align: "left", render: () => "" },
    { id: "state", label: "State", sortField: "state", width: 86, align: "left", render: () => "" },
  ];
  return (
    <div className="runs-row header" role="row" aria-rowindex={1}>
      <div className="runs-cell fixed" role="columnheader" style={{ width: FIXED_WIDTH - 306 }}>
        <span className="visually-hidden">Select, show in charts, colour</span>
      </div>
      {[...fixed, ...columns].map((column) => (
        <div
          key={column.id}
          className={`runs-cell ${column.align}`}
          role="columnheader"
          aria-sort={sortDirection(order, column.sortField)}
          style={{ width: column.width }}
        >
          {column.sortField !== null ? (
            <button type="button" className="sort-button" title={`Sort by ${column.label}`} onClick={() => { onSort(column.sortField ?? column.id); }}>
              {column.label}
              <span aria-hidden="true">{{ ascending: " ▲", descending: " ▼", none: "" }[sortDirection(order, column.sortField)]}</span>
            </button>
          ) : (
            <span>{column.label}</span>
          )}
          {!["name", "state"].includes(column.id) && <ResizeHandle column={column} onResize={onResize} />}
        </div>
      ))}
    </div>
  );
}

function ResizeHandle({ column, onResize }: { column: Column; onResize: (c: string, w: number) => void }) {
  return (
    <span
      className="col-resize"
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize column ${column.label}`}
      tabIndex={0}
      onKeyDown={(e) => {
        if (e.key === "ArrowLeft") onResize(column.id, Math.max(48, column.width - 16));
        if (e.key === "ArrowRight") onResize(column.id, Math.min(600, column.width + 16));
      }}
      onPointerDown={(e) => {
        e.preventDefault();
        const startX = e.clientX;
        const start = column.width;
        const move = (ev: PointerEvent) => {
          onResize(column.id, Math.max(48, Math.min(600, start + ev.clientX - startX)));
        };
        const up = () => {
          window.removeEventListener("pointermove", move);
          window.removeEventListener("pointerup", up);
        };
        window.addEventListener("pointermove", move);
        window.addEventListener("pointerup", up);
      }}
    />
  );
}

/** Every matching run, virtualized: windows of 100 runs are fetched as they scroll into view. */
function FlatRows({ selection, columns, keys, controls, onLoaded, live, emptyState, onError }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [total, setTotal] = useState<number | null>(null);
  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scroller.current?.closest<HTMLElement>(".runs-scroll") ?? null,
    estimateSize: () => ROW_HEIGHT,
    overscan: 30,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const windows = useMemo(() => {
    const out = new Set<number>([0]);
    // the windows in view, and one either side so a steady scroll finds its rows loaded
    const lo = Math.max(0, Math.floor(first / WINDOW) - 1);
    const hi = Math.floor(last / WINDOW) + 1;
    for (let w = lo; w <= hi; w++) if (total === null || w * WINDOW < total) out.add(w);
    return [...out];
  }, [first, last, total]);

  const results = useQueries({
    queries: windows.map((index) => ({
      queryKey: ["runs-window", selection, keys, index],
      queryFn: () =>
        sendJson<RunsPage>("POST", `/projects/${seg(selection.entity)}/${seg(selection.project)}/runs/query`, {
          filters: selection.filter,
          order: selection.order,
          offset: index * WINDOW,
          limit: WINDOW,
          keys,
          archived: selection.archived,
        }),
      staleTime: 5_000,
      refetchInterval: live ? 5_000 : (false as const),
    })),
  });

  const byIndex = new Map<number, Run>();
  let newTotal: number | null = null;
  let error: unknown = null;
  results.forEach((result, i) => {
    const w = windows[i] ?? 0;
    if (result.data) {
      newTotal = result.data.total;
      result.data.runs.forEach((run, j) => byIndex.set(w * WINDOW + j, run));
    }
    if (result.error) error = result.error;
  });
  const loadedRuns = [...byIndex.values()];
  const signature = `${String(newTotal)}:${loadedRuns.map((r) => `${r.id}${r.state}`).join(",")}`;

  useEffect(() => {
    if (newTotal !== null) setTotal(newTotal);
  }, [newTotal]);
  useEffect(() => {
    onLoaded(loadedRuns, newTotal);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by content, not identity
  }, [signature]);
  useEffect(() => {
    if (error !== null) onError(error);
  }, [error, onError]);

  if (error !== null && total === null) return <ErrorMessage error={error} what="runs" />;
  if (total === null) return <Loading what="runs" />;
  if (total === 0) return <>{emptyState}</>;
  return (
    <div ref={scroller} className="runs-body" style={{ height: virtualizer.getTotalSize(), width: rowWidth(columns) }} role="rowgroup">
      {items.map((item) => (
        <RunRow
          key={item.index}
          index={item.index}
          run={byIndex.get(item.index)}
          columns={columns}
          controls={controls}
          style={{ position: "absolute", top: 0, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
        />
      ))}
    </div>
  );
}

function GroupedRows({ selection, columns, keys, groupBy, controls, onLoaded, emptyState }: Props & { groupBy: string }) {
  const aggregate = useMemo(() => columns.filter((c) => c.id.startsWith("summary.")).map((c) => c.id), [columns]);
  const groups = useRunGroups(selection, groupBy, aggregate);
  const [open, setOpen] = useState<Set<string>>(new Set());
  if (groups.isPending) return <Loading what="groups" />;
  if (groups.isError) return <ErrorMessage error={groups.error} what="groups" />;
  if (groups.data.groups.length === 0) return <>{emptyState}</>;
  return (
    <div role="rowgroup">
      {groups.data.groups.map((group) => {
        const id = JSON.stringify(group.value);
        const expanded = open.has(id);
        return (
          <GroupBlock
            key={id}
            group={group}
            groupBy={groupBy}
            expanded={expanded}
            toggle={() => {
              const next = new Set(open);
              if (expanded) next.delete(id);
              else next.add(id);
              setOpen(next);
            }}
            selection={selection}
            columns={columns}
            keys={keys}
            controls={controls}
            onLoaded={onLoaded}
          />
        );
      })}
      {groups.data.truncated && <Empty>Only the 1,000 largest groups are listed; filter to see others.</Empty>}
    </div>
  );
}

function aggregateText(group: RunGroup, column: Column): string {
  const a = group.aggregates[column.id];
  if (!a || a.count === 0 || a.mean === null) return "";
  const n = (v: number | string | null) => (v === null ? "" : formatNumber(v));
  return `${n(a.mean)} (${n(a.min)}…${n(a.max)})`;
}

function GroupBlock(props: {
  group: RunGroup;
  groupBy: string;
  expanded: boolean;
  toggle: () => void;
  selection: RunsSelection;
  columns: Column[];
  keys: string[];
  controls: RowControls;
  onLoaded: Props["onLoaded"];
}) {
  const { group, groupBy, expanded, toggle, selection, columns, keys, controls, onLoaded } = props;
  const [limit, setLimit] = useState(100);
  const runs = useGroupRuns(selection, group, keys, limit, expanded);
  const label = group.value === null ? `no ${groupBy}` : typeof group.value === "string" ? group.value : JSON.stringify(group.value);
  const data = runs.data;
  useEffect(() => {
    if (data) onLoaded(data.runs, null);
  }, [data, onLoaded]);
  return (
    <>
      <div className="runs-row group-row" role="row">
        <div className="runs-cell" role="cell" style={{ width: FIXED_WIDTH }}>
          <button type="button" className="group-toggle" aria-expanded={expanded} onClick={toggle}>
            <span aria-hidden="true">{expanded ? "▾" : "▸"}</span> {groupBy}: <strong>{label}</strong>{" "}
            <span className="group-count">({group.count} {group.count === 1 ? "run" : "runs"})</span>
          </button>
        </div>
        {columns.map((column) => (
          <div key={column.id} className={`runs-cell ${column.align} aggregate`} role="cell" style={{ width: column.width }} title="mean (min…max)">
            {aggregateText(group, column)}
          </div>
        ))}
      </div>
      {expanded && runs.isPending && <Loading what="runs" />}
      {expanded && runs.isError && <ErrorMessage error={runs.error} what="runs" />}
      {expanded &&
        data?.runs.map((run, i) => <RunRow key={run.id} run={run} index={i} columns={columns} controls={controls} />)}
      {expanded && data && group.count > data.runs.length && (
        <div className="runs-row" role="row">
          <div className="runs-cell" role="cell">
            <button type="button" className="link-button" onClick={() => { setLimit(limit + 100); }}>
              Show more ({group.count - data.runs.length} left)
            </button>
          </div>
        </div>
      )}
    </>
  );
}
