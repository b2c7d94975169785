/** The virtualized rows of a table panel: only the rows on screen are in the DOM, and only the
 * row windows they fall in are asked of the server (`tables/query` with offset/limit). */

import { useEffect, useRef } from "react";
import { keepPreviousData, useQueries } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { ChartRun } from "../../charts/chartRun";
import { queryTable, type SortKey, type TableAnswer, type TableColumn, type TableQuery, type TableSource } from "./api";
import { Cell } from "./cells";
import { rowAt, rowCount, WINDOW, windowsFor } from "./tableModel";

interface Props {
  source: TableSource;
  /** the query without offset/limit */
  query: Omit<TableQuery, "offset" | "limit">;
  /** from the first window (already loaded by the panel) */
  first: TableAnswer;
  runs: ChartRun[];
  sort: SortKey[];
  height: number;
  onSort: (column: string) => void;
}

const ROW = 28;
const MEDIA_ROW = 72;

export function TableGrid({ source, query, first, runs, sort, height, onSort }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const columns: TableColumn[] = first.columns;
  // media cells show thumbnails: taller rows (a column of audio links only needs no more height, but
  // a mixed `media` column may hold images)
  const hasImages = columns.some((c) => c.type === "media" || c.type === "media:image-file" || c.type === "media:images/separated");
  const rowHeight = hasImages ? MEDIA_ROW : ROW;
  // a partial first answer (the table is still being built): the rows at hand, until the full one
  const count = rowCount(first);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, virtualizer]);
  const items = virtualizer.getVirtualItems();
  const wanted = windowsFor(items[0]?.index ?? 0, items[items.length - 1]?.index ?? 0, count).filter((w) => w !== 0);
  const results = useQueries({
    queries: wanted.map((w) => ({
      queryKey: ["table-window", source, query, w],
      queryFn: ({ signal }: { signal: AbortSignal }) => queryTable(source, { ...query, offset: w * WINDOW, limit: WINDOW }, signal),
      staleTime: 60_000,
      placeholderData: keepPreviousData,
    })),
  });
  const windows = new Map<number, TableAnswer>([[0, first]]);
  results.forEach((r, i) => {
    const w = wanted[i];
    if (r.data && w !== undefined && !r.isPlaceholderData) windows.set(w, r.data);
  });
  const names = new Map(runs.map((r) => [r.id, r]));
  const columnMin = hasImages ? 110 : 96;
  const template = `repeat(${columns.length}, minmax(${columnMin}px, 1fr))`;
  const minWidth = columns.length * columnMin;

  return (
    <div ref={scroller} className="tp-scroll" style={{ maxHeight: height }} role="grid" aria-rowcount={first.partial ? -1 : count + 1} aria-colcount={columns.length}>
      <div className="tp-row tp-head" role="row" style={{ gridTemplateColumns: template, minWidth }}>
        {columns.map((c) => {
          const s = sort.find((k) => k.column === c.name);
          return (
            <div key={c.name} role="columnheader" className="tp-th-cell" aria-sort={s ? (s.order === "asc" ? "ascending" : "descending") : "none"}>
              <button
                type="button"
                className="tp-th"
                title={`${c.name} (${c.type}): sort`}
                aria-label={`Sort by ${c.name}`}
                onClick={() => {
                  onSort(c.name);
                }}
              >
                <span className="tp-th-name">{c.name}</span>
                {s ? <span aria-hidden="true">{s.order === "asc" ? " ▲" : " ▼"}</span> : null}
              </button>
            </div>
          );
        })}
      </div>
      <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), minWidth, position: "relative" }}>
        {items.map((item) => {
          const row = rowAt(windows, item.index);
          return (
            <div
              key={item.index}
              role="row"
              aria-rowindex={item.index + 2}
              className="tp-row"
              style={{ gridTemplateColumns: template, minWidth, height: rowHeight, transform: `translateY(${item.start}px)` }}
            >
              {row
                ? columns.map((c, i) => {
                    const value = row[i];
                    const run = c.name === "run" && typeof value === "string" ? names.get(value) : undefined;
                    return (
                      <div key={c.name} role="gridcell" className="tp-td">
                        {run ? (
                          <span className="tp-run">
                            <span className="swatch" style={{ background: run.color }} />
                            {run.name}
                          </span>
                        ) : (
                          <Cell value={value} />
                        )}
                      </div>
                    );
                  })
                : <div role="gridcell" className="tp-td tp-loading">…</div>}
            </div>
          );
        })}
      </div>
    </div>
  );
}
