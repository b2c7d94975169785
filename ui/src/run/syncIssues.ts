/** Records of a run that did not reach the server (`meta.sync_issues`, design 0015). */

export interface SyncIssue {
  id: string;
  kind: string;
  what: string;
  reason: string;
  at: number | null;
}

/** The run's set-aside records, oldest first; anything malformed in `value` is left out. */
export function parseSyncIssues(value: unknown): SyncIssue[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const issues: SyncIssue[] = [];
  for (const [id, raw] of Object.entries(value as Record<string, unknown>)) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) continue;
    const entry = raw as Record<string, unknown>;
    issues.push({
      id,
      kind: typeof entry.kind === "string" ? entry.kind : "?",
      what: typeof entry.what === "string" ? entry.what : "",
      reason: typeof entry.reason === "string" ? entry.reason : "",
      at: typeof entry.at === "number" && Number.isFinite(entry.at) ? entry.at : null,
    });
  }
  return issues.sort((a, b) => (a.at ?? 0) - (b.at ?? 0) || a.id.localeCompare(b.id));
}
