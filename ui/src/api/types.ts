/** Shapes of the read API's answers (see docs/read-api.md). */

/** Non-finite numbers travel as strings. */
export type Num = number | "NaN" | "Infinity" | "-Infinity";

/** "running", "finished", "failed" or "crashed" (older servers may add more). */
export type RunState = string;

export interface Viewer {
  username: string | null;
  is_admin: boolean;
  auth: "open" | "session" | "api_key" | "anonymous";
  csrf_token: string | null;
  auth_required: boolean;
  /** an admin reset the password: the session may only change it */
  must_change_password: boolean;
}

export interface Project {
  entity: string;
  name: string;
  visibility: string;
  description: string;
  created_at: number;
  updated_at: number;
  run_count: number;
  /** when it was archived (hidden from the projects list unless asked); null: not archived */
  archived_at?: number | null;
  /** the caller's role (GET of one project only): admin may edit the project */
  role?: "viewer" | "member" | "admin" | null;
}

/** Disk a project takes (`GET /projects/{e}/{p}/usage`). */
export interface ProjectUsage {
  runs: number;
  series: number;
  series_bytes: number;
  files: number;
  blob_bytes: number;
}

/** Archived rows in listings: left out (default), shown with the others, or the only ones. */
export type ArchivedMode = "exclude" | "include" | "only";

export interface ProjectPage {
  projects: Project[];
  total: number;
  offset: number;
}

export interface Run {
  entity: string;
  project: string;
  id: string;
  path: string;
  name: string;
  state: RunState;
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  tags: string[];
  group: string | null;
  job_type: string | null;
  notes: string;
  host: string | null;
  git: Record<string, unknown> | null;
  meta: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
  heartbeat_at: number;
  finished_at: number | null;
  exit_code: number | null;
  last_step: number | null;
  /** when it was archived (hidden from listings unless asked); null: not archived */
  archived_at?: number | null;
  /** the id of the sweep that handed this run out, or null */
  sweep?: string | null;
}

export interface RunsPage {
  runs: Run[];
  next_cursor: string | null;
  total: number | null;
}

export interface RunsQuery {
  filters?: Record<string, unknown> | null;
  expression?: string | null;
  order?: string | null;
  cursor?: string | null;
  offset?: number | null;
  limit?: number;
  keys?: string[] | null;
  archived?: ArchivedMode;
}

export interface SeriesKey {
  key: string;
  kind: "history" | "system";
  count: number;
  step_min: number | null;
  step_max: number | null;
  last_value: Num | null;
}

export type XAxis = "step" | "time" | "relative";

export interface ConsoleLine {
  line: number;
  stream: string;
  time: number;
  text: string;
}

export interface ConsolePage {
  lines: ConsoleLine[];
  total: number;
}

export interface RunFile {
  path: string;
  sha256: string;
  size: number;
  updated_at: number;
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}

export type Role = "viewer" | "member" | "admin";

/** A user as admins see them (`GET /users`). */
export interface AdminUser {
  username: string;
  is_admin: boolean;
  disabled: boolean;
  must_change_password: boolean;
  created_at: number;
  last_login_at: number | null;
  failed_logins: number;
  /** set while sign-ins are refused */
  locked_until: number | null;
}

/** A user's role in a team or on a project. */
export interface Member {
  username: string;
  role: Role;
}

export interface Team {
  name: string;
  created_at: number;
  members: Member[];
}

/** An account or client address whose sign-ins are refused until `locked_until`. */
export interface LoginLock {
  kind: "account" | "address";
  name: string;
  failures: number;
  locked_until: number;
}

/** `POST /users/{u}/password`: the new password, shown once. */
export interface PasswordReset {
  username: string;
  password: string;
  must_change_password: boolean;
}

/** A media key of a project (`GET /projects/{e}/{p}/keys`, `media`; design 0010). */
export interface ProjectMediaKey {
  key: string;
  /** the values' `_type` ("image-file", "table-file", ...) */
  type: string;
  runs: number;
}

/** A media key of a run (`GET /runs/{e}/{p}/{run}/keys`, `media`; design 0010). */
export interface RunMediaKey {
  key: string;
  type: string;
  count: number;
  step_min: number | null;
  step_max: number | null;
}

/** `GET /projects/{e}/{p}/keys`; `media` is absent on servers older than design 0010. */
export interface ProjectKeys {
  config: { key: string; count: number }[];
  summary: { key: string; count: number }[];
  metrics: { key: string; kind: "history" | "system"; runs: number }[];
  media?: ProjectMediaKey[];
  /** the `define_metric` rules of the project's newest runs (absent on older servers) */
  metric_rules?: unknown;
}

/** A key of a run's plain (non-media, non-numeric) values: strings and JSON. `type` is the latest
 * value's JSON type: string, boolean, number, null, array or object. */
export interface RunValueKey {
  key: string;
  type: string;
  count: number;
  step_min: number;
  step_max: number;
}

/** `GET /runs/{e}/{p}/{run}/keys`; `media` is absent on servers older than design 0010, `values`
 * on servers before alerts and value keys. */
export interface RunKeys {
  keys: SeriesKey[];
  media?: RunMediaKey[];
  values?: RunValueKey[];
}

/** One logged non-numeric value (`GET /runs/{e}/{p}/{run}/values`). */
export interface LoggedValue {
  step: number;
  time: number;
  value: unknown;
}

/** A page of one key's values; `next_after` is the cursor of the next page. */
export interface LoggedValuesPage {
  key: string;
  values: LoggedValue[];
  next_after: number | null;
}

/** An alert a run raised with `run.alert()`. */
export interface RunAlert {
  seq: number;
  time: number;
  title: string;
  text: string;
  level: "INFO" | "WARN" | "ERROR";
  wait_s: number | null;
}

/** `GET /runs/{e}/{p}/{run}/alerts`. */
export interface AlertsPage {
  alerts: RunAlert[];
  next_after: number | null;
}
