/**
 * Where the CLI writes and what it listens to: stdout for results, stderr for
 * progress and errors, the environment, and a stop signal (SIGINT/SIGTERM, or an
 * AbortSignal in tests). Every line passes through a redactor so a secret the CLI
 * or the library holds (a productkey, a token) can never be printed, however a server
 * echoed it (see lib/security/secrets).
 */
import { SecretSet, secrets } from '../security/secrets.js';

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
  private readonly secrets = new SecretSet();
  /**
   * Whether lines are also scrubbed of every secret the library holds in this process.
   * The emulator command turns it off: the productkeys it prints are its own configuration.
   */
  librarySecrets = true;
  readonly env: Readonly<Record<string, string | undefined>>;

  constructor(private readonly io: CliIo) {
    this.env = io.env ?? process.env;
  }

  /** Never print `secret` (it is replaced by `[redacted]` in every later line, and in the library's errors). */
  addSecret(secret: string | undefined): void {
    this.secrets.add(secret);
    secrets.add(secret);
  }

  /** Replaces every secret this terminal or the library knows in `text` (plain, %-encoded or inside EncodeData). */
  redact(text: string): string {
    const own = this.secrets.scrubText(text);
    return this.librarySecrets ? secrets.scrubText(own) : own;
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
