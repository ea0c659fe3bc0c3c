/**
 * What the benchmark process and its server child (bench/server.ts) say to each other
 * over the fork IPC channel, and the project the child serves.
 */

/** The project the bench emulator serves. */
export const BENCH_PROJECT = 'bench';

/**
 * Client ids of the bench, each with its own productkey `KEY-<uid>`, so every client
 * of a case has a uid of its own and a flood reaches only the client under test.
 */
export const BENCH_UIDS = [
  'raw-rx', // bare socket.io-client receiver (CPU, heap)
  'lib-rx', // library receiver (CPU, heap)
  'lib-tx', // library sender (throughput)
  'lib-sink', // library receiver (throughput)
  'raw-tx', // bare sender (throughput)
  'raw-sink', // bare receiver (throughput)
  'ready-lib', // ready-time runs
  'ready-raw',
] as const;
export type BenchUid = (typeof BENCH_UIDS)[number];

export const keyOf = (uid: BenchUid): string => `KEY-${uid}`;

export const BENCH_PROJECTS: Record<string, Record<string, string>> = {
  [BENCH_PROJECT]: Object.fromEntries(BENCH_UIDS.map((uid) => [keyOf(uid), uid])),
};

export type ServerCommand =
  | { readonly id: number; readonly type: 'flood'; readonly uid: string; readonly count: number; readonly commands: readonly string[]; readonly chunk?: number }
  | { readonly id: number; readonly type: 'hold' }
  | { readonly id: number; readonly type: 'release' }
  | { readonly id: number; readonly type: 'disconnect'; readonly uid: string }
  | { readonly id: number; readonly type: 'close' };

/** A command without its id (what callers pass; the harness numbers them). */
export type ServerRequest = ServerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export type ServerReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly url?: string;
      readonly port?: number;
      readonly gateUrl?: string;
      readonly project?: string;
      readonly pid?: number;
      readonly sockets?: number;
    }
  | { readonly id: number; readonly ok: false; readonly error: string };
