/** One table cell: numbers right-aligned, image references as lazy thumbnails, other media as a
 * link badge that opens the file. */

import { cellView } from "./tableModel";

export function Cell({ value }: { value: unknown }) {
  const view = cellView(value);
  switch (view.kind) {
    case "empty":
      return <span className="tp-cell-empty">–</span>;
    case "image":
      return (
        <a href={view.url} target="_blank" rel="noreferrer" className="tp-thumb-link">
          <img className="tp-thumb" src={view.url} alt={view.alt} loading="lazy" decoding="async" />
        </a>
      );
    case "media":
      return view.url ? (
        <a className="tp-badge" href={view.url} target="_blank" rel="noreferrer">
          {view.label}
        </a>
      ) : (
        <span className="tp-badge">{view.label}</span>
      );
    case "text":
      return (
        <span className={view.numeric ? "tp-num" : undefined} title={view.text.length > 40 ? view.text : undefined}>
          {view.text}
        </span>
      );
  }
}
