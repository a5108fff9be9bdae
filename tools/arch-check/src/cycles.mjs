/**
 * The import-cycle rule. An edge `a -> b` (a runtime import) lies on a cycle exactly when `a` and `b` are in
 * the same strongly connected component. Such an edge is allowed when both files are in the documented
 * cycle (the Tensor class and the ops, config `cycles.documented`) or when the edge is on the commented
 * allowlist (`cycles.allowedEdges`). So a cycle passes only if every edge of it is allowed, and a new
 * cycle fails on the edge that closed it. An allowlisted edge that no longer lies on a cycle fails too, so
 * the list only shrinks.
 */

import { anyMatcher } from './glob.mjs';
import { componentIndex, onCycle, shortestPath } from './graph.mjs';

/** `a -> b`, the key of an edge in messages and in the allowlist check. */
const edgeKey = (from, to) => `${from} -> ${to}`;

/**
 * Checks `graph` (Map of file -> Set of files it imports at runtime) against `rules`
 * (`{ documented: string[], allowedEdges: [from, to][] }`). Returns `{ violations, stale, groups }`:
 * each violation is `{ from, to, cycle }` with one shortest cycle through the edge; `stale` lists allowlist
 * entries that are no longer on a cycle; `groups` lists every cycle group (files that import each other).
 */
export function checkCycles(graph, rules) {
  const documented = anyMatcher(rules.documented);
  const allowed = new Set(rules.allowedEdges.map(([from, to]) => edgeKey(from, to)));
  const component = componentIndex(graph);
  const violations = [];
  const used = new Set();
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (!onCycle(component, from, to)) continue;
      const key = edgeKey(from, to);
      if (allowed.has(key)) used.add(key);
      else if (!(documented(from) && documented(to))) {
        violations.push({ from, to, cycle: [from, ...shortestPath(graph, to, from)] });
      }
    }
  }
  const stale = rules.allowedEdges.filter(([from, to]) => !used.has(edgeKey(from, to)));
  return { violations, stale, groups: cycleGroups(graph, component) };
}

/** The files of every component that holds a cycle, each group sorted, largest group first. */
function cycleGroups(graph, component) {
  const members = new Map();
  for (const [node, c] of component) {
    if (!members.has(c)) members.set(c, []);
    members.get(c).push(node);
  }
  return [...members.values()]
    .filter((files) => files.length > 1 || graph.get(files[0])?.has(files[0]))
    .map((files) => files.sort())
    .sort((a, b) => b.length - a.length || a[0].localeCompare(b[0]));
}
