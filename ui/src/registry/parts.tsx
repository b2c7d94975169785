/** Small pieces the registry pages share: tags, and aliases with the version each names. */

/** Tags as badges. */
export function Tags({ tags }: { tags: readonly string[] }) {
  if (tags.length === 0) return null;
  return (
    <span className="aliases">
      {tags.map((tag) => (
        <span key={tag} className="badge model-tag">{tag}</span>
      ))}
    </span>
  );
}

/** `production → v3` badges, by alias. */
export function ModelAliases({ aliases }: { aliases: Record<string, string> }) {
  const names = Object.keys(aliases).sort();
  if (names.length === 0) return <span className="muted">—</span>;
  return (
    <span className="aliases">
      {names.map((alias) => (
        <span key={alias} className="badge alias" data-alias={alias}>
          {alias} → {aliases[alias]}
        </span>
      ))}
    </span>
  );
}
