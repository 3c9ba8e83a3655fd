/**
 * The id a file or object stands for in a bulk import: its base name without the last extension
 * (`holiday-01.jpg` → `holiday-01`), or the whole name when it has none (the original service kept
 * `originals_dir/{id}` without one). Whether that is a valid id is the import's decision, so `a.b.jpg` is
 * refused with a reason rather than silently renamed.
 */
export function idOfFileName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Hidden names (`.DS_Store`, editors' and our own `.tmp` files) are not entries of a bulk import at all. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}
