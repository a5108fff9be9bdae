/**
 * Finds a key that appears twice in one object of a JSON text. `JSON.parse` keeps the last of duplicate keys
 * without a word, so a safetensors header naming a tensor twice would load whichever entry came last; the
 * decoder calls this to refuse such a header instead. The text must already be valid JSON.
 */

/** The first repeated key of any object in `text` and its index in `text`, or null when keys are unique. */
export function findDuplicateKey(text: string): { key: string; index: number } | null {
  // One frame per open object or array: the keys seen so far (null for arrays) and whether a key comes next.
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const top = stack[stack.length - 1];
    if (ch === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (ch === '[') stack.push({ keys: null, expectKey: false });
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',' && top?.keys) top.expectKey = true;
    else if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return { key, index: i };
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    }
  }
  return null;
}
