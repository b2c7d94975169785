/** A form creating an automation: name, event, the event's filter fields, and a webhook (URL and
 * optional signing secret) or a Slack incoming-webhook URL. Secrets are typed into password
 * fields and never shown again. */

import { useState } from "react";
import { useCreateAutomation, type AutomationEvent } from "../api/registry";
import { ErrorMessage } from "../components/Status";
import { automationSpec, EVENTS, METRIC_OPS, type AutomationForm } from "./registryText";

const EMPTY: AutomationForm = {
  name: "",
  event: "alias_moved",
  filter: {},
  action: "webhook",
  url: "",
  secret: "",
  slackUrl: "",
};

export function AutomationCreateForm({ entity }: { entity: string }) {
  const create = useCreateAutomation(entity);
  const [form, setForm] = useState<AutomationForm>(EMPTY);
  const [problem, setProblem] = useState<string | null>(null);
  const event = EVENTS.find((e) => e.id === form.event) ?? EVENTS[0];
  const update = (change: Partial<AutomationForm>) => { setForm({ ...form, ...change }); };
  const setFilter = (field: string, value: string) => { update({ filter: { ...form.filter, [field]: value } }); };
  return (
    <details className="run-card">
      <summary>New automation</summary>
      <form
        className="automation-form"
        aria-label="New automation"
        onSubmit={(e) => {
          e.preventDefault();
          const made = automationSpec(form);
          if ("problem" in made) {
            setProblem(made.problem);
            return;
          }
          setProblem(null);
          create.mutate(made.spec, { onSuccess: () => { setForm(EMPTY); } });
        }}
      >
        <label htmlFor="automation-name">Name</label>
        <input id="automation-name" maxLength={128} value={form.name} onChange={(e) => { update({ name: e.target.value }); }} />
        <label htmlFor="automation-event">Event</label>
        <select id="automation-event" value={form.event}
          onChange={(e) => { update({ event: e.target.value as AutomationEvent, filter: {} }); }}>
          {EVENTS.map((ev) => <option key={ev.id} value={ev.id}>{ev.label}</option>)}
        </select>
        {event?.fields.map((field) => (
          <FilterField key={field} field={field} required={event.required.includes(field)}
            value={form.filter[field] ?? ""} onChange={(value) => { setFilter(field, value); }} />
        ))}
        <span>Action</span>
        <div role="radiogroup" aria-label="Action">
          <label><input type="radio" name="action" checked={form.action === "webhook"}
            onChange={() => { update({ action: "webhook" }); }} /> Webhook</label>{" "}
          <label><input type="radio" name="action" checked={form.action === "slack"}
            onChange={() => { update({ action: "slack" }); }} /> Slack</label>
        </div>
        {form.action === "webhook" ? (
          <>
            <label htmlFor="automation-url">Webhook URL</label>
            <input id="automation-url" type="url" placeholder="https://ci.example/hooks/cairn" value={form.url}
              onChange={(e) => { update({ url: e.target.value }); }} />
            <label htmlFor="automation-secret">Signing secret</label>
            <input id="automation-secret" type="password" autoComplete="new-password" placeholder="optional" value={form.secret}
              onChange={(e) => { update({ secret: e.target.value }); }} />
          </>
        ) : (
          <>
            <label htmlFor="automation-slack">Slack URL</label>
            <input id="automation-slack" type="password" autoComplete="off" placeholder="https://hooks.slack.com/services/…"
              value={form.slackUrl} onChange={(e) => { update({ slackUrl: e.target.value }); }} />
          </>
        )}
        <div className="form-actions">
          <button type="submit" disabled={create.isPending}>Create automation</button>
        </div>
      </form>
      {problem !== null ? <p className="status-error" role="alert">{problem}</p> : null}
      {create.isError && <ErrorMessage error={create.error} what="the automation created" />}
    </details>
  );
}

function FilterField({ field, required, value, onChange }: {
  field: string; required: boolean; value: string; onChange: (value: string) => void;
}) {
  const id = `automation-filter-${field}`;
  const label = `${field[0]?.toUpperCase() ?? ""}${field.slice(1)}${required ? "" : " (optional)"}`;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      {field === "op" ? (
        <select id={id} value={value} onChange={(e) => { onChange(e.target.value); }}>
          <option value="">—</option>
          {METRIC_OPS.map((op) => <option key={op} value={op}>{op}</option>)}
        </select>
      ) : (
        <input id={id} value={value} maxLength={128} inputMode={field === "threshold" ? "decimal" : undefined}
          onChange={(e) => { onChange(e.target.value); }} />
      )}
    </>
  );
}
