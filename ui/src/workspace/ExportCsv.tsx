import { useState } from "react";
import { apiUrl, request, seg } from "../api/client";
import type { RunsSelection } from "./api";

const GET_LIMITS = { url: 2000, filters: 1500, columns: 100 };

/**
 * "Export CSV": every run the table's filter matches, in its order, with its visible columns,
 * from `runs.csv` (GET, or its POST twin when the filter or the column list is long).
 */
export function ExportCsvButton({ selection, columns }: { selection: RunsSelection; columns: string[] }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const exportCsv = async () => {
    setBusy(true);
    setError(null);
    try {
      const path = `/projects/${seg(selection.entity)}/${seg(selection.project)}/runs.csv`;
      const filters = selection.filter ? JSON.stringify(selection.filter) : null;
      const query = { filters, order: selection.order, columns, archived: selection.archived };
      const getUrl = apiUrl(path, query);
      const short = getUrl.length <= GET_LIMITS.url && (filters ?? "").length <= GET_LIMITS.filters && columns.length <= GET_LIMITS.columns;
      const response = short
        ? await request("GET", getUrl, { accept: "text/csv" })
        : await request("POST", apiUrl(path), { body: { ...query, filters: selection.filter }, accept: "text/csv" });
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "runs.csv";
      const href = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = href;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => {
        URL.revokeObjectURL(href);
      }, 10_000);
    } catch (e) {
      setError(e instanceof Error ? `Export failed: ${e.message}` : "Export failed");
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" aria-busy={busy} disabled={busy} title="Download the runs that match the filter, with the table's columns"
        onClick={() => { void exportCsv(); }}>
        {busy ? "Exporting…" : "Export CSV"}
      </button>
      {error && <span className="export-error" role="alert">{error}</span>}
    </>
  );
}
