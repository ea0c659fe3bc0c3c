/**
 * Where the CLI writes and what it listens to: stdout for results, stderr for
 * progress and errors, the environment, and a stop signal (SIGINT/SIGTERM, or an
 * AbortSignal in tests). Every line passes through a redactor so a secret the CLI
 * learned (a token) can never be printed.
 */

/** Anything with `write(text)`: `process.stdout`, a test buffer. */
export interface TextSink {
  write(text: string): unknown;
}

/** What {@link main} reads and writes. Only `stdout` and `stderr` are required. */
export interface CliIo {
  /** Results: JSON documents and JSON lines. */
  readonly stdout: TextSink;
  /** Progress (states, emulator log) and the one-line error. */
  readonly stderr: TextSink;
  /** Where `REXSYS_URL`, `REXSYS_PROJECT` and `REXSYS_PRODUCTKEY` are read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Aborting it stops the long-running commands (`listen`, `emulator`) as Ctrl-C does.
   * @default the process' SIGINT and SIGTERM
   */
  readonly signal?: AbortSignal;
}

/** A pending stop: resolves with what stopped it; `dispose()` removes the listeners. */
export interface StopWatch {
  readonly stopped: Promise<string>;
  dispose(): void;
}

/** The CLI's view of its {@link CliIo}: line output with redaction, env, and stopping. */
export class Terminal {
  private readonly secrets = new Set<string>();
  readonly env: Readonly<Record<string, string | undefined>>;

  constructor(private readonly io: CliIo) {
    this.env = io.env ?? process.env;
  }

  /** Never print `secret` (it is replaced by `[redacted]` in every later line). */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  /** Replaces every known secret in `text`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  /** One line on stdout. */
  out(line: string): void {
    this.io.stdout.write(`${this.redact(line)}\n`);
  }

  /** One line on stderr. */
  err(line: string): void {
    this.io.stderr.write(`${this.redact(line)}\n`);
  }

  /** Starts watching for a stop request: the io's AbortSignal, else SIGINT/SIGTERM. */
  watchStop(): StopWatch {
    const { signal } = this.io;
    let dispose: () => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      if (signal) {
        if (signal.aborted) return resolve('abort');
        const onAbort = () => resolve('abort');
        signal.addEventListener('abort', onAbort, { once: true });
        dispose = () => signal.removeEventListener('abort', onAbort);
        return;
      }
      const onSignal = (name: NodeJS.Signals) => resolve(name);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      dispose = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    });
    return { stopped, dispose: () => dispose() };
  }
}
