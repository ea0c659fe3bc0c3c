/** Sizes of every benchmark section, for the full run and for `--quick`. */
export interface BenchConfig {
  readonly quick: boolean;
  readonly cpu: { readonly messages: number; readonly warmup: number; readonly reps: number; readonly streams: readonly number[] };
  readonly throughput: {
    readonly reps: number;
    readonly socketSequential: number;
    readonly socketPipelined: number;
    readonly restSequential: number;
    readonly restPipelined: number;
    /** Sends in flight at once in the pipelined variants. */
    readonly socketWindow: number;
    readonly restWindow: number;
    /** Unmeasured sends of each variant first (socket, REST): the library has more code to warm up. */
    readonly warmupSocket: number;
    readonly warmupRest: number;
  };
  readonly heap: { readonly messages: number; readonly step: number; readonly warmup: number };
  readonly ready: { readonly runs: number; readonly backoffMs: number };
  /** Confirmed vs plain: sequential and 64-in-flight counts, and the count of the run with cuts. */
  readonly delivery: { readonly reps: number; readonly sequential: number; readonly pipelined: number; readonly faulted: number; readonly warmup: number };
  /** Receiving confirmed messages with a file store vs memory. */
  readonly store: { readonly reps: number; readonly messages: number };
}

export const FULL: BenchConfig = {
  quick: false,
  cpu: { messages: 20_000, warmup: 2_000, reps: 5, streams: [1, 100, 1_000] },
  throughput: {
    reps: 3,
    socketSequential: 2_000,
    socketPipelined: 5_000,
    restSequential: 300,
    restPipelined: 1_000,
    socketWindow: 64,
    restWindow: 16,
    warmupSocket: 2_000,
    warmupRest: 300,
  },
  heap: { messages: 100_000, step: 25_000, warmup: 5_000 },
  ready: { runs: 10, backoffMs: 100 },
  delivery: { reps: 3, sequential: 500, pipelined: 3_000, faulted: 1_000, warmup: 500 },
  store: { reps: 3, messages: 3_000 },
};

export const QUICK: BenchConfig = {
  quick: true,
  cpu: { messages: 5_000, warmup: 1_000, reps: 2, streams: [1, 100, 1_000] },
  throughput: {
    reps: 1,
    socketSequential: 300,
    socketPipelined: 1_000,
    restSequential: 100,
    restPipelined: 300,
    socketWindow: 64,
    restWindow: 16,
    warmupSocket: 500,
    warmupRest: 100,
  },
  heap: { messages: 20_000, step: 5_000, warmup: 2_000 },
  ready: { runs: 3, backoffMs: 100 },
  delivery: { reps: 1, sequential: 200, pipelined: 1_000, faulted: 300, warmup: 200 },
  store: { reps: 1, messages: 1_000 },
};
