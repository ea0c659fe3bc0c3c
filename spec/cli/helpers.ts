/**
 * Running the CLI in-process for tests: `runCli(argv)` calls `main` with buffers for
 * stdout/stderr, an explicit environment (never the developer's REXSYS_* variables)
 * and an AbortSignal standing in for Ctrl-C.
 */
import { main } from '../../lib/cli/main';

/** What one CLI run produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout split in lines, without the empty last one. */
  readonly out: string[];
  /** stderr split in lines, without the empty last one. */
  readonly err: string[];
}

/** A CLI run in progress: read its output so far, stop it as Ctrl-C would, await its end. */
export interface RunningCli {
  stdout(): string;
  stderr(): string;
  /** Aborts the run's signal (what SIGINT does to the real process). */
  interrupt(): void;
  readonly done: Promise<CliRun>;
}

const lines = (text: string) => text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));

/** Starts `rexsys-rx <argv>` in-process. */
export function startCli(argv: string[], env: Record<string, string | undefined> = {}): RunningCli {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const done = main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    signal: controller.signal,
  }).then((code) => ({ code, stdout, stderr, out: lines(stdout), err: lines(stderr) }));
  return { stdout: () => stdout, stderr: () => stderr, interrupt: () => controller.abort(), done };
}

/** Runs `rexsys-rx <argv>` in-process to its end. */
export function runCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return startCli(argv, env).done;
}

/** A token as the emulator issues them (48 hex digits), or any long hex run. */
export const TOKEN_LIKE = /[0-9a-f]{32,}/i;

/** Asserts the run failed with `code` and exactly one `rexsys-rx: …` line on stderr, no stack. */
export function expectOneLineError(run: CliRun, code: number, pattern?: RegExp): void {
  expect({ code: run.code, err: run.err, stdout: run.stdout }).toMatchObject({ code, stdout: '' });
  expect(run.err).toHaveLength(1);
  expect(run.err[0]).toMatch(/^rexsys-rx: \S/);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  if (pattern) expect(run.err[0]).toMatch(pattern);
}
