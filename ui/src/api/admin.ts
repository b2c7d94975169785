/** Users, teams, members and sign-in locks: what admins manage, and changing your own password. */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, seg, sendJson } from "./client";
import type { AdminUser, LoginLock, Member, PasswordReset, Role, Team, Viewer } from "./types";

const USERS = ["admin-users"] as const;
const LOCKS = ["login-locks"] as const;
const TEAMS = ["teams"] as const;

export function useUsers() {
  return useQuery({ queryKey: USERS, queryFn: ({ signal }) => getJson<AdminUser[]>("/users", undefined, signal) });
}

export function useLoginLocks() {
  return useQuery({ queryKey: LOCKS, queryFn: ({ signal }) => getJson<LoginLock[]>("/login-locks", undefined, signal) });
}

function useAdminMutation<T, V>(mutationFn: (vars: V) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: USERS }),
        client.invalidateQueries({ queryKey: LOCKS }),
      ]);
    },
  });
}

export interface NewUser {
  username: string;
  password: string;
  is_admin: boolean;
  must_change_password: boolean;
}

export const useCreateUser = () => useAdminMutation((user: NewUser) => sendJson<AdminUser>("POST", "/users", user));

export const useEditUser = () =>
  useAdminMutation(({ username, ...edit }: { username: string; disabled?: boolean; is_admin?: boolean }) =>
    sendJson<AdminUser>("PATCH", `/users/${seg(username)}`, edit),
  );

/** Reset a password: the one given, or one the server makes up; the answer shows it once. */
export const useResetPassword = () =>
  useAdminMutation(({ username, password }: { username: string; password?: string }) =>
    sendJson<PasswordReset>("POST", `/users/${seg(username)}/password`, password ? { password } : {}),
  );

export const useUnlock = () =>
  useAdminMutation(({ kind, name }: { kind: LoginLock["kind"]; name: string }) =>
    sendJson<undefined>("DELETE", `/login-locks/${kind}/${seg(name)}`),
  );

export function useTeams() {
  return useQuery({ queryKey: TEAMS, queryFn: ({ signal }) => getJson<Team[]>("/teams", undefined, signal) });
}

function useTeamMutation<V>(mutationFn: (vars: V) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: () => client.invalidateQueries({ queryKey: TEAMS }),
  });
}

export const useCreateTeam = () => useTeamMutation((name: string) => sendJson("POST", "/teams", { name }));

export const useSetTeamMember = () =>
  useTeamMutation(({ team, username, role }: { team: string; username: string; role: Role }) =>
    sendJson("PUT", `/teams/${seg(team)}/members/${seg(username)}`, { role }),
  );

export const useRemoveTeamMember = () =>
  useTeamMutation(({ team, username }: { team: string; username: string }) =>
    sendJson("DELETE", `/teams/${seg(team)}/members/${seg(username)}`),
  );

const membersPath = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}/members`;
const membersKey = (entity: string, project: string) => ["project-members", entity, project] as const;

export function useProjectMembers(entity: string, project: string, enabled: boolean) {
  return useQuery({
    queryKey: membersKey(entity, project),
    queryFn: ({ signal }) => getJson<Member[]>(membersPath(entity, project), undefined, signal),
    enabled,
  });
}

export function useSetProjectMember(entity: string, project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ username, role }: { username: string; role: Role }) =>
      sendJson("PUT", `${membersPath(entity, project)}/${seg(username)}`, { role }),
    onSuccess: () => client.invalidateQueries({ queryKey: membersKey(entity, project) }),
  });
}

export function useRemoveProjectMember(entity: string, project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (username: string) => sendJson("DELETE", `${membersPath(entity, project)}/${seg(username)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: membersKey(entity, project) }),
  });
}

/** Change your own password; the server ends your other sessions, so the viewer is read again. */
export function useChangePassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      sendJson<undefined>("POST", "/auth/password", body),
    onSuccess: () => {
      client.setQueryData<Viewer>(["viewer"], (viewer) => viewer && { ...viewer, must_change_password: false });
      void client.invalidateQueries();
    },
  });
}
