/** Links to a commit on its hosting site, from the remote URL the SDK recorded. */

/** `https://host/owner/repo` for an http(s), ssh or scp-like remote; null when unknown. */
export function repoWebUrl(remote: string): string | null {
  let host: string;
  let path: string;
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(remote);
  if (scp) {
    host = scp[1] ?? "";
    path = scp[2] ?? "";
  } else {
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      return null;
    }
    if (!["http:", "https:", "ssh:", "git+ssh:", "ssh+git:", "git:"].includes(url.protocol)) return null;
    host = url.hostname;
    path = url.pathname;
  }
  path = path.replace(/^\/+/, "").replace(/\.git$/, "").replace(/\/+$/, "");
  if (!/^[\w.-]+$/.test(host) || !/^[\w.\-/]+$/.test(path) || path.includes("..")) return null;
  return `https://${host}/${path}`;
}

/** The commit page on GitHub/GitLab/Bitbucket-like hosts (always an https URL), or null. */
export function commitUrl(remote: string | undefined, commit: string | undefined): string | null {
  if (!remote || !commit || !/^[0-9a-f]{7,64}$/i.test(commit)) return null;
  const base = repoWebUrl(remote);
  if (base === null) return null;
  if (base.includes("bitbucket")) return `${base}/commits/${commit}`;
  if (base.includes("gitlab")) return `${base}/-/commit/${commit}`;
  return `${base}/commit/${commit}`;
}
