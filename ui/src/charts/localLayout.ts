/** A panel layout kept in this browser (the run page's tabs: sizes, settings, removed panels). */

import { useState } from "react";
import { EMPTY_LAYOUT, parseLayout, type PanelsLayout } from "./layout";

function load(storageKey: string): PanelsLayout {
  try {
    const saved = localStorage.getItem(storageKey);
    return saved ? parseLayout(JSON.parse(saved)) : EMPTY_LAYOUT;
  } catch {
    return EMPTY_LAYOUT;
  }
}

export function useLocalLayout(storageKey: string): [PanelsLayout, (next: PanelsLayout) => void] {
  const [layout, setLayout] = useState<PanelsLayout>(() => load(storageKey));
  const save = (next: PanelsLayout) => {
    setLayout(next);
    try {
      localStorage.setItem(storageKey, JSON.stringify(next));
    } catch {
      // storage full or disabled: the layout lasts for this visit
    }
  };
  return [layout, save];
}
