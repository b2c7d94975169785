/** Markdown as React elements only (see markdown.ts): no HTML is ever parsed from the text. */

import type { ReactNode } from "react";
import { parseMarkdown, type Block, type Inline } from "./markdown";

function inline(nodes: Inline[]): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.kind) {
      case "text":
        return n.text;
      case "code":
        return <code key={i}>{n.text}</code>;
      case "strong":
        return <strong key={i}>{inline(n.children)}</strong>;
      case "em":
        return <em key={i}>{inline(n.children)}</em>;
      case "link":
        return (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
            {inline(n.children)}
          </a>
        );
    }
  });
}

function block(b: Block, i: number): ReactNode {
  switch (b.kind) {
    case "heading": {
      const H = `h${b.level}` as const;
      return <H key={i}>{inline(b.children)}</H>;
    }
    case "paragraph":
      return <p key={i}>{inline(b.children)}</p>;
    case "code":
      return (
        <pre key={i}>
          <code>{b.text}</code>
        </pre>
      );
    case "list": {
      const items = b.items.map((item, j) => <li key={j}>{inline(item)}</li>);
      return b.ordered ? <ol key={i}>{items}</ol> : <ul key={i}>{items}</ul>;
    }
    case "quote":
      return <blockquote key={i}>{inline(b.children)}</blockquote>;
    case "rule":
      return <hr key={i} />;
  }
}

export function Markdown({ source }: { source: string }) {
  return <div className="media-markdown">{parseMarkdown(source).map(block)}</div>;
}
