/** Run colours: stable per run id, distinct enough for a few dozen lines on either theme. */

export const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
  "#bcbd22", "#7f7f7f", "#3b8bc2", "#f4a259", "#5fb760", "#e15759", "#a77fcf", "#b07b6a",
  "#ef8fd1", "#4fd1de", "#d2d14b", "#59a14f",
];

/** FNV-1a hash of a string, as an unsigned 32-bit integer. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The default colour of a run (or group), the same on every page and every visit. */
export function colorFor(id: string): string {
  return PALETTE[hashString(id) % PALETTE.length] ?? "#1f77b4";
}
