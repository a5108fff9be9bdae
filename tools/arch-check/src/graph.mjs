/**
 * The runtime import graph as adjacency sets, its strongly connected components (Tarjan's algorithm,
 * iterative so a deep chain of imports cannot overflow the stack), and the shortest path between two
 * files, used to show one concrete cycle through an edge.
 */

/**
 * The strongly connected components of `graph` (Map of node -> Set of nodes) as a Map from each node to
 * its component's index. Two files share an index exactly when each reaches the other by imports.
 */
export function componentIndex(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const component = new Map();
  let counter = 0;
  let components = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [[start, [...(graph.get(start) ?? [])], 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, next] = frame;
      if (frame[2] < next.length) {
        const to = next[frame[2]++];
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push([to, [...(graph.get(to) ?? [])], 0]);
        } else if (onStack.has(to)) low.set(node, Math.min(low.get(node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.set(member, components);
        } while (member !== node);
        components++;
      }
    }
  }
  return component;
}

/** Whether the edge `from -> to` of `graph` lies on a cycle (a self-import counts). */
export function onCycle(component, from, to) {
  return component.get(from) === component.get(to);
}

/** The shortest chain of imports `[from, ..., to]` in `graph` (`[from]` when they are the same), or null. */
export function shortestPath(graph, from, to) {
  if (from === to) return [from];
  const previous = new Map([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const next of graph.get(queue[i]) ?? []) {
      if (previous.has(next)) continue;
      previous.set(next, queue[i]);
      if (next === to) {
        const path = [];
        for (let n = to; n !== null; n = previous.get(n)) path.push(n);
        return path.reverse();
      }
      queue.push(next);
    }
  }
  return null;
}
