/** The projects list. */

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { getJson } from "./client";
import type { ProjectPage } from "./types";

export const PROJECTS_PAGE_SIZE = 50;

/**
 * Projects, most recently active first, `PROJECTS_PAGE_SIZE` at a time ("load more" fetches the
 * next); archived ones only with `showArchived`.
 */
export function useProjects(search: string, showArchived = false) {
  return useInfiniteQuery({
    queryKey: ["projects", search, showArchived],
    queryFn: ({ pageParam, signal }) =>
      getJson<ProjectPage>(
        "/projects",
        {
          search: search === "" ? null : search,
          offset: pageParam,
          limit: PROJECTS_PAGE_SIZE,
          archived: showArchived ? "include" : null,
        },
        signal,
      ),
    initialPageParam: 0,
    getNextPageParam: (last) => {
      const next = last.offset + last.projects.length;
      return last.projects.length > 0 && next < last.total ? next : undefined;
    },
    placeholderData: keepPreviousData,
  });
}
