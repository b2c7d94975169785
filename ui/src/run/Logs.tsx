import { useEffect, useMemo, useRef, useState } from "react";
import { useQueries } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { fetchConsole } from "../api/runDetails";
import type { ConsoleLine } from "../api/types";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { parseAnsi, stripAnsi, type AnsiSpan } from "../lib/ansi";

const PAGE = 1000;
const LINE_HEIGHT = 20;
const SEARCH_ALL_LIMIT = 50_000;

interface Props {
  entity: string;
  project: string;
  runId: string;
  running: boolean;
}

function spanStyle(span: AnsiSpan): { className: string; style: React.CSSProperties } {
  const classes: string[] = [];
  const style: React.CSSProperties = {};
  let fg = span.fg;
  let bg = span.bg;
  if (span.inverse) [fg, bg] = [bg ?? "var(--bg)", fg ?? "var(--fg)"];
  if (typeof fg === "number") classes.push(`ansi-fg-${fg}`);
  else if (fg !== undefined) style.color = fg;
  if (typeof bg === "number") classes.push(`ansi-bg-${bg}`);
  else if (bg !== undefined) style.background = bg;
  if (span.bold) style.fontWeight = 700;
  if (span.dim) style.opacity = 0.7;
  if (span.italic) style.fontStyle = "italic";
  if (span.underline || span.strike) style.textDecoration = `${span.underline ? "underline" : ""} ${span.strike ? "line-through" : ""}`;
  return { className: classes.join(" "), style };
}

/** Text with every occurrence of `needle` (case-insensitive) wrapped in <mark>. */
function Highlighted({ text, needle }: { text: string; needle: string }) {
  if (!needle) return <>{text}</>;
  const parts: React.ReactNode[] = [];
  const lower = text.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    if (i > at) parts.push(text.slice(at, i));
    parts.push(<mark key={i}>{text.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

function LineText({ line, needle }: { line: ConsoleLine; needle: string }) {
  const spans = useMemo(() => parseAnsi(line.text), [line.text]);
  return (
    <>
      {spans.map((span, i) => {
        const { className, style } = spanStyle(span);
        return (
          <span key={i} className={className || undefined} style={style}>
            <Highlighted text={span.text} needle={needle} />
          </span>
        );
      })}
    </>
  );
}

/** The run's console: virtualized, ANSI colours, search, and a live tail while it runs. */
export function Logs({ entity, project, runId, running }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [search, setSearch] = useState("");
  const [follow, setFollow] = useState(true);
  const [current, setCurrent] = useState(0);
  const needle = search.trim().toLowerCase();

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => LINE_HEIGHT,
    overscan: 40,
  });
  const items = virtualizer.getVirtualItems();
  const firstPage = Math.floor((items[0]?.index ?? 0) / PAGE);
  const lastPage = Math.floor((items[items.length - 1]?.index ?? 0) / PAGE);
  const pages = useMemo(() => {
    const out = new Set<number>([0]);
    for (let p = firstPage; p <= lastPage; p++) out.add(p);
    if (needle && total !== null && total <= SEARCH_ALL_LIMIT) {
      for (let p = 0; p * PAGE < total; p++) out.add(p);
    }
    if (total !== null && total > 0) out.add(Math.floor((total - 1) / PAGE)); // the tail
    return [...out].sort((a, b) => a - b);
  }, [firstPage, lastPage, needle, total]);

  const results = useQueries({
    queries: pages.map((page) => ({
      queryKey: ["console", entity, project, runId, page],
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchConsole(entity, project, runId, page * PAGE, PAGE, signal),
      // a full page never changes; the last one grows while the run runs
      refetchInterval: running ? 3_000 : (false as const),
      staleTime: running ? 2_000 : Infinity,
    })),
  });
  const lines = new Map<number, ConsoleLine>();
  let newTotal: number | null = null;
  let error: unknown = null;
  for (const result of results) {
    if (result.data) {
      newTotal = Math.max(newTotal ?? 0, result.data.total);
      for (const line of result.data.lines) lines.set(line.line, line);
    }
    if (result.error) error = result.error;
  }
  useEffect(() => {
    if (newTotal !== null && newTotal !== total) setTotal(newTotal);
  }, [newTotal, total]);
  useEffect(() => {
    if (follow && running && total) virtualizer.scrollToIndex(total - 1, { align: "end" });
  }, [follow, running, total, virtualizer]);

  const matches = useMemo(() => {
    if (!needle) return [];
    const out: number[] = [];
    for (const [index, line] of [...lines.entries()].sort((a, b) => a[0] - b[0])) {
      if (stripAnsi(line.text).toLowerCase().includes(needle)) out.push(index);
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed when pages arrive
  }, [needle, results.map((r) => r.dataUpdatedAt).join(",")]);

  const goTo = (n: number) => {
    if (matches.length === 0) return;
    const index = ((n % matches.length) + matches.length) % matches.length;
    setCurrent(index);
    setFollow(false);
    virtualizer.scrollToIndex(matches[index] ?? 0, { align: "center" });
  };

  if (error !== null && total === null) return <ErrorMessage error={error} what="console output" />;
  if (total === null) return <Loading what="console output" />;
  if (total === 0) return <Empty>This run printed nothing{running ? " yet" : ""}.</Empty>;
  return (
    <div className="logs">
      <div className="logs-toolbar">
        <input
          type="search"
          aria-label="Search logs"
          placeholder="Search logs…"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setCurrent(0);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") goTo(current + (e.shiftKey ? -1 : 1));
          }}
        />
        {needle && (
          <>
            <span className="muted" aria-live="polite">
              {matches.length === 0 ? "no match" : `${current + 1} of ${matches.length} ${matches.length === 1 ? "match" : "matches"}`}
              {total > SEARCH_ALL_LIMIT ? " (in loaded lines)" : ""}
            </span>
            <button type="button" aria-label="Previous match" onClick={() => { goTo(current - 1); }}>↑</button>
            <button type="button" aria-label="Next match" onClick={() => { goTo(current + 1); }}>↓</button>
          </>
        )}
        <span className="muted">{total.toLocaleString()} lines</span>
        {running && (
          <button type="button" aria-pressed={follow} onClick={() => { setFollow(!follow); }}>
            {follow ? "Following the tail" : "Follow the tail"}
          </button>
        )}
      </div>
      <div
        ref={scroller}
        className="logs-scroll"
        role="log"
        aria-label="Console output"
        tabIndex={0}
        onWheel={() => { if (follow) setFollow(false); }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const line = lines.get(item.index);
            return (
              <div
                key={item.index}
                className={`log-line${line?.stream === "stderr" ? " stderr" : ""}`}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: LINE_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                <span className="log-number" aria-hidden="true">{item.index + 1}</span>
                {line ? <LineText line={line} needle={needle} /> : <span className="muted">…</span>}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
