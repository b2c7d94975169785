import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useViewer } from "../api/auth";
import { getJson, sendJson } from "../api/client";
import type { ApiKey, CreatedApiKey } from "../api/types";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime, formatRelativeTime } from "../lib/format";
import "./ApiKeysPage.css";
import { useNow } from "../lib/useNow";

/** Your API keys: list, create (the key is shown once), revoke. */
export default function ApiKeysPage() {
  const viewer = useViewer();
  const open = viewer.data?.auth === "open" || (viewer.data !== undefined && viewer.data.username === null);
  return (
    <div className="page api-keys-page">
      <h1>API keys</h1>
      {viewer.isPending ? (
        <Loading what="your session" />
      ) : viewer.isError ? (
        <ErrorMessage error={viewer.error} what="your session" />
      ) : open ? (
        <div className="api-keys-open">
          <p>
            This server runs without accounts (open on loopback): the SDK and the CLI can log runs without an API key.
          </p>
          <p>
            Keys are needed when the server requires login, for example when it listens on a network address. Then
            create one here and run <code>cairn login</code> on the machine that trains.
          </p>
        </div>
      ) : (
        <KeysPanel />
      )}
    </div>
  );
}

function KeysPanel() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: () => getJson<ApiKey[]>("/api-keys") });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);

  const create = useMutation({
    mutationFn: (keyName: string) => sendJson<CreatedApiKey>("POST", "/api-keys", { name: keyName }),
    onSuccess: (key) => {
      setCreated(key);
      setName("");
      void client.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => sendJson<undefined>("DELETE", `/api-keys/${id}`),
    onSuccess: (_, id) => {
      setConfirming(null);
      if (created?.id === id) setCreated(null);
      void client.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const now = useNow();

  return (
    <>
      <p className="api-keys-intro">
        API keys let the SDK and the <code>cairn</code> CLI act as you. Treat them like passwords.
      </p>
      <form
        className="api-key-create"
        aria-label="Create an API key"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() !== "") create.mutate(name.trim());
        }}
      >
        <label htmlFor="api-key-name">New key name</label>
        <input
          id="api-key-name"
          placeholder="e.g. laptop, cluster"
          maxLength={128}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
          }}
        />
        <button type="submit" className="primary" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </form>
      {create.isError && (
        <div className="status status-error" role="alert">
          Could not create the key: {create.error.message}
        </div>
      )}
      {created !== null && <NewKey created={created} onDone={() => { setCreated(null); }} />}

      {keys.isPending ? (
        <Loading what="API keys" />
      ) : keys.isError ? (
        <ErrorMessage error={keys.error} what="API keys" />
      ) : keys.data.length === 0 ? (
        <Empty>No API keys yet.</Empty>
      ) : (
        <table className="api-keys-table" aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((key) => (
              <tr key={key.id}>
                <td className="api-key-name">{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td title={formatDateTime(key.created_at)}>{formatRelativeTime(key.created_at, now)}</td>
                <td title={key.last_used_at === null ? undefined : formatDateTime(key.last_used_at)}>
                  {key.last_used_at === null ? "never" : formatRelativeTime(key.last_used_at, now)}
                </td>
                <td className="api-key-actions">
                  {confirming === key.id ? (
                    <span className="confirm" role="group" aria-label={`Confirm revoking ${key.name}`}>
                      Revoke?{" "}
                      <button
                        type="button"
                        className="danger"
                        disabled={revoke.isPending}
                        onClick={() => {
                          revoke.mutate(key.id);
                        }}
                      >
                        Yes, revoke
                      </button>{" "}
                      <button
                        type="button"
                        onClick={() => {
                          setConfirming(null);
                        }}
                      >
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Revoke key ${key.name}`}
                      onClick={() => {
                        setConfirming(key.id);
                        revoke.reset();
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoke.isError && (
        <div className="status status-error" role="alert">
          Could not revoke the key: {revoke.error.message}
        </div>
      )}
    </>
  );
}

function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(created.key).then(
      () => {
        setCopied("yes");
      },
      () => {
        setCopied("failed");
      },
    );
  };
  return (
    <section className="api-key-new" aria-label="New API key">
      <p>
        <strong>Key “{created.name}” created.</strong> Copy it now: it is not shown again.
      </p>
      <div className="api-key-value">
        <input readOnly aria-label="New API key value" value={created.key} onFocus={(event) => { event.target.select(); }} />
        <button type="button" onClick={copy} aria-label="Copy the API key">
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      {copied === "failed" && <p className="status-error">The browser did not allow copying: select the key and copy it.</p>}
      <p className="hint">
        On the machine that logs runs, run <code>cairn login</code> and paste the key, or set{" "}
        <code>CAIRN_API_KEY</code>.
      </p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
