import { DomainError } from '../../../platform/src/errors.js';

/** Deepest allowed tree; breadcrumbs and ancestor arrays stay small. */
export const MAX_DEPTH = 10;

/** Where a category sits: its ancestors from the root down to its parent. */
export interface TreeNode {
  id: string;
  ancestorIds: string[];
}

/**
 * The ancestors a category gets under `parent` (null = top level). Refuses to make a
 * category its own ancestor: the new parent may be neither the category nor one of
 * its descendants (whose ancestor list contains the category).
 */
export function ancestorsUnder(node: { id: string } | null, parent: TreeNode | null): string[] {
  if (!parent) return [];
  if (node && (parent.id === node.id || parent.ancestorIds.includes(node.id))) {
    throw new DomainError('failed_precondition', 'CATEGORY_CYCLE', 'a category cannot move under itself or one of its descendants', { category_id: node.id, parent_id: parent.id }, [
      { field: 'category.parent_id', description: 'must not be the category itself or one of its descendants' },
    ]);
  }
  const ancestors = [...parent.ancestorIds, parent.id];
  if (ancestors.length >= MAX_DEPTH) throw new DomainError('failed_precondition', 'CATEGORY_TOO_DEEP', `categories nest at most ${MAX_DEPTH} levels`, { parent_id: parent.id });
  return ancestors;
}

/**
 * A descendant's new ancestors after `moved` changed place: the part of its path from
 * `moved` down stays, the part above is replaced.
 */
export function rebaseDescendant(descendantAncestors: string[], movedId: string, movedNewAncestors: string[]): string[] {
  const at = descendantAncestors.indexOf(movedId);
  if (at < 0) return descendantAncestors;
  return [...movedNewAncestors, ...descendantAncestors.slice(at)];
}

/** Every category id a product in `categories` is found under: each category and all its ancestors. */
export function categoryPathOf(categories: TreeNode[]): string[] {
  return [...new Set(categories.flatMap((c) => [...c.ancestorIds, c.id]))];
}
