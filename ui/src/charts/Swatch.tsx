/** A line's colour and dash, as a short stroke (legend and tooltip rows). */

export function Swatch({ color, dash }: { color: string; dash: readonly number[] }) {
  return (
    <svg className="swatch-line" width="18" height="6" aria-hidden="true">
      <line x1="0" y1="3" x2="18" y2="3" stroke={color} strokeWidth="2" strokeDasharray={dash.length > 0 ? dash.join(" ") : undefined} />
    </svg>
  );
}
