/** How deep a domain sits in the tree by its path: `/ROOT/` is 0, `/ROOT/a/` is 1, `/ROOT/a/b/` is 2. */
export function domainDepth(path: string): number {
  return Math.max(0, path.split('/').filter(Boolean).length - 1);
}

/** Domains in tree order: a parent right before its sub-domains (path order). */
export function sortDomainTree<T extends { path: string }>(domains: readonly T[]): T[] {
  return [...domains].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
