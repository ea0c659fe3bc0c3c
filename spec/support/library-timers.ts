/**
 * Records the timers the LIBRARY starts (its client, transports, socket.io-client,
 * engine.io-client, axios) while a piece of code runs, by their call stacks: a precise
 * "no timer during SSR" check, unlike a process-wide count that the emulator and earlier
 * tests' sockets also move.
 */
const LIBRARY = /[\\/]lib[\\/](client|transport|auth|operators)[\\/]|socket\.io-client|engine\.io-client|[\\/]axios[\\/]/;

export function recordLibraryTimers(): { readonly started: string[]; stop(): void } {
  const started: string[] = [];
  const originals = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
  const wrap = <F extends (...args: never[]) => unknown>(name: 'setTimeout' | 'setInterval', original: F): F =>
    ((...args: Parameters<F>) => {
      const stack = new Error().stack ?? '';
      if (LIBRARY.test(stack)) started.push(`${name} ${stack.split('\n').slice(2, 5).join(' | ')}`);
      return original.apply(globalThis, args);
    }) as unknown as F;
  globalThis.setTimeout = wrap('setTimeout', originals.setTimeout);
  globalThis.setInterval = wrap('setInterval', originals.setInterval);
  return {
    started,
    stop() {
      globalThis.setTimeout = originals.setTimeout;
      globalThis.setInterval = originals.setInterval;
    },
  };
}
