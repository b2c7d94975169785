/** Text of the artifact pages: diffs, sizes, digests, TTLs. Pure functions, no React. */

import { isManagedAlias, NAME_PATTERN, type ArtifactDiff, type ArtifactEntry } from "../api/artifacts";
import { formatBytes, formatRelativeTime } from "../lib/format";

export type DiffKind = "added" | "removed" | "changed";

export interface DiffRow {
  kind: DiffKind;
  path: string;
  /** size in the version compared from (null: not there, or a reference without a size) */
  before: number | null;
  after: number | null;
  /** after − before where both are known */
  delta: number | null;
}

const sizeOf = (entry: ArtifactEntry | undefined): number | null => entry?.size ?? null;

/** One row per path that differs, by path. */
export function diffRows(diff: ArtifactDiff): DiffRow[] {
  const rows: DiffRow[] = [
    ...diff.added.map((e): DiffRow => ({ kind: "added", path: e.path, before: null, after: sizeOf(e), delta: sizeOf(e) })),
    ...diff.removed.map((e): DiffRow => {
      const size = sizeOf(e);
      return { kind: "removed", path: e.path, before: size, after: null, delta: size === null ? null : -size };
    }),
    ...diff.changed.map((c): DiffRow => {
      const before = sizeOf(c.before);
      const after = sizeOf(c.after);
      return { kind: "changed", path: c.path, before, after, delta: before === null || after === null ? null : after - before };
    }),
  ];
  return rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A change in size: "+1.5 KiB", "−512 B", "±0 B"; "—" when unknown. */
export function formatDelta(bytes: number | null): string {
  if (bytes === null) return "—";
  if (bytes === 0) return "±0 B";
  return `${bytes > 0 ? "+" : "−"}${formatBytes(Math.abs(bytes))}`;
}

/** "2 added, 1 removed, 1 changed · +1.5 KiB", or "The versions hold the same files." */
export function diffSummary(diff: ArtifactDiff): string {
  const parts: string[] = [];
  if (diff.added.length > 0) parts.push(`${String(diff.added.length)} added`);
  if (diff.removed.length > 0) parts.push(`${String(diff.removed.length)} removed`);
  if (diff.changed.length > 0) parts.push(`${String(diff.changed.length)} changed`);
  if (parts.length === 0) return "The versions hold the same files.";
  const total = diffRows(diff).reduce((sum, row) => sum + (row.delta ?? 0), 0);
  return `${parts.join(", ")} · ${formatDelta(total)}`;
}

/** The first 12 hex digits of a sha256: enough to tell files apart at a glance. */
export const shortSha = (sha: string): string => sha.slice(0, 12);

/** "kept for good", "deleted in 3 days (2024-05-01 13:45)", "deleted soon". */
export function ttlText(expiresAt: number | null, now: number = Date.now() / 1000): string {
  if (expiresAt === null) return "kept for good";
  if (expiresAt <= now) return "expired: deleted at the next housekeeping pass";
  return `deleted ${formatRelativeTime(expiresAt, now)}`;
}

/** A metadata map as indented JSON (shown as text, never as markup). */
export function metadataText(metadata: Record<string, unknown>): string {
  return Object.keys(metadata).length === 0 ? "" : JSON.stringify(metadata, null, 2);
}

/** Why `alias` cannot be set, or null when it can. */
export function aliasProblem(alias: string): string | null {
  if (alias === "") return "Type an alias.";
  if (isManagedAlias(alias)) return `“${alias}” is kept by the server: latest names the newest version and vN a version.`;
  if (!NAME_PATTERN.test(alias) || alias.includes("..")) {
    return "An alias has 1 to 128 letters, digits, '.', '_' or '-', starts with a letter or digit, and has no '..'.";
  }
  return null;
}
