/** What the bulk action bar says and sends: tag lists, messages, which actions keep the selection. */

import type { BulkAction } from "../api/housekeeping";

/** Tags typed as `a, b  c`: split on commas, trimmed, empty and repeated ones left out. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(",")) {
    const tag = part.trim();
    if (tag !== "" && !out.includes(tag)) out.push(tag);
  }
  return out;
}

const runs = (n: number) => `${n.toLocaleString()} ${n === 1 ? "run" : "runs"}`;

/** The sentence shown after an action succeeded, e.g. "Archived 3 runs." */
export function doneMessage(change: BulkAction, changed: number): string {
  switch (change.action) {
    case "tag":
      return `Tagged ${runs(changed)} with ${change.tags.join(", ")}.`;
    case "untag":
      return `Removed ${change.tags.join(", ")} from ${runs(changed)}.`;
    case "archive":
      return `Archived ${runs(changed)}.`;
    case "restore":
      return `Restored ${runs(changed)}.`;
    case "move":
      return `Moved ${runs(changed)} to ${change.project}.`;
    case "delete":
      return `Deleted ${runs(changed)}.`;
  }
}

/**
 * Whether the selection stays after the action: tagging leaves the runs in the table (as in
 * W&B, the user often tags the same runs again), the others take them out of it.
 */
export function keepsSelection(change: BulkAction): boolean {
  return change.action === "tag" || change.action === "untag";
}

/** The delete dialog's question for `n` runs. */
export function deleteQuestion(n: number): string {
  return `Delete ${runs(n)} and all ${n === 1 ? "its" : "their"} data? This cannot be undone.`;
}

/** Tags on the given runs, most common first (suggestions for Untag). */
export function commonTags(tagLists: readonly (readonly string[])[]): string[] {
  const counts = new Map<string, number>();
  for (const tags of tagLists) for (const tag of new Set(tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag]) => tag);
}
