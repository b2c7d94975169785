/** Artifacts (docs/read-api.md "Artifacts"): types, collections, versions, files, diffs, lineage,
 * a run's artifacts, and the member's edits (description, TTL, aliases, delete). */

import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiUrl, getJson, seg, sendJson } from "./client";
import { runApiPath } from "./runDetails";

export interface RunRef {
  entity: string;
  project: string;
  id: string;
  name: string;
  state: string;
  /** entity/project/run_id */
  path: string;
}

export interface ArtifactVersion {
  name: string;
  type: string;
  /** vN */
  version: string;
  digest: string;
  aliases: string[];
  description: string | null;
  metadata: Record<string, unknown>;
  file_count: number;
  size: number;
  created_at: number;
  /** TTL: the server deletes the version after this time; null keeps it for good */
  expires_at: number | null;
  logged_by: RunRef | null;
  /** entity/project/name:vN */
  path: string;
}

export interface ArtifactCollection {
  name: string;
  type: string;
  description: string | null;
  versions: number;
  latest: ArtifactVersion | null;
  created_at: number;
  updated_at: number;
}

/** A manifest entry: a stored file (`sha256`) or a reference (`ref` + `checksum`). */
export interface ArtifactEntry {
  path: string;
  sha256: string | null;
  size: number | null;
  md5: string | null;
  ref: string | null;
  checksum: string | null;
  extra: Record<string, unknown> | null;
}

export interface ArtifactDiff {
  added: ArtifactEntry[];
  removed: ArtifactEntry[];
  changed: { path: string; before: ArtifactEntry; after: ArtifactEntry }[];
}

export interface ArtifactNode {
  id: string;
  kind: "artifact";
  path: string;
  entity: string;
  project: string;
  name: string;
  type: string;
  version: string;
  digest?: string;
}

export interface RunNode {
  id: string;
  kind: "run";
  path: string;
  entity: string;
  project: string;
  run_id: string;
  name: string;
  state: string;
}

export type LineageNode = ArtifactNode | RunNode;

export interface Lineage {
  nodes: LineageNode[];
  edges: { source: string; target: string }[];
  truncated: boolean;
}

export interface RunArtifacts {
  logged: ArtifactVersion[];
  used: ArtifactVersion[];
}

/** Aliases the server keeps itself: `latest`, and `vN`, which name versions. */
export function isManagedAlias(alias: string): boolean {
  return alias === "latest" || /^v\d+$/.test(alias);
}

/** The characters the server allows in names, types and aliases. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const ARTIFACTS_PAGE_SIZE = 50;
export const VERSIONS_PAGE_SIZE = 100;
export const FILES_PAGE_SIZE = 200;

const projectPath = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}`;
/** `/artifacts/{entity}/{project}/{name}` with each part encoded. */
export const artifactApiPath = (entity: string, project: string, name: string) =>
  `/artifacts/${seg(entity)}/${seg(project)}/${seg(name)}`;
const versionPath = (entity: string, project: string, name: string, ver: string) =>
  `${artifactApiPath(entity, project, name)}/versions/${seg(ver)}`;

/** The download URL of one file of a version (each path segment encoded). */
export function artifactFileUrl(entity: string, project: string, name: string, ver: string, path: string): string {
  return apiUrl(`${versionPath(entity, project, name, ver)}/files/${path.split("/").map(seg).join("/")}`);
}

/** The web app's address of an artifact (and a version of it). */
export function artifactPagePath(entity: string, project: string, name: string, ver?: string): string {
  const base = `/${seg(entity)}/${seg(project)}/artifacts/${seg(name)}`;
  return ver === undefined ? base : `${base}/${seg(ver)}`;
}

/** `e/p/name:vN` split into its parts; null when it is not such a path. */
export function splitVersionPath(path: string): { entity: string; project: string; name: string; version: string } | null {
  const match = /^([^/]+)\/([^/]+)\/([^/:]+):([^/:]+)$/.exec(path);
  if (!match) return null;
  const [, entity = "", project = "", name = "", version = ""] = match;
  return { entity, project, name, version };
}

const artifactsKey = (entity: string, project: string) => ["artifacts", entity, project] as const;

/** The project's artifact types with their number of artifacts. */
export function useArtifactTypes(entity: string, project: string) {
  return useQuery({
    queryKey: [...artifactsKey(entity, project), "types"],
    queryFn: ({ signal }) =>
      getJson<{ types: { type: string; collections: number }[] }>(`${projectPath(entity, project)}/artifact-types`, undefined, signal),
  });
}

