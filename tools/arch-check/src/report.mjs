/**
 * Turns the result of runChecks into what the lint prints: one line per check when it passes, and for a
 * failure every offending edge or file with its line and what to do about it. The long-file list is
 * printed every time and never fails the run.
 */

/** How many offending cycle edges are printed in full. */
const SHOWN_CYCLES = 10;

/** `{ text, ok }` for `result` (from runChecks) under `config`. */
export function formatReport(result, config) {
  const lines = [];
  const cyclesOk = cycleSection(result, config, lines);
  const kernelsOk = kernelSection(result, config, lines);
  const { limit } = config.fileSize;
  if (result.longFiles.length === 0) lines.push(`files over ${limit} lines: none`);
  else {
    lines.push(`files over ${limit} lines (a report, not a failure; STYLE.md asks for a reason):`);
    for (const { file, lines: n } of result.longFiles) lines.push(`  ${String(n).padStart(5)}  ${file}`);
  }
  const ok = cyclesOk && kernelsOk;
  lines.push(`arch-check: ${result.files} source files in ${Math.round(result.ms)} ms, ${ok ? 'ok' : 'FAILED'}`);
  return { text: `${lines.join('\n')}\n`, ok };
}

function cycleSection({ cycles, importLines }, config, lines) {
  const { violations, stale, groups } = cycles;
  const sizes = groups.map((g) => g.length).join(', ');
  if (violations.length === 0 && stale.length === 0) {
    const found = groups.length === 0 ? 'none' : `files in cycles: ${sizes}`;
    lines.push(`import cycles: ok (${found}; every edge in the documented cycle or on cycles.allowedEdges)`);
    return true;
  }
  lines.push('import cycles: FAILED');
  // NOTE: one new import can put a long chain of existing edges on a cycle; the shortest cycles, shown
  // first, are the ones that name the new edge.
  const shortestFirst = [...violations].sort((a, b) => a.cycle.length - b.cycle.length);
  for (const { from, to, cycle } of shortestFirst.slice(0, SHOWN_CYCLES)) {
    lines.push(`  ${from}:${importLines.get(`${from} -> ${to}`)} imports ${to}, which leads back to it:`);
    lines.push(`    ${cycle.join('\n      -> ')}`);
  }
  if (violations.length > SHOWN_CYCLES) {
    lines.push(`  ... and ${violations.length - SHOWN_CYCLES} more edges on these cycles.`);
  }
  if (violations.length > 0) {
    lines.push(
      '  Break the cycle: move what both files need into a file that imports neither, or write the import as' +
        ' `import type` if only types cross. Allowed cycles: the documented Tensor<->ops one' +
        ` (${config.cycles.documented.join(', ')}) and the edges on cycles.allowedEdges in tools/arch-check/config.mjs.`,
    );
  }
  for (const [from, to] of stale) {
    lines.push(`  cycles.allowedEdges lists ${from} -> ${to}, which is no longer on a cycle: delete the entry.`);
  }
  return false;
}

function kernelSection({ kernelCalls }, config, lines) {
  const { violations } = kernelCalls;
  const { dispatch } = config.kernelCalls;
  if (violations.length === 0) {
    lines.push(`kernel calls: ok (none outside ${dispatch.join(', ')})`);
    return true;
  }
  lines.push('kernel calls: FAILED');
  for (const { file, found } of violations) {
    for (const { line, code } of found) lines.push(`  ${file}:${line}  ${code}`);
  }
  lines.push(
    `  A backend kernel (backend.kernels / backend.fused) is called only from ${dispatch.join(', ')}:` +
      ' call the dispatch instead.',
  );
  return false;
}
