/** What the panel board shares with its panels: the live tick and paint reporting (for the
 * `cairn:first-chart` / `cairn:all-charts` performance marks). */

import { createContext, useContext, useEffect, useRef, useState } from "react";

export interface BoardContextValue {
  /** increases every live interval while live updates are on and a shown run is running */
  liveTick: number;
  reportVisible: (id: string, visible: boolean) => void;
  reportPainted: (id: string) => void;
}

export const BoardContext = createContext<BoardContextValue>({
  liveTick: 0,
  reportVisible: () => undefined,
  reportPainted: () => undefined,
});

export function useBoard(): BoardContextValue {
  return useContext(BoardContext);
}

/** Tracks which panels are on screen and painted; marks the first paint and "all on-screen painted". */
export class PaintTracker {
  private visible = new Set<string>();
  private painted = new Set<string>();
  private firstMarked = false;
  private allMarked = false;

  setVisible(id: string, on: boolean): void {
    if (on) this.visible.add(id);
    else this.visible.delete(id);
    this.check();
  }

  setPainted(id: string): void {
    this.painted.add(id);
    if (!this.firstMarked) {
      this.firstMarked = true;
      mark("cairn:first-chart");
    }
    this.check();
  }

  private check(): void {
    if (this.allMarked || !this.firstMarked || this.visible.size === 0) return;
    for (const id of this.visible) if (!this.painted.has(id)) return;
    this.allMarked = true;
    mark("cairn:all-charts");
  }
}

function mark(name: string): void {
  try {
    performance.mark(name);
  } catch {
    // performance marks are best effort
  }
}

/** True once the element has come near the viewport (stays true), and whether it is on screen now. */
export function useOnScreen(ref: React.RefObject<HTMLElement | null>): { seen: boolean; visible: boolean } {
  const [state, setState] = useState(() =>
    typeof IntersectionObserver === "undefined" ? { seen: true, visible: true } : { seen: false, visible: false },
  );
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1];
        if (!entry) return;
        const visible = entry.isIntersecting;
        setState((s) => (s.visible === visible && (s.seen || !visible) ? s : { seen: s.seen || visible, visible }));
      },
      { rootMargin: "150px 0px" },
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, [ref]);
  return state;
}

/** The element's content width, updated on resize. */
export function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  const frame = useRef(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame.current);
      frame.current = requestAnimationFrame(() => {
        setWidth(el.clientWidth);
      });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, [ref]);
  return width;
}
