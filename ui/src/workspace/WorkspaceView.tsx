import { useCallback, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { Run } from "../api/types";
import { useWorkspaceLayout } from "../api/workspace";
import { PanelGrid } from "../charts/PanelGrid";
import { Empty } from "../components/Status";
import { PALETTE, colorFor } from "../lib/colors";
import { toChartRun, type ChartRun } from "../charts/chartRun";
import { useChartRuns, useProjectKeys, valueAt, type RunsSelection } from "./api";
import { ColumnPicker } from "./ColumnPicker";
import { ExportCsvButton } from "./ExportCsv";
import { RunSearch } from "./RunSearch";
import { columnFor, defaultColumns, nextOrder } from "./columns";
import { FilterBar } from "./FilterBar";
import { parseExpression, type FilterTree } from "./filter/expression";
import { RunsTable } from "./RunsTable";
import type { RowControls } from "./RunRow";
import { readTableLayout, useUrlState, type TableLayout } from "./state";
import { ApiError } from "../api/client";
import { useProject, type BulkAction } from "../api/housekeeping";
import { BulkBar } from "./BulkBar";
import { doneMessage, keepsSelection } from "./bulk";
import { ViewsMenu } from "./ViewsMenu";
import { withView } from "./views";
import "./workspace.css";

const GROUPABLE = ["group", "job_type", "state", "host"];

function groupText(value: unknown): string {
  if (value === undefined || value === null) return "(none)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The project workspace: runs table on the left, charts of the chosen runs on the right. */
export function WorkspaceView({ entity, project }: { entity: string; project: string }) {
  const navigate = useNavigate();
  const [url, setUrl] = useUrlState();
  const keys = useProjectKeys(entity, project);
  const { layout, update, active } = useWorkspaceLayout(entity, project);
  const [, setParams] = useSearchParams();
  const table: TableLayout = useMemo(() => readTableLayout(layout?.table), [layout]);
  const [selected, setSelected] = useState<string[]>([]);
  const [loaded, setLoaded] = useState<{ running: boolean; total: number | null; meta: string[] }>({ running: false, total: null, meta: [] });
  const [serverError, setServerError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const projectInfo = useProject(entity, project);

  const filter: FilterTree | null = useMemo(() => {
    try {
      const tree = parseExpression(url.expression);
      return Object.keys(tree).length ? tree : null;
    } catch {
      return null; // the filter bar shows the message; the table shows every run meanwhile
    }
  }, [url.expression]);
  const selection: RunsSelection = useMemo(
    () => ({ entity, project, filter, order: url.order || null, ...(url.archived ? { archived: "include" as const } : {}) }),
    [entity, project, filter, url.order, url.archived],
  );

  const saveTable = useCallback(
    (change: Partial<TableLayout>) => {
      update("table", { ...table, ...change });
    },
    [table, update],
  );

  const configKeys = useMemo(() => keys.data?.config.map((k) => k.key) ?? [], [keys.data]);
  const summaryKeys = useMemo(() => keys.data?.summary.map((k) => k.key) ?? [], [keys.data]);
  const chosen = useMemo(
    () => (table.columns.length > 0 || !keys.data ? table.columns : defaultColumns(keys.data.config, keys.data.summary)),
    [table.columns, keys.data],
  );
  const ordered = useMemo(
    () => [...chosen.filter((c) => table.pinned.includes(c)), ...chosen.filter((c) => !table.pinned.includes(c))],
    [chosen, table.pinned],
  );
  const columns = useMemo(() => ordered.map((id) => columnFor(id, table.widths)), [ordered, table.widths]);
  const exportColumns = useMemo(() => ["name", "state", ...ordered], [ordered]);
  const applyExpression = useCallback(
    (expression: string) => {
      setServerError(null);
      setUrl({ expression });
    },
    [setUrl],
  );
  const serverKeys = useMemo(() => {
    const wanted = ordered.filter((c) => c.startsWith("config.") || c.startsWith("summary."));
    if (url.groupBy.startsWith("config.") || url.groupBy.startsWith("summary.")) wanted.push(url.groupBy);
    return wanted.length ? wanted : ["summary.__none__"];
  }, [ordered, url.groupBy]);
  const fields = useMemo(
    () => [...configKeys.map((k) => `config.${k}`), ...summaryKeys.map((k) => `summary.${k}`)],
    [configKeys, summaryKeys],
  );

  const groupBy = url.groupBy || null;
  const hidden = useMemo(() => new Set(table.hidden), [table.hidden]);
  const selectedSet = useMemo(() => new Set(selected), [selected]);
  const onLoaded = useCallback((runs: Run[], total: number | null) => {
    setLoaded((previous) => {
      const meta = new Set(previous.meta);
      for (const run of runs) for (const key of Object.keys(run.meta ?? {})) if (key !== "packages") meta.add(key);
      const running = runs.some((r) => r.state === "running");
      const next = { running, total: total ?? previous.total, meta: [...meta].sort() };
      return next.running === previous.running && next.total === previous.total && next.meta.length === previous.meta.length ? previous : next;
    });
  }, []);
  const onError = useCallback((error: unknown) => {
    setServerError(error instanceof ApiError && error.status === 400 ? error.message : null);
  }, []);

  // the table follows running runs; the charts have their own (pausable) Live toggle
  const pollEvery = loaded.running ? 5_000 : false;
  const chartQuery = useChartRuns(selection, selected.length ? selected : null, table.maxRuns + table.hidden.length, pollEvery);
  // Colours follow the charts' order (distinct for the first 20 runs or groups), then a hash;
  // a colour the user picked wins.
  const paletteColors = useMemo(() => {
    const byRun = new Map<string, string>();
    const byGroup = new Map<string, string>();
    for (const run of chartQuery.data?.runs ?? []) {
      if (groupBy) {
        const key = groupText(valueAt(run, groupBy));
        if (!byGroup.has(key)) byGroup.set(key, PALETTE[byGroup.size % PALETTE.length] ?? colorFor(key));
      } else if (!byRun.has(run.id)) {
        byRun.set(run.id, PALETTE[byRun.size % PALETTE.length] ?? colorFor(run.id));
      }
    }
    return { byRun, byGroup };
  }, [chartQuery.data, groupBy]);
  const colorOf = useCallback(
    (run: Run) => {
      const custom = table.colors[run.id];
      if (custom) return custom;
      if (groupBy) {
        const key = groupText(valueAt(run, groupBy));
        return paletteColors.byGroup.get(key) ?? colorFor(`group:${key}`);
      }
      return paletteColors.byRun.get(run.id) ?? colorFor(run.id);
    },
    [table.colors, groupBy, paletteColors],
  );
  const chartRuns: ChartRun[] = useMemo(
    () =>
      (chartQuery.data?.runs ?? [])
        .filter((run) => !hidden.has(run.id))
        .slice(0, selected.length ? 100 : table.maxRuns)
        .map((run) => toChartRun(run, colorOf(run), groupBy ? groupText(valueAt(run, groupBy)) : null)),
    [chartQuery.data, hidden, selected.length, table.maxRuns, colorOf, groupBy],
  );

  const controls: RowControls = useMemo(
    () => ({
      entity,
      project,
      colorOf,
      isHidden: (id) => hidden.has(id),
      isSelected: (id) => selectedSet.has(id),
      toggleHidden: (id) => {
        saveTable({ hidden: hidden.has(id) ? table.hidden.filter((h) => h !== id) : [...table.hidden, id] });
      },
      toggleSelected: (id) => {
        setNotice(null);
        setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
      },
      setColor: (id, color) => {
        saveTable({ colors: { ...table.colors, [id]: color } });
      },
      openRun: (id) => {
        void navigate(`/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/runs/${encodeURIComponent(id)}`);
      },
    }),
    [entity, project, colorOf, hidden, selectedSet, saveTable, table.hidden, table.colors, navigate],
  );

  const selectedTags = useMemo(
    () => (chartQuery.data?.runs ?? []).filter((run) => selectedSet.has(run.id)).map((run) => run.tags),
    [chartQuery.data, selectedSet],
  );
  const onBulkDone = useCallback((change: BulkAction, changed: number) => {
    setNotice(doneMessage(change, changed));
    if (!keepsSelection(change)) setSelected([]);
  }, []);

  const dragging = useRef(false);
  const tableWidth = table.tableWidth;
  const snippet = (
    <Empty>
      <p>No runs in {entity}/{project} yet. Log one with three lines:</p>
      <pre className="snippet">{`import cairn\nrun = cairn.init(project="${project}", entity="${entity}")\nrun.log({"loss": 0.1})\nrun.finish()`}</pre>
    </Empty>
  );
  const noMatch = (
    <Empty>
      <p>No run matches this filter.</p>
      <button type="button" onClick={() => { setUrl({ expression: "" }); }}>Clear the filter</button>
    </Empty>
  );

  return (
    <div className="workspace">
      <div className="workspace-header">
        <div className="workspace-title">
          <nav aria-label="Breadcrumb" className="breadcrumbs">
            <Link to="/">Projects</Link> / <span>{entity}</span> / <strong>{project}</strong>
            {projectInfo.data?.archived_at != null && <> <span className="badge archived-badge">archived</span></>}
            {" · "}
            <Link to={`/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/sweeps`}>Sweeps</Link>
            {" · "}
            <Link to={`/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/settings`}>Settings</Link>
          </nav>
          <ViewsMenu entity={entity} project={project} active={active} layout={layout} />
        </div>
        {active.kind === "missing-view" && (
          <p className="view-missing" role="alert">
            {active.message}{" "}
            <button type="button" className="link-button" onClick={() => { setParams((current) => withView(current, null)); }}>
              Back to my layout
            </button>
          </p>
        )}
        <FilterBar
          expression={url.expression}
          fields={fields}
          serverError={serverError}
          onApply={applyExpression}
        />
        <div className="workspace-toolbar" role="toolbar" aria-label="Runs">
          <RunSearch expression={url.expression} onChange={applyExpression} />
          <span className="run-count" aria-live="polite">
            {loaded.total === null ? "" : `${loaded.total.toLocaleString()} ${loaded.total === 1 ? "run" : "runs"}`}
          </span>
          <label>
            <input type="checkbox" checked={url.archived} onChange={(e) => { setUrl({ archived: e.target.checked }); }} />{" "}
            Show archived
          </label>
          <label>
            Group by{" "}
            <select aria-label="Group by" value={url.groupBy} onChange={(e) => { setUrl({ groupBy: e.target.value }); }}>
              <option value="">none</option>
              {GROUPABLE.map((g) => <option key={g} value={g}>{g}</option>)}
              {configKeys.map((k) => <option key={k} value={`config.${k}`}>config.{k}</option>)}
            </select>
          </label>
          <ColumnPicker
            config={configKeys}
            summary={summaryKeys}
            meta={loaded.meta}
            chosen={chosen}
            pinned={table.pinned}
            onChange={(next, pinned) => { saveTable({ columns: next, pinned }); }}
          />
          <label>
            Max runs in charts{" "}
            <input type="number" min={1} max={100} aria-label="Max runs in charts" value={table.maxRuns} style={{ width: 56 }}
              onChange={(e) => {
                const n = Number(e.target.value);
                if (Number.isFinite(n) && n >= 1) saveTable({ maxRuns: Math.min(100, Math.round(n)) });
              }} />
          </label>
          <button
            type="button"
            disabled={selected.length < 2}
            title={selected.length < 2 ? "Select two or more runs to compare" : undefined}
            onClick={() => {
              void navigate(`/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/compare?runs=${selected.map(encodeURIComponent).join(",")}`);
            }}
          >
            Compare{selected.length >= 2 ? ` (${selected.length})` : ""}
          </button>
          <ExportCsvButton selection={selection} columns={exportColumns} />
          <button type="button" aria-label={tableWidth === 0 ? "Show the runs table" : "Hide the runs table"}
            onClick={() => { saveTable({ tableWidth: tableWidth === 0 ? 620 : 0 }); }}>
            {tableWidth === 0 ? "Show table" : "Hide table"}
          </button>
        </div>
        {selected.length > 0 && (
          <BulkBar
            entity={entity}
            project={project}
            selected={selected}
            selectedTags={selectedTags}
            showingArchived={url.archived}
            onDone={onBulkDone}
            onClear={() => { setSelected([]); }}
          />
        )}
        {notice !== null && (
          <p className="bulk-notice" role="status">
            {notice}{" "}
            <button type="button" className="link-button" onClick={() => { setNotice(null); }}>Dismiss</button>
          </p>
        )}
      </div>
      <div className="workspace-split">
        {tableWidth > 0 && (
          <>
            <section className="runs-scroll" aria-label="Runs table" style={{ width: tableWidth }}>
              <RunsTable
                selection={selection}
                columns={columns}
                keys={serverKeys}
                groupBy={groupBy}
                controls={controls}
                onSort={(field) => { setUrl({ order: nextOrder(url.order, field) }); }}
                onResize={(column, width) => { saveTable({ widths: { ...table.widths, [column]: width } }); }}
                onLoaded={onLoaded}
                live={pollEvery !== false}
                emptyState={filter ? noMatch : snippet}
                onError={onError}
              />
            </section>
            <div
              className="split-handle"
              role="separator"
              aria-orientation="vertical"
              aria-label="Resize the runs table"
              tabIndex={0}
              onKeyDown={(e) => {
                if (e.key === "ArrowLeft") saveTable({ tableWidth: Math.max(240, tableWidth - 40) });
                if (e.key === "ArrowRight") saveTable({ tableWidth: Math.min(1600, tableWidth + 40) });
              }}
              onPointerDown={(e) => {
                e.preventDefault();
                dragging.current = true;
                const startX = e.clientX;
                const start = tableWidth;
                const move = (ev: PointerEvent) => {
                  saveTable({ tableWidth: Math.max(240, Math.min(1600, start + ev.clientX - startX)) });
                };
                const up = () => {
                  dragging.current = false;
                  window.removeEventListener("pointermove", move);
                  window.removeEventListener("pointerup", up);
                };
                window.addEventListener("pointermove", move);
                window.addEventListener("pointerup", up);
              }}
            />
          </>
        )}
        <section className="workspace-panels" aria-label="Charts">
          <PanelGrid entity={entity} project={project} runs={chartRuns} groupBy={groupBy} />
        </section>
      </div>
    </div>
  );
}
