/** An automation's newest delivery attempts; read again every few seconds while one is pending
 * or waits for a retry. */

import { useDeliveries } from "../api/registry";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime, formatRelativeTime } from "../lib/format";
import { deliveriesPending } from "./registryText";

export function DeliveryLog({ entity, name }: { entity: string; name: string }) {
  const log = useDeliveries(entity, name);
  const deliveries = log.data?.deliveries ?? [];
  return (
    <details className="delivery-log" open>
      <summary>
        Delivery log{log.data && deliveriesPending(deliveries) ? " (waiting for deliveries…)" : ""}
      </summary>
      {log.isPending ? <Loading what="the delivery log" /> : null}
      {log.isError ? <ErrorMessage error={log.error} what="the delivery log" /> : null}
      {log.data && deliveries.length === 0 ? <Empty>Nothing sent yet.</Empty> : null}
      {deliveries.length > 0 ? (
        <table className="artifact-table" aria-label={`Deliveries of ${name}`}>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col" className="right">Attempt</th>
              <th scope="col">State</th>
              <th scope="col" className="right">Status</th>
              <th scope="col">Response</th>
              <th scope="col">Error</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-delivery={d.id} data-state={d.state}>
                <td>{d.event}</td>
                <td className="right">{d.attempt}</td>
                <td className={`state-${d.state}`}>
                  {d.state}
                  {d.state === "failed" && d.next_attempt_at !== null ? (
                    <span className="muted small" title={formatDateTime(d.next_attempt_at)}> · retry {formatRelativeTime(d.next_attempt_at)}</span>
                  ) : null}
                </td>
                <td className="right">{d.status_code ?? "—"}</td>
                <td><div className="delivery-response">{d.response ?? ""}</div></td>
                <td>{d.error ?? ""}</td>
                <td title={formatDateTime(d.at ?? d.created_at)}>{formatRelativeTime(d.at ?? d.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </details>
  );
}
