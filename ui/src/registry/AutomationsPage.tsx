/** `/automations/:entity`: the entity's automations (event, filter, action, whether a secret is
 * set, never the secret), each with its delivery log; admins create, turn on or off, test and
 * delete them. */

import { Link, useParams } from "react-router";
import {
  registryPagePath,
  useAutomations,
  useDeleteAutomation,
  useEnableAutomation,
  useEntityRole,
  useTestAutomation,
  type Automation,
} from "../api/registry";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { AutomationCreateForm } from "./AutomationCreateForm";
import { DeliveryLog } from "./DeliveryLog";
import { EVENTS, filterText, roleAtLeast } from "./registryText";
import "../run/run.css";
import "../artifacts/artifacts.css";
import "./registry.css";

export default function AutomationsPage() {
  const { entity = "" } = useParams();
  const automations = useAutomations(entity);
  const { role } = useEntityRole(entity);
  const canEdit = roleAtLeast(role, "admin");
  return (
    <div className="page automations-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / {entity} / <Link to={registryPagePath(entity)}>registry</Link> · automations
      </nav>
      <h1>Automations</h1>
      {canEdit ? <AutomationCreateForm entity={entity} /> : null}
      {automations.isPending ? <Loading what="the automations" /> : null}
      {automations.isError ? <ErrorMessage error={automations.error} what="the automations" /> : null}
      {automations.data?.length === 0 ? (
        <Empty>No automations in {entity} yet{canEdit ? ": create one above." : "."}</Empty>
      ) : null}
      {automations.data?.map((a) => <AutomationCard key={a.name} entity={entity} automation={a} canEdit={canEdit} />)}
    </div>
  );
}

function AutomationCard({ entity, automation: a, canEdit }: { entity: string; automation: Automation; canEdit: boolean }) {
  const enable = useEnableAutomation(entity);
  const remove = useDeleteAutomation(entity);
  const test = useTestAutomation(entity);
  const event = EVENTS.find((e) => e.id === a.event);
  return (
    <section className="run-card automation-card" aria-label={`Automation ${a.name}`} data-automation={a.name}>
      <header className="automation-head">
        <h2>{a.name}</h2>
        <span className={`badge ${a.enabled ? "state-delivered" : "muted"}`}>{a.enabled ? "enabled" : "disabled"}</span>
        {canEdit ? (
          <div className="actions">
            <button type="button" disabled={test.isPending} onClick={() => { test.mutate(a.name); }}>Send test</button>
            <button type="button" disabled={enable.isPending}
              onClick={() => { enable.mutate({ name: a.name, enabled: !a.enabled }); }}>
              {a.enabled ? "Disable" : "Enable"}
            </button>
            <button type="button" className="danger" disabled={remove.isPending}
              onClick={() => { if (window.confirm(`Delete the automation ${a.name} and its delivery log?`)) remove.mutate(a.name); }}>
              Delete
            </button>
          </div>
        ) : null}
      </header>
      <dl className="facts">
        <div><dt>Event</dt><dd>{event?.label ?? a.event} <span className="muted">({a.event})</span></dd></div>
        <div><dt>Filter</dt><dd>{filterText(a.filter)}</dd></div>
        <div>
          <dt>Action</dt>
          <dd>{a.action === "webhook" ? <>webhook to <code>{a.url}</code></> : "Slack message"}</dd>
        </div>
        <div>
          <dt>{a.action === "webhook" ? "Secret" : "Slack URL"}</dt>
          <dd>{a.secret.set ? "set" : "not set"}</dd>
        </div>
      </dl>
      {test.isSuccess ? <p className="muted small" role="status">Test event queued: it appears in the log within seconds.</p> : null}
      {test.isError && <ErrorMessage error={test.error} what="the test event sent" />}
      {enable.isError && <ErrorMessage error={enable.error} what="the automation changed" />}
      {remove.isError && <ErrorMessage error={remove.error} what="the automation deleted" />}
      <DeliveryLog entity={entity} name={a.name} />
    </section>
  );
}
