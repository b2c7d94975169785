/** The project settings page's pure parts: the disk-use rows. */

import type { ProjectUsage } from "../api/types";
import { formatBytes } from "../lib/format";

export interface UsageRow {
  label: string;
  /** what the page shows: a count, or a size such as "1.5 MiB" */
  text: string;
  /** the exact number (bytes for sizes) */
  exact: number;
  bytes: boolean;
}

/** The disk-use table: counts as numbers, sizes human-readable with the exact bytes alongside. */
export function usageRows(usage: ProjectUsage): UsageRow[] {
  const count = (label: string, n: number): UsageRow => ({ label, text: n.toLocaleString(), exact: n, bytes: false });
  const size = (label: string, n: number): UsageRow => ({ label, text: formatBytes(n), exact: n, bytes: true });
  return [
    count("Runs", usage.runs),
    count("Series", usage.series),
    size("Series data", usage.series_bytes),
    count("Files", usage.files),
    size("File data", usage.blob_bytes),
    size("Total", usage.series_bytes + usage.blob_bytes),
  ];
}
