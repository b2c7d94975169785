/** The model registry and automations of an entity (docs/registry.md "HTTP API"): models, their
 * versions, aliases and audit trail; automations and their delivery logs; the caller's role in
 * the entity (which decides the controls shown). */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, seg, sendJson } from "./client";
import type { ArtifactVersion } from "./artifacts";
import type { Team } from "./types";
import { useViewer } from "./auth";
import { deliveriesPending, entityRole, type EntityRole } from "../registry/registryText";

export interface RegisteredModel {
  entity: string;
  name: string;
  /** entity/name */
  path: string;
  description: string | null;
  tags: string[];
  versions: number;
  /** alias → vN */
  aliases: Record<string, string>;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

export interface RegistryVersion {
  /** entity/name of the model */
  model: string;
  /** vN, numbered by the model */
  version: string;
  path: string;
  digest: string;
  aliases: string[];
  linked_by: string | null;
  linked_at: number;
  /** hidden: in a project the caller cannot read; deleted: the artifact version is gone */
  source_status: "visible" | "hidden" | "deleted";
  /** entity/project/name:vN; null when hidden */
  source_path: string | null;
  source: ArtifactVersion | null;
}

export interface AuditEvent {
  id: number;
  at: number;
  actor: string | null;
  /** created, linked, alias_moved, alias_removed, edited, unlinked */
  action: string;
  details: Record<string, unknown>;
}

export type AutomationEvent = "version_linked" | "alias_moved" | "artifact_version_created" | "run_metric_threshold";

export interface Automation {
  entity: string;
  name: string;
  event: AutomationEvent;
  filter: Record<string, unknown>;
  action: "webhook" | "slack";
  /** the webhook's URL; null for Slack (whose URL is a secret) */
  url: string | null;
  /** whether a secret is stored: it never comes back */
  secret: { set: boolean };
  enabled: boolean;
  created_at: number;
  created_by: string | null;
  updated_at: number;
}

export interface Delivery {
  id: number;
  automation: string;
  event_id: string;
  event: string;
  payload: Record<string, unknown>;
  attempt: number;
  state: "pending" | "delivered" | "failed";
  status_code: number | null;
  /** the first 2 KB of the receiver's answer */
  response: string | null;
  error: string | null;
  created_at: number;
  at: number | null;
  next_attempt_at: number | null;
}

/** The body of `POST /automations/{entity}`. */
export interface AutomationSpec {
  name: string;
  event: AutomationEvent;
  filter: Record<string, string | number>;
  action: "webhook" | "slack";
  url?: string;
  secret?: string;
  slack_url?: string;
}

export const MODELS_PAGE_SIZE = 100;
export const DELIVERIES_PAGE_SIZE = 50;
/** How often the delivery log is read again while an attempt is pending or due for a retry. */
export const DELIVERY_POLL_MS = 2000;

const entityPath = (entity: string) => `/registry/${seg(entity)}`;
const modelPath = (entity: string, model: string) => `${entityPath(entity)}/${seg(model)}`;
const automationsPath = (entity: string) => `/automations/${seg(entity)}`;
const automationPath = (entity: string, name: string) => `${automationsPath(entity)}/${seg(name)}`;

/** The web app's address of the registry of an entity (and one of its models). */
export function registryPagePath(entity: string, model?: string): string {
  const base = `/registry/${seg(entity)}`;
  return model === undefined ? base : `${base}/${seg(model)}`;
}

export const automationsPagePath = (entity: string): string => `/automations/${seg(entity)}`;

const registryKey = (entity: string) => ["registry", entity] as const;
const automationsKey = (entity: string) => ["automations", entity] as const;

/** The caller's role in `entity`: their own entity or a team's role; null outside it. */
export function useEntityRole(entity: string): { role: EntityRole | null; pending: boolean } {
  const viewer = useViewer();
  const known = viewer.data === undefined ? undefined : entityRole(viewer.data, null, entity);
  // only a signed-in user outside their own entity needs the teams (asking anyone else for
  // them answers 401, which would send the page to the login form)
  const needTeams = known === undefined && viewer.data?.username != null;
  const teams = useQuery({
    queryKey: ["teams"],
    queryFn: ({ signal }) => getJson<Team[]>("/teams", undefined, signal),
    enabled: needTeams,
  });
  if (viewer.data === undefined) return { role: null, pending: viewer.isPending };
  if (known !== undefined) return { role: known, pending: false };
  if (!needTeams) return { role: null, pending: false };
  return { role: teams.data ? (entityRole(viewer.data, teams.data, entity) ?? null) : null, pending: teams.isPending };
}

/** The entity's registered models by name (the first page: names up to MODELS_PAGE_SIZE). */
export function useModels(entity: string, search: string) {
  return useQuery({
    queryKey: [...registryKey(entity), "models", search],
    queryFn: ({ signal }) =>
      getJson<{ models: RegisteredModel[]; next: string | null }>(
        entityPath(entity),
        { q: search === "" ? null : search, limit: MODELS_PAGE_SIZE },
        signal,
      ),
    retry: false,
  });
}

export function useModel(entity: string, model: string) {
  return useQuery({
    queryKey: [...registryKey(entity), "model", model],
    queryFn: ({ signal }) => getJson<RegisteredModel>(modelPath(entity, model), undefined, signal),
    retry: false,
  });
}

/** The model's versions, newest first (the first page). */
export function useModelVersions(entity: string, model: string) {
  return useQuery({
    queryKey: [...registryKey(entity), "versions", model],
    queryFn: ({ signal }) =>
      getJson<{ versions: RegistryVersion[]; next: string | null }>(`${modelPath(entity, model)}/versions`, { limit: 100 }, signal),
  });
}

/** The model's audit trail, oldest first (the first page). */
export function useAudit(entity: string, model: string) {
  return useQuery({
    queryKey: [...registryKey(entity), "audit", model],
    queryFn: ({ signal }) =>
      getJson<{ events: AuditEvent[]; next: number | null }>(`${modelPath(entity, model)}/audit`, { limit: 100 }, signal),
  });
}

function useRegistryMutation<T, A>(entity: string, fn: (arg: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: registryKey(entity) }),
  });
}

