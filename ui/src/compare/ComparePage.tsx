import { Fragment, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useRunSearch, useRunsByIds } from "../api/runDetails";
import type { Run } from "../api/types";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime, formatDuration, formatValue } from "../lib/format";
import { differs, flatten, unionKeys } from "./flatten";
import "./compare.css";

interface Row {
  section: string;
  key: string;
  values: unknown[];
}

function basics(run: Run): Record<string, unknown> {
  const end = run.finished_at ?? run.heartbeat_at;
  return {
    state: run.state,
    created: formatDateTime(run.created_at),
    runtime: formatDuration(Math.max(0, end - run.created_at)),
    host: run.host ?? undefined,
    "git commit": typeof run.git?.commit === "string" ? run.git.commit.slice(0, 12) : undefined,
    group: run.group ?? undefined,
    tags: run.tags.length ? run.tags.join(", ") : undefined,
  };
}

/** `/:entity/:project/compare?runs=a,b,c`: config, summary and basics side by side. */
export default function ComparePage() {
  const { entity = "", project = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const ids = useMemo(() => (params.get("runs") ?? "").split(",").map((s) => s.trim()).filter(Boolean), [params]);
  const runs = useRunsByIds(entity, project, ids);
  const [diffOnly, setDiffOnly] = useState(false);
  const [search, setSearch] = useState("");

  const setIds = (next: string[]) => {
    const p = new URLSearchParams(params);
    p.set("runs", next.join(","));
    setParams(p, { replace: true });
  };

  const rows: Row[] = useMemo(() => {
    const list = runs.data ?? [];
    const out: Row[] = [];
    const sections: [string, Record<string, unknown>[]][] = [
      ["Run", list.map(basics)],
      ["Config", list.map((r) => flatten(r.config))],
      ["Summary", list.map((r) => flatten(r.summary))],
    ];
    for (const [section, maps] of sections) {
      for (const key of section === "Run" ? Object.keys(maps[0] ?? {}) : unionKeys(maps)) {
        out.push({ section, key, values: maps.map((m) => m[key]) });
      }
    }
    return out;
  }, [runs.data]);

  const needle = search.trim().toLowerCase();
  const shown = rows.filter((r) => (!diffOnly || differs(r.values)) && (needle === "" || r.key.toLowerCase().includes(needle)));
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;

  return (
    <div className="page compare-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / <Link to={base}>{entity}/{project}</Link> / Compare
      </nav>
      <h1>Compare runs</h1>
      <div className="compare-toolbar">
        <label>
          <input type="checkbox" checked={diffOnly} onChange={(e) => { setDiffOnly(e.target.checked); }} /> Differences only
        </label>
        <input type="search" aria-label="Search keys" placeholder="Search keys…" value={search}
          onChange={(e) => { setSearch(e.target.value); }} />
        <RunPicker entity={entity} project={project} exclude={ids} onPick={(id) => { setIds([...ids, id]); }} />
      </div>
      {ids.length === 0 ? (
        <Empty>Pick runs to compare: select them in the workspace table and press Compare, or add them here.</Empty>
      ) : runs.isPending ? (
        <Loading what="runs" />
      ) : runs.isError ? (
        <ErrorMessage error={runs.error} what="runs" />
      ) : runs.data.length === 0 ? (
        <Empty>None of these runs exist in {entity}/{project}.</Empty>
      ) : (
        <div className="compare-scroll">
          <table className="compare-table">
            <thead>
              <tr>
                <th scope="col" className="key-col">Key</th>
                {runs.data.map((run) => (
                  <th scope="col" key={run.id}>
                    <Link to={`${base}/runs/${encodeURIComponent(run.id)}`} title={run.name}>{run.name}</Link>
                    <button type="button" className="remove-run" aria-label={`Remove ${run.name} from the comparison`}
                      onClick={() => { setIds(ids.filter((id) => id !== run.id)); }}>
                      ✕
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((row, index) => {
                const changed = differs(row.values);
                const sectionStart = index === 0 || shown[index - 1]?.section !== row.section;
                return (
                  <Fragment key={`${row.section}:${row.key}`}>
                    {sectionStart && (
                      <tr className="section-row">
                        <th scope="colgroup" colSpan={runs.data.length + 1}>{row.section}</th>
                      </tr>
                    )}
                    <tr className={changed ? "differs" : undefined}>
                      <th scope="row" className="key-col" title={row.key}>{row.key}</th>
                      {row.values.map((value, i) => {
                        const text = formatValue(value);
                        return (
                          <td key={runs.data[i]?.id ?? i} title={formatValue(value, true)} className={value === undefined ? "missing" : undefined}>
                            {value === undefined ? "—" : text.length > 80 ? `${text.slice(0, 80)}…` : text}
                          </td>
                        );
                      })}
                    </tr>
                  </Fragment>
                );
              })}
              {shown.length === 0 && (
                <tr>
                  <td colSpan={runs.data.length + 1}>{diffOnly ? "These runs agree on every key." : "No key matches."}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RunPicker({ entity, project, exclude, onPick }: { entity: string; project: string; exclude: string[]; onPick: (id: string) => void }) {
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const found = useRunSearch(entity, project, text, open);
  const options = (found.data ?? []).filter((r) => !exclude.includes(r.id)).slice(0, 12);
  return (
    <div className="run-picker">
      <input
        type="search"
        aria-label="Add a run"
        placeholder="Add a run by name…"
        value={text}
        onFocus={() => { setOpen(true); }}
        onChange={(e) => { setText(e.target.value); setOpen(true); }}
      />
      {open && text.trim() !== "" && (
        <ul className="picker-list" role="listbox" aria-label="Runs to add">
          {found.isPending && <li>Searching…</li>}
          {!found.isPending && options.length === 0 && <li>No run matches.</li>}
          {options.map((run) => (
            <li key={run.id} role="option" aria-selected={false}>
              <button type="button" onClick={() => { onPick(run.id); setText(""); setOpen(false); }}>
                {run.name} <span className="muted">{run.id}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
