/** The signed-in user, login and logout. */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, sendJson, setCsrfToken } from "./client";
import type { Viewer } from "./types";

export function useViewer() {
  return useQuery({
    queryKey: ["viewer"],
    queryFn: async () => {
      const viewer = await getJson<Viewer>("/auth/me");
      setCsrfToken(viewer.csrf_token);
      return viewer;
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { username: string; password: string }) =>
      sendJson<Viewer>("POST", "/auth/login", credentials),
    onSuccess: (viewer) => {
      setCsrfToken(viewer.csrf_token);
      client.setQueryData(["viewer"], viewer);
    },
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => sendJson<undefined>("POST", "/auth/logout"),
    onSuccess: () => {
      setCsrfToken(null);
      void client.invalidateQueries();
    },
  });
}
