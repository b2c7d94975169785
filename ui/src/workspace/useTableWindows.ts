/** The runs table's windows: one cache per selection, fed by the prefetch planner as the table
 * scrolls (speed and direction from scroll events; a stop noticed one frame after the last event
 * when they come every frame). */

import { useEffect, useMemo, useSyncExternalStore, type RefObject } from "react";
import { sendJson, seg } from "../api/client";
import type { RunsPage } from "../api/types";
import type { RunsSelection } from "./api";
import { WINDOW, planWindows, quietFramesForStop, velocityOf, type Sample, type Viewport } from "./prefetch";
import { WindowCache } from "./windowCache";

/** Caches kept for recent selections (going back to one shows its rows at once). */
const KEEP_CACHES = 3;
const caches = new Map<string, WindowCache>();

/** The window cache of one selection and column set (most recently used of a few). */
export function tableCache(selection: RunsSelection, keys: string[]): WindowCache {
  const signature = cacheSignature(selection, keys);
  let cache = caches.get(signature);
  if (cache) {
    caches.delete(signature);
  } else {
    cache = new WindowCache((offset, limit, signal) =>
      sendJson<RunsPage>(
        "POST",
        `/projects/${seg(selection.entity)}/${seg(selection.project)}/runs/query`,
        { filters: selection.filter, order: selection.order, offset, limit, keys, archived: selection.archived },
        signal,
      ),
    );
  }
  caches.set(signature, cache);
  while (caches.size > KEEP_CACHES) {
    const oldest = caches.keys().next();
    if (oldest.done) break;
    caches.get(oldest.value)?.abortAll();
    caches.delete(oldest.value);
  }
  return cache;
}

const cacheSignature = (selection: RunsSelection, keys: string[]) => JSON.stringify([selection, keys]);

/** After a change to a project's runs: every table of that project asks for its rows again. */
export function refreshProjectTables(entity: string, project: string): void {
  for (const [signature, cache] of caches) {
    const [selection] = JSON.parse(signature) as [RunsSelection];
    if (selection.entity === entity && selection.project === project) cache.refresh();
  }
}

/** Another cache of the same runs in the same order, with other columns: its rows stand in while
 * a column change asks for the rows again (the new columns' cells are empty for a moment). */
export function sameRunsCache(selection: RunsSelection, keys: string[]): WindowCache | null {
  const own = cacheSignature(selection, keys);
  const prefix = JSON.stringify([selection]).slice(0, -1) + ",";
  let found: WindowCache | null = null;
  for (const [signature, cache] of caches) if (signature !== own && signature.startsWith(prefix)) found = cache;
  return found;
}

interface Options {
  selection: RunsSelection;
  keys: string[];
  /** the table element (its scrolling ancestor is watched) */
  table: RefObject<HTMLElement | null>;
  rowHeight: number;
  /** refresh the rows in view every few seconds */
  live: boolean;
}

const LIVE_MS = 5_000;
const SAMPLES = 8;

/** The cache for the table, a cache of the same runs to show meanwhile, and the version (changes
 * when windows land). */
export function useTableWindows({ selection, keys, table, rowHeight, live }: Options) {
  const cache = useMemo(() => tableCache(selection, keys), [selection, keys]);
  const fallback = useMemo(() => sameRunsCache(selection, keys), [selection, keys]);
  const version = useSyncExternalStore(cache.subscribe, cache.getVersion);

  useEffect(() => {
    const scroller = table.current?.closest<HTMLElement>(".runs-scroll") ?? null;
    let height = scroller?.clientHeight ?? 900;
    const samples: Sample[] = [];
    let stamp = 0;
    let seen = -1;
    let armed = false;
    let frame = 0;

    const view = (): Viewport => {
      const top = scroller?.scrollTop ?? 0;
      const first = Math.floor(top / rowHeight);
      // the sticky header row covers the top of the box
      const last = Math.max(first, Math.floor((top + height - rowHeight - 1) / rowHeight));
      const total = cache.total;
      return total === null ? { first, last } : { first: Math.min(first, total - 1), last: Math.min(last, total - 1) };
    };
    const replan = (velocity: number) => {
      const v = view();
      const inView: number[] = [];
      for (let w = Math.floor(v.first / WINDOW); w <= Math.floor(v.last / WINDOW); w++) inView.push(w);
      cache.touch(inView);
      cache.apply(
        planWindows({
          view: v,
          velocity,
          total: cache.total,
          cached: cache.held(),
          inFlight: cache.inFlight(),
          slots: cache.slots(),
        }),
      );
    };
    // the view stopped (no scroll event since): still, whatever the last samples say
    let stopped = true;
    const speed = () => (stopped ? 0 : velocityOf(samples, performance.now()));

    // a stop: as many frames without a scroll event as the events' own cadence (one, for events
    // every frame)
    let quiet = 0;
    let frameMs = 1000 / 60;
    let lastFrame = 0;
    const check = (now: number) => {
      if (lastFrame > 0) frameMs = 0.8 * frameMs + 0.2 * Math.min(100, now - lastFrame);
      lastFrame = now;
      if (stamp !== seen) {
        seen = stamp;
        quiet = 0;
      } else {
        quiet += 1;
      }
      if (quiet >= quietFramesForStop(samples, frameMs)) {
        armed = false;
        lastFrame = 0;
        stopped = true;
        replan(0);
      } else {
        frame = requestAnimationFrame(check);
      }
    };
    const onScroll = () => {
      samples.push({ t: performance.now(), row: (scroller?.scrollTop ?? 0) / rowHeight });
      if (samples.length > SAMPLES) samples.shift();
      stamp += 1;
      stopped = false;
      replan(speed());
      if (!armed) {
        armed = true;
        seen = stamp;
        quiet = 0;
        // the first check in the next frame (a callback asked for now runs in this one)
        frame = requestAnimationFrame(() => {
          frame = requestAnimationFrame(check);
        });
      }
    };
    const resize = new ResizeObserver(() => {
      height = scroller?.clientHeight ?? height;
    });
    if (scroller) {
      scroller.addEventListener("scroll", onScroll, { passive: true });
      resize.observe(scroller);
    }
    // a window landed (a slot is free, or the total is known): plan again
    const unsubscribe = cache.subscribe(() => {
      replan(speed());
    });
    // what this cache held may be old (a remount): shown at once, asked again
    cache.markStale();
    replan(0);
    const timer = live
      ? window.setInterval(() => {
          if (document.visibilityState !== "visible") return;
          cache.markStale();
          replan(speed());
          cache.ensure(0);
        }, LIVE_MS)
      : 0;
    return () => {
      scroller?.removeEventListener("scroll", onScroll);
      resize.disconnect();
      unsubscribe();
      cancelAnimationFrame(frame);
      window.clearInterval(timer);
      cache.abortAll();
    };
    // the scroller is found from the table element once it is mounted
  }, [cache, table, rowHeight, live]);

  return { cache, fallback, version };
}
