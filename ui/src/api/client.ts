/** Fetching from the Cairn read API: JSON in and out, CSRF for cookie sessions, typed errors. */

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

let csrfToken: string | null = null;

/** Remember the CSRF token the server handed out with /auth/me or /auth/login. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export const API_BASE = "/api/v1";

type Query = Record<string, string | number | boolean | readonly string[] | null | undefined>;

/** `/api/v1` + path + query string; arrays repeat the parameter, null/undefined are left out. */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value as readonly string[]) params.append(name, item);
    } else {
      params.append(name, String(value));
    }
  }
  const qs = params.toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ""}`;
}

/** Encode one path segment (entity, project, run id, metric key). */
export const seg = (part: string): string => encodeURIComponent(part);

async function errorFrom(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { detail?: unknown };
    if (typeof body.detail === "string") message = body.detail;
    else if (Array.isArray(body.detail)) {
      message = body.detail
        .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join(".")}: ${d.msg ?? ""}`)
        .join("; ");
    }
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) onUnauthorized();
  return new ApiError(response.status, message);
}

let unauthorizedHandler: () => void = () => undefined;

/** Called on any 401 (the app sends the user to the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  unauthorizedHandler = handler;
}

function onUnauthorized(): void {
  unauthorizedHandler();
}

/** Low-level request: adds CSRF on writes, throws ApiError with the server's message on 4xx/5xx. */
export async function request(
  method: string,
  url: string,
  init: { body?: unknown; accept?: string; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { Accept: init.accept ?? "application/json" };
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let body: string | undefined;
  if (init.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "same-origin", signal: init.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "The server cannot be reached. Is `cairn server` running?");
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const response = await request("GET", apiUrl(path, query), { signal });
  return (await response.json()) as T;
}

export async function sendJson<T>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const response = await request(method, apiUrl(path), { body, signal });
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
