/** Text and rules of the registry and automation pages: roles, audit lines, filters, the
 * automation form. Pure functions, no React. */

import type { Role, Team, Viewer } from "../api/types";
import type { AuditEvent, AutomationEvent, AutomationSpec, Delivery } from "../api/registry";

export type EntityRole = Role;

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2 };

/** The caller's role in `entity` as the server decides it (a superuser or an open server: admin;
 * the user's own entity: admin; else their team role). `undefined`: it depends on the teams,
 * which are not loaded yet; null: no role there. */
export function entityRole(
  viewer: Pick<Viewer, "username" | "is_admin" | "auth">,
  teams: readonly Team[] | null,
  entity: string,
): Role | null | undefined {
  if (viewer.is_admin || viewer.auth === "open") return "admin";
  if (viewer.username === null) return null;
  if (viewer.username === entity) return "admin";
  if (teams === null) return undefined;
  const team = teams.find((t) => t.name === entity);
  return team?.members.find((m) => m.username === viewer.username)?.role ?? null;
}

/** Whether `role` is at least `needed`. */
export function roleAtLeast(role: Role | null, needed: Role): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

const str = (value: unknown): string => (typeof value === "string" || typeof value === "number" ? String(value) : "");

/** One line of the audit trail: what happened ("moved production to v1 (from v0)"). */
export function auditText(event: Pick<AuditEvent, "action" | "details">): string {
  const d = event.details;
  switch (event.action) {
    case "created":
      return "registered the model";
    case "linked":
      return `linked ${str(d.version)}${d.source ? ` from ${str(d.source)}` : ""}`;
    case "alias_moved":
      return `moved ${str(d.alias)} to ${str(d.version)}${d.previous ? ` (from ${str(d.previous)})` : ""}`;
    case "alias_removed":
      return `removed ${str(d.alias)}${d.version ? ` (from ${str(d.version)})` : ""}`;
    case "edited":
      return `edited ${Array.isArray(d.fields) && d.fields.length > 0 ? d.fields.map(str).join(", ") : "the model"}`;
    case "unlinked":
      return `unlinked ${str(d.version)}`;
    default:
      return event.action;
  }
}

/** The details of an audit event as compact JSON (shown as text). */
export function detailsText(details: Record<string, unknown>): string {
  return Object.keys(details).length === 0 ? "" : JSON.stringify(details);
}

/** Whether the log will change by itself: an attempt pending, or a failed one with a retry due. */
export function deliveriesPending(deliveries: readonly Pick<Delivery, "state" | "next_attempt_at">[]): boolean {
  return deliveries.some((d) => d.state === "pending" || (d.state === "failed" && d.next_attempt_at !== null));
}

/** "model=classifier, alias=production", or "every event". */
export function filterText(filter: Record<string, unknown>): string {
  const parts = Object.entries(filter).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return parts.length === 0 ? "every event" : parts.join(", ");
}

export const EVENTS: readonly { id: AutomationEvent; label: string; fields: readonly string[]; required: readonly string[] }[] = [
  { id: "alias_moved", label: "An alias moves", fields: ["model", "alias"], required: [] },
  { id: "version_linked", label: "A version is linked", fields: ["model"], required: [] },
  { id: "artifact_version_created", label: "An artifact version is created", fields: ["project", "artifact", "type"], required: [] },
  {
    id: "run_metric_threshold",
    label: "A run's metric crosses a threshold",
    fields: ["project", "metric", "op", "threshold"],
    required: ["metric", "op", "threshold"],
  },
];

export const METRIC_OPS = [">", ">=", "<", "<=", "==", "!="] as const;

export interface AutomationForm {
  name: string;
  event: AutomationEvent;
  /** filter field → text typed (blank: not filtered on) */
  filter: Record<string, string>;
  action: "webhook" | "slack";
  url: string;
  secret: string;
  slackUrl: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The request body of the form, or why it cannot be sent. */
export function automationSpec(form: AutomationForm): { spec: AutomationSpec } | { problem: string } {
  const name = form.name.trim();
  if (!NAME.test(name)) return { problem: "A name has 1 to 128 letters, digits, '.', '_' or '-' and starts with a letter or digit." };
  const event = EVENTS.find((e) => e.id === form.event);
  if (!event) return { problem: "Choose an event." };
  const filter: Record<string, string | number> = {};
  for (const field of event.fields) {
    const value = (form.filter[field] ?? "").trim();
    if (value === "") {
      if (event.required.includes(field)) return { problem: `The ${field} is required for this event.` };
      continue;
    }
    if (field === "threshold") {
      const number = Number(value);
      if (!Number.isFinite(number)) return { problem: "The threshold is a number." };
      filter[field] = number;
    } else {
      filter[field] = value;
    }
  }
  const spec: AutomationSpec = { name, event: form.event, filter, action: form.action };
  if (form.action === "webhook") {
    const url = form.url.trim();
    if (!/^https?:\/\/\S+$/.test(url)) return { problem: "The webhook URL starts with http:// or https://." };
    spec.url = url;
    if (form.secret !== "") spec.secret = form.secret;
  } else {
    const url = form.slackUrl.trim();
    if (!/^https:\/\/\S+$/.test(url)) return { problem: "The Slack URL starts with https://." };
    spec.slack_url = url;
  }
  return { spec };
}

/** Tags typed as "a, b, c": trimmed, blanks and repeats left out. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((t) => t.trim()).filter((t) => t !== ""))];
}
