/** URL segments: lower-case ASCII letters and digits in hyphen-separated words. */
export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 100;

/**
 * A slug from a human name: accents dropped (NFKD), everything else that is not a
 * letter or digit becomes one hyphen. Never empty: a name of only symbols gives `fallback`.
 */
export function slugify(name: string, fallback = 'item'): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || fallback;
}

export const isSlug = (value: string) => value.length <= MAX_SLUG_LENGTH && SLUG.test(value);
