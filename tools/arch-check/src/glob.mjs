/**
 * The one pattern syntax of the config: workspace-relative paths with `*` (any characters but `/`) and `**`
 * (any number of whole folders, including none). `packages/core/src/ops/**` matches every file under ops/.
 */

/** A matcher for `pattern`: `(path) => boolean` on workspace-relative paths with `/` separators. */
export function globMatcher(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // `a/**/b` matches `a/b` too; a trailing `**` matches everything below.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  const compiled = new RegExp(`^${re}$`);
  return (path) => compiled.test(path);
}

/** A matcher true when any of `patterns` matches. */
export function anyMatcher(patterns) {
  const matchers = patterns.map(globMatcher);
  return (path) => matchers.some((m) => m(path));
}
