/** A bounded cache of runs-table windows: runs requests a plan asks for, cancels those it no
 * longer wants, keeps at most `capacity` windows (least recently used go first). */

import type { Run } from "../api/types";
import { MAX_IN_FLIGHT, WINDOW, type Plan, type WindowRequest } from "./prefetch";

export interface WindowsAnswer {
  runs: Run[];
  total: number | null;
}

/** Asks the server for `limit` runs from `offset` (in table order). */
export type FetchRuns = (offset: number, limit: number, signal: AbortSignal) => Promise<WindowsAnswer>;

interface Entry {
  runs: Run[];
  fresh: boolean;
}

interface Pending {
  request: WindowRequest;
  controller: AbortController;
}

/** How long a window that failed is not asked for again (a 4xx: until the selection changes). */
const RETRY_MS = 2_000;

const isAbort = (error: unknown) => error instanceof DOMException && error.name === "AbortError";

export class WindowCache {
  /** window index → its runs; Map order is recency of use, oldest first */
  private readonly entries = new Map<number, Entry>();
  private readonly pending = new Set<Pending>();
  /** window index → when it may be asked for again */
  private readonly blocked = new Map<number, number>();
  private readonly listeners = new Set<() => void>();
  private version = 0;
  total: number | null = null;
  error: unknown = null;

  constructor(
    private readonly fetchRuns: FetchRuns,
    readonly capacity = 48,
    private readonly now: () => number = () => Date.now(),
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getVersion = (): number => this.version;

  /** The run at a row index, if its window is held (fresh or not). */
  run(index: number): Run | undefined {
    return this.entries.get(Math.floor(index / WINDOW))?.runs[index % WINDOW];
  }

  /** The runs of a window, if held. */
  window(index: number): Run[] | undefined {
    return this.entries.get(index)?.runs;
  }

  /** Windows held and fresh, with those that failed a moment ago (not to be asked again yet). */
  held(): Set<number> {
    const out = new Set<number>();
    for (const [w, e] of this.entries) if (e.fresh) out.add(w);
    const now = this.now();
    for (const [w, until] of this.blocked) {
      if (until > now) out.add(w);
      else this.blocked.delete(w);
    }
    return out;
  }

  /** Windows being fetched. */
  inFlight(): Set<number> {
    const out = new Set<number>();
    for (const p of this.pending) for (let i = 0; i < p.request.count; i++) out.add(p.request.start + i);
    return out;
  }

  /** Requests that may start now. */
  slots(): number {
    return Math.max(0, MAX_IN_FLIGHT - this.pending.size);
  }

  /** Mark windows as used now (they are the last to be evicted). */
  touch(windows: Iterable<number>): void {
    for (const w of windows) {
      const e = this.entries.get(w);
      if (e) {
        this.entries.delete(w);
        this.entries.set(w, e);
      }
    }
  }

  /** Keep showing what is held, but ask again when next wanted (a remount, a live tick). */
  markStale(windows?: Iterable<number>): void {
    for (const w of windows ?? this.entries.keys()) {
      const e = this.entries.get(w);
      if (e) e.fresh = false;
    }
  }

  /** Cancel requests the plan no longer wants; start the ones it asks for. */
  apply(plan: Plan): void {
    for (const p of [...this.pending]) {
      const { start, count } = p.request;
      if (start + count - 1 < plan.keep.lo || start > plan.keep.hi) {
        this.pending.delete(p);
        p.controller.abort();
      }
    }
    for (const request of plan.fetch) this.start(request);
  }

  /** Ask for one window unless it is held fresh or on its way. */
  ensure(window: number): void {
    if (!this.held().has(window) && !this.inFlight().has(window)) this.start({ start: window, count: 1 });
  }

  /** The runs changed on the server (a bulk action): keep showing them, ask again now. */
  refresh(): void {
    this.markStale();
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  /** Cancel everything in flight (the table went away). */
  abortAll(): void {
    for (const p of this.pending) p.controller.abort();
    this.pending.clear();
  }

  private start(request: WindowRequest): void {
    if (this.pending.size >= MAX_IN_FLIGHT) return;
    const controller = new AbortController();
    const pending: Pending = { request, controller };
    this.pending.add(pending);
    this.fetchRuns(request.start * WINDOW, request.count * WINDOW, controller.signal).then(
      (answer) => {
        if (!this.pending.delete(pending)) return; // cancelled meanwhile
        this.store(request, answer);
      },
      (error: unknown) => {
        if (!this.pending.delete(pending) || isAbort(error)) return;
        const status = (error as { status?: unknown }).status;
        const permanent = typeof status === "number" && status >= 400 && status < 500;
        const until = permanent ? Number.POSITIVE_INFINITY : this.now() + RETRY_MS;
        for (let i = 0; i < request.count; i++) this.blocked.set(request.start + i, until);
        this.error = error;
        this.changed();
      },
    );
  }

  private store(request: WindowRequest, answer: WindowsAnswer): void {
    const moved = answer.total !== null && this.total !== null && answer.total !== this.total;
    // rows shifted (runs were added or removed): every other window may be off by some rows
    if (moved) this.markStale();
    if (answer.total !== null) this.total = answer.total;
    for (let i = 0; i < request.count; i++) {
      const w = request.start + i;
      const runs = answer.runs.slice(i * WINDOW, (i + 1) * WINDOW);
      this.entries.delete(w);
      if (runs.length > 0 || w === 0) this.entries.set(w, { runs, fresh: true });
      this.blocked.delete(w);
    }
    this.error = null;
    // the least recently used go first; window 0 (the newest runs, the ones running) stays
    for (const w of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      if (w !== 0) this.entries.delete(w);
    }
    this.changed();
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}
