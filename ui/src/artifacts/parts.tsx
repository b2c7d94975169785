/** Small pieces the artifact pages share: alias badges, run links, a copy button. */

import { useState } from "react";
import { Link } from "react-router";
import type { RunRef } from "../api/artifacts";

/** Aliases as badges (`latest` set apart: the server keeps it). */
export function Aliases({ aliases }: { aliases: readonly string[] }) {
  if (aliases.length === 0) return null;
  return (
    <span className="aliases">
      {aliases.map((alias) => (
        <span key={alias} className={`badge alias${alias === "latest" ? " alias-latest" : ""}`}>{alias}</span>
      ))}
    </span>
  );
}

/** A link to a run's page, named by the run. */
export function RunLink({ run }: { run: Pick<RunRef, "entity" | "project" | "id" | "name"> }) {
  return (
    <Link to={`/${encodeURIComponent(run.entity)}/${encodeURIComponent(run.project)}/runs/${encodeURIComponent(run.id)}`}>
      {run.name || run.id}
    </Link>
  );
}

/** Copy `text` to the clipboard; says whether it worked. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <button
      type="button"
      className="icon-button copy-button"
      aria-label={label}
      title={state === "failed" ? "The browser refused the clipboard: select the text instead" : label}
      onClick={() => {
        // outside a secure context the browser has no clipboard object at all
        Promise.resolve()
          .then(() => navigator.clipboard.writeText(text))
          .then(
            () => { setState("copied"); },
            () => { setState("failed"); },
          );
      }}
    >
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy"}
    </button>
  );
}
