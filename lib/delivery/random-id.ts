/**
 * A random id for message ids and epochs: `crypto.randomUUID()` where there is one
 * (Node, secure browser contexts), else 128 bits from `crypto.getRandomValues`, else
 * `Math.random` (old or insecure contexts: ids need to be unique, not secret).
 */
export function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