/** The project's artifacts by name (of one type, matching `search`), a page at a time. */
export function useArtifacts(entity: string, project: string, type: string | null, search: string) {
  return useInfiniteQuery({
    queryKey: [...artifactsKey(entity, project), "list", type, search],
    queryFn: ({ pageParam, signal }) =>
      getJson<{ artifacts: ArtifactCollection[]; next: string | null }>(
        `${projectPath(entity, project)}/artifacts`,
        { type, q: search === "" ? null : search, after: pageParam, limit: ARTIFACTS_PAGE_SIZE },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useArtifact(entity: string, project: string, name: string) {
  return useQuery({
    queryKey: [...artifactsKey(entity, project), "one", name],
    queryFn: ({ signal }) => getJson<ArtifactCollection>(artifactApiPath(entity, project, name), undefined, signal),
    retry: false,
  });
}

/** An artifact's versions, newest first, a page at a time. */
export function useVersions(entity: string, project: string, name: string) {
  return useInfiniteQuery({
    queryKey: [...artifactsKey(entity, project), "versions", name],
    queryFn: ({ pageParam, signal }) =>
      getJson<{ versions: ArtifactVersion[]; next: string | null }>(
        `${artifactApiPath(entity, project, name)}/versions`,
        { after: pageParam, limit: VERSIONS_PAGE_SIZE },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? undefined,
  });
}

/** One version by vN, alias or digest. */
export function useVersion(entity: string, project: string, name: string, ver: string) {
  return useQuery({
    queryKey: [...artifactsKey(entity, project), "version", name, ver],
    queryFn: ({ signal }) => getJson<ArtifactVersion>(versionPath(entity, project, name, ver), undefined, signal),
    retry: false,
  });
}

/** A version's files whose path starts with `prefix`, by path, a page at a time. */
export function useVersionFiles(entity: string, project: string, name: string, ver: string, prefix: string) {
  return useInfiniteQuery({
    queryKey: [...artifactsKey(entity, project), "files", name, ver, prefix],
    queryFn: ({ pageParam, signal }) =>
      getJson<{ files: ArtifactEntry[]; next: string | null }>(
        `${versionPath(entity, project, name, ver)}/files`,
        { prefix, after: pageParam, limit: FILES_PAGE_SIZE },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** What changes from version `from` to version `to`; idle while `from` is null. */
export function useVersionDiff(entity: string, project: string, name: string, from: string | null, to: string) {
  return useQuery({
    queryKey: [...artifactsKey(entity, project), "diff", name, from, to],
    queryFn: ({ signal }) =>
      getJson<ArtifactDiff>(`${versionPath(entity, project, name, from ?? "")}/diff`, { other: to }, signal),
    enabled: from !== null,
  });
}

/** The lineage graph within `depth` links of a version (identified by its `e/p/name:vN`). */
export function fetchLineage(path: string, depth: number, signal?: AbortSignal): Promise<Lineage> {
  const parts = splitVersionPath(path);
  if (parts === null) return Promise.reject(new Error(`${path} is not an artifact version path`));
  return getJson<Lineage>(
    `${versionPath(parts.entity, parts.project, parts.name, parts.version)}/lineage`,
    { depth },
    signal,
  );
}

export function useLineage(path: string, depth: number) {
  return useQuery({
    queryKey: ["lineage", path, depth],
    queryFn: ({ signal }) => fetchLineage(path, depth, signal),
  });
}

/** The versions a run logged and used. */
export function fetchRunArtifacts(entity: string, project: string, runId: string, signal?: AbortSignal): Promise<RunArtifacts> {
  return getJson<RunArtifacts>(`${runApiPath(entity, project, runId)}/artifacts`, undefined, signal);
}

export function useRunArtifacts(entity: string, project: string, runId: string) {
  return useQuery({
    queryKey: ["run-artifacts", entity, project, runId],
    queryFn: ({ signal }) => fetchRunArtifacts(entity, project, runId, signal),
  });
}

export interface VersionEdit {
  description?: string | null;
  metadata?: Record<string, unknown>;
  /** seconds from the version's creation; null keeps it for good */
  ttl_s?: number | null;
}

/** Every edit of an artifact refreshes everything cached about the project's artifacts. */
function useArtifactMutation<T, A>(entity: string, project: string, fn: (arg: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: artifactsKey(entity, project) });
      await client.invalidateQueries({ queryKey: ["lineage"] });
      await client.invalidateQueries({ queryKey: ["run-artifacts"] });
    },
  });
}

export function useEditVersion(entity: string, project: string, name: string, ver: string) {
  return useArtifactMutation(entity, project, (edit: VersionEdit) =>
    sendJson<ArtifactVersion>("PATCH", versionPath(entity, project, name, ver), edit),
  );
}

/** Point `alias` at `version` (moved from where it was, in one step). */
export function useSetAlias(entity: string, project: string, name: string) {
  return useArtifactMutation(entity, project, ({ alias, version }: { alias: string; version: string }) =>
    sendJson<ArtifactVersion>("PUT", `${artifactApiPath(entity, project, name)}/aliases/${seg(alias)}`, { version }),
  );
}

export function useDeleteAlias(entity: string, project: string, name: string) {
  return useArtifactMutation(entity, project, (alias: string) =>
    sendJson<undefined>("DELETE", `${artifactApiPath(entity, project, name)}/aliases/${seg(alias)}`),
  );
}

/** Delete a version; with `deleteAliases` also the aliases it holds (the server refuses otherwise). */
export function useDeleteVersion(entity: string, project: string, name: string) {
  return useArtifactMutation(entity, project, ({ ver, deleteAliases }: { ver: string; deleteAliases: boolean }) =>
    sendJson<undefined>("DELETE", `${versionPath(entity, project, name, ver)}${deleteAliases ? "?delete_aliases=true" : ""}`),
  );
}