export function useEditModel(entity: string, model: string) {
  return useRegistryMutation(entity, (edit: { description?: string | null; tags?: string[] }) =>
    sendJson<RegisteredModel>("PATCH", modelPath(entity, model), edit),
  );
}

/** Point `alias` at `version` (moved from where it was, in one step). */
export function useSetModelAlias(entity: string, model: string) {
  return useRegistryMutation(entity, ({ alias, version }: { alias: string; version: string }) =>
    sendJson<RegistryVersion>("PUT", `${modelPath(entity, model)}/aliases/${seg(alias)}`, { version }),
  );
}

export function useDeleteModelAlias(entity: string, model: string) {
  return useRegistryMutation(entity, (alias: string) =>
    sendJson<undefined>("DELETE", `${modelPath(entity, model)}/aliases/${seg(alias)}`),
  );
}

export function useAutomations(entity: string) {
  return useQuery({
    queryKey: [...automationsKey(entity), "list"],
    queryFn: ({ signal }) => getJson<Automation[]>(automationsPath(entity), undefined, signal),
    retry: false,
  });
}

/** An automation's newest delivery attempts, read afresh on every visit (events arrive from
 * elsewhere) and again every DELIVERY_POLL_MS while one is pending or waits for a retry. */
export function useDeliveries(entity: string, name: string) {
  return useQuery({
    queryKey: [...automationsKey(entity), "deliveries", name],
    queryFn: ({ signal }) =>
      getJson<{ deliveries: Delivery[]; next: number | null }>(
        `${automationPath(entity, name)}/deliveries`,
        { limit: DELIVERIES_PAGE_SIZE },
        signal,
      ),
    staleTime: 0,
    refetchInterval: (query) => (query.state.data && deliveriesPending(query.state.data.deliveries) ? DELIVERY_POLL_MS : false),
  });
}

function useAutomationMutation<T, A>(entity: string, fn: (arg: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: automationsKey(entity) }),
  });
}

export const useCreateAutomation = (entity: string) =>
  useAutomationMutation(entity, (spec: AutomationSpec) => sendJson<Automation>("POST", automationsPath(entity), spec));

export const useEnableAutomation = (entity: string) =>
  useAutomationMutation(entity, ({ name, enabled }: { name: string; enabled: boolean }) =>
    sendJson<Automation>("PATCH", automationPath(entity, name), { enabled }),
  );

export const useDeleteAutomation = (entity: string) =>
  useAutomationMutation(entity, (name: string) => sendJson<undefined>("DELETE", automationPath(entity, name)));

/** Queue a `test` event; the delivery log shows it within seconds. */
export const useTestAutomation = (entity: string) =>
  useAutomationMutation(entity, (name: string) =>
    sendJson<{ event_id: string }>("POST", `${automationPath(entity, name)}/test`),
  );
