/** Fetches, gunzips and unpacks the digits asset written by scripts/digits-asset.ts into the demo's `Digits`. */
import { type Digits, PIXELS } from '@cp/mnist-demo';

/**
 * The bytes, gunzipped if they are still gzip. NOTE: some servers (`vite preview` among them) send a `.gz`
 * file with `Content-Encoding: gzip`, so the browser has already unpacked it; others send it as it is.
 */
async function gunzipped(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Loads `url` (the gzipped packed digits) as float pixels in [0, 1] and int32 labels. */
export async function fetchDigits(url: string | URL): Promise<Digits> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load the digits from ${url}: HTTP ${res.status}`);
  const bytes = await gunzipped(new Uint8Array(await res.arrayBuffer()));
  const count = new DataView(bytes.buffer).getUint32(0, true);
  if (bytes.length !== 4 + count * (PIXELS + 1)) {
    throw new Error(`${url}: expected ${4 + count * (PIXELS + 1)} bytes for ${count} digits, got ${bytes.length}`);
  }
  const images = new Float32Array(count * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = bytes[4 + i] / 255;
  const labels = Int32Array.from(bytes.subarray(4 + count * PIXELS));
  return { images, labels, count };
}
