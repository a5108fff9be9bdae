/**
 * The long-file report: source files over the configured number of lines, longest first. STYLE.md asks
 * for no file over about 400 lines without a reason, so this is a list to read, never a failure.
 */

/** The number of lines of `text`, as `wc -l` counts them for a file that ends in a newline. */
export function countLines(text) {
  if (text.length === 0) return 0;
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return text.endsWith('\n') ? lines : lines + 1;
}

/** `{ file, lines }` for each of `sizes` (file -> line count) over `limit`, longest first, then by path. */
export function longFiles(sizes, limit) {
  return [...sizes]
    .filter(([, lines]) => lines > limit)
    .map(([file, lines]) => ({ file, lines }))
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
}
