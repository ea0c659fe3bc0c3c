/**
 * Child processes for spec/package/packed.spec.ts: one-shot commands (`npm pack`,
 * `npm install`, the installed bin) and long-running line-oriented consumers whose
 * stdout the test waits on, line by line, without fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * The environment for npm run from a test: without the variables `npm test` /
 * `npm run` put there for the repo's own lifecycle (npm_package_*, npm_lifecycle_*,
 * npm_config_local_prefix, INIT_CWD), so a nested npm in another folder sees that
 * folder. Registry, cache and proxy settings (npm_config_*) pass through.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(k) || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

const tail = (text: string, n = 4000) => (text.length > n ? `…${text.slice(-n)}` : text);

/** Runs a command to its end; rejects (with the command, exit and both outputs' tails) unless it exits 0. */
export function run(command: string, args: readonly string[], options: { cwd: string; timeout: number; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  const started = Date.now();
  const line = `${command} ${args.join(' ')}`;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`\`${line}\` (in ${options.cwd}) could not start: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr, ms: Date.now() - started };
      if (code === 0) resolve(result);
      else
        reject(
          new Error(
            `\`${line}\` (in ${options.cwd}) failed: ${signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${options.timeout} ms?)` : ''}` : `exit ${code}`}\n` +
              `--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`,
          ),
        );
    });
  });
}

/** One line of a consumer's stdout: `READY <sid>` or a JSON object. */
export interface ConsumerLine {
  readonly index: number;
  readonly text: string;
  /** The parsed JSON object, when the line is one. */
  readonly json?: Record<string, any>;
}

/**
 * A long-running Node process that prints lines (spec/package/fixtures/consumer.*) and
 * reads commands on stdin. `waitFor` resolves on the first matching line at or after
 * `from`, however early it was printed.
 */
export class LineProcess {
  readonly lines: ConsumerLine[] = [];
  private stderrText = '';
  private partial = '';
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();
  private closed: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly label: string,
    command: string,
    args: readonly string[],
    cwd: string,
  ) {
    this.child = spawn(command, args, { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    // 'close' comes after stdout ended, so every line is in by then ('exit' may come earlier).
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.closed = { code, signal };
        resolve(this.closed);
        this.notify();
      }),
    );
    this.child.once('error', (e) => {
      this.stderrText += `\n[spawn error] ${e.message}`;
    });
    this.child.stdin!.on('error', () => undefined); // EPIPE when the process is gone: reported through its output instead
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const text of parts) {
        let json: Record<string, any> | undefined;
        if (text.startsWith('{')) {
          try {
            json = JSON.parse(text) as Record<string, any>;
          } catch {
            /* not JSON: kept as text */
          }
        }
        this.lines.push({ index: this.lines.length, text, json });
      }
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-8000);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Writes one command line to the process's stdin. */
  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Closes stdin (EOF). */
  endInput(): void {
    this.child.stdin!.end();
  }

  /** What the process printed so far, for failure messages. */
  transcript(): string {
    return `--- ${this.label} stdout ---\n${this.lines.map((l) => l.text).join('\n')}${this.partial}\n--- ${this.label} stderr ---\n${this.stderrText || '(empty)'}`;
  }

  /** The first line at index >= `from` that satisfies `match`; rejects after `timeout` ms or when the process exits first. */
  waitFor(match: (line: ConsumerLine) => boolean, what: string, options: { from?: number; timeout?: number } = {}): Promise<ConsumerLine> {
    const { from = 0, timeout = 15_000 } = options;
    return new Promise<ConsumerLine>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        const found = this.lines.slice(from).find(match);
        if (found) return finish(() => resolve(found));
        const closed = this.closed;
        if (closed)
          return finish(() =>
            reject(new Error(`${this.label} ended (${closed.signal ?? `exit ${closed.code}`}) before printing ${what}\n${this.transcript()}`)),
          );
      };
      const finish = (settle: () => void) => {
        if (timer) clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      timer = setTimeout(() => finish(() => reject(new Error(`${this.label} did not print ${what} within ${timeout} ms\n${this.transcript()}`))), timeout);
      this.listeners.add(check);
      check();
    });
  }

  /** Waits for `READY <sid>` at or after `from`; resolves with the sid and the line's index. */
  async ready(options: { from?: number; timeout?: number; not?: string } = {}): Promise<{ sid: string; index: number }> {
    const line = await this.waitFor(
      (l) => {
        const m = /^READY (\S+)$/.exec(l.text);
        return !!m && m[1] !== options.not;
      },
      options.not ? `READY with a sid other than ${options.not}` : 'READY <sid>',
      options,
    );
    return { sid: line.text.slice('READY '.length), index: line.index };
  }

  /** Lines that are JSON objects with `t === type`. */
  json(type: string): Record<string, any>[] {
    return this.lines.filter((l) => l.json?.t === type).map((l) => l.json!);
  }

  /** SIGKILLs the process if it still runs and waits for it to be gone. Idempotent. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.stdin?.destroy();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
