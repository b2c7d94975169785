/** Loading, error and empty states: every panel says what is going on, never stays blank. */

import { ApiError } from "../api/client";

export function Loading({ what }: { what: string }) {
  return (
    <div className="status status-loading" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

export function ErrorMessage({ error, what }: { error: unknown; what: string }) {
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <div className="status status-error" role="alert">
      Could not load {what}: {message}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="status status-empty">{children}</div>;
}
