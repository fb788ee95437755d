const MAX_SLUG_LENGTH = 80;

/**
 * Turns a branch name into one safe path component: `feat/x` -> `feat-x`. Only [A-Za-z0-9._-] survive, no
 * leading dot or dash (no hidden or option-like names), never `.` or `..`, at most 80 characters.
 */
export function toBranchSlug(branch: string): string {
  const slug = branch
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/[.-]+$/, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/[.-]+$/, '');
  return slug === '' ? 'session' : slug;
}

/** The first of `base`, `base-2`, `base-3`, … that `isTaken` rejects. */
export function pickFreeName(base: string, isTaken: (name: string) => boolean): string {
  if (!isTaken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!isTaken(candidate)) return candidate;
  }
}
