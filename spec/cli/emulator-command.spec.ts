/**
 * `rexsys-rx emulator` in-process: it listens, prints its URL and productkeys, serves
 * the other commands, and closes cleanly when interrupted (the AbortSignal stands in
 * for SIGINT/SIGTERM).
 */
import * as net from 'node:net';
import { startEmulator } from '../../lib/emulator/index';
import { expectOneLineError, runCli, startCli, type RunningCli } from './helpers';
import { waitFor } from '../support/wait';

/** {@link waitFor} with this suite's argument order. */
const until = (check: () => boolean, what: string, ms = 8000): Promise<void> => waitFor(check, { timeout: ms, message: what });

/** Starts the emulator command and resolves with its URL once it listens. */
async function startEmulatorCommand(argv: string[], env: Record<string, string> = {}): Promise<{ cli: RunningCli; url: string }> {
  const cli = startCli(['emulator', ...argv], env);
  let url: string | undefined;
  await until(() => {
    const match = /listening on (http:\/\/\S+)|"url":"(http:\/\/[^"]+)"/.exec(cli.stdout());
    url = match?.[1] ?? match?.[2];
    return url !== undefined;
  }, 'the emulator to listen');
  return { cli, url: url as string };
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('rexsys-rx emulator', () => {
  it('prints its URL and productkeys, serves certify, logs to stderr and closes on interrupt', async () => {
    const { cli, url } = await startEmulatorCommand(['--port', '0']);
    expect(cli.stdout()).toContain('project demo');
    expect(cli.stdout()).toMatch(/productkey KIOSK-KEY\s+->\s+client kiosk-01/);
    expect(cli.stdout()).toMatch(/productkey DISPLAY-KEY\s+->\s+client display-01/);
    expect(cli.stdout()).toContain(`export REXSYS_URL=${url} REXSYS_PROJECT=demo`);

    const certified = await runCli(['certify', '--url', url, '--project', 'demo', '--productkey', 'KIOSK-KEY']);
    expect(certified.code).toBe(0);
    expect(cli.stderr()).toContain('emulator: certify demo: issued a token to kiosk-01');

    cli.interrupt();
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.err.slice(-2)).toEqual(['emulator: stopping (abort)', 'emulator: Rexsys emulator closed']);
    expect(run.stdout + run.stderr).not.toMatch(/[0-9a-f]{32,}/);
    expect(await refused(Number(new URL(url).port))).toBe(true);
  });

  it('--json --quiet prints one JSON line and nothing on stderr; --project/--productkey/--uid add a key', async () => {
    const { cli, url } = await startEmulatorCommand(['--port', '0', '--json', '--quiet', '--project', 'acme', '--productkey', 'ACME-KEY', '--uid', 'lobby-01']);
    const printed = JSON.parse(cli.stdout().trim()) as { url: string; port: number; projects: unknown };
    expect(printed).toEqual({
      url,
      port: Number(new URL(url).port),
      projects: { demo: { 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01' }, acme: { 'ACME-KEY': 'lobby-01' } },
    });
    const certified = await runCli(['certify', '--url', url, '--project', 'acme', '--productkey', 'ACME-KEY']);
    expect(JSON.parse(certified.out[0])).toMatchObject({ uid: 'lobby-01', project: 'acme' });
    cli.interrupt();
    const run = await cli.done;
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });

  it('reads REXSYS_URL, REXSYS_PROJECT and REXSYS_PRODUCTKEY, so one environment serves both sides', async () => {
    const env = { REXSYS_URL: 'http://127.0.0.1:0', REXSYS_PROJECT: 'acme', REXSYS_PRODUCTKEY: 'ACME-KEY' };
    const { cli, url } = await startEmulatorCommand(['--quiet'], env);
    expect(cli.stdout()).toMatch(/productkey ACME-KEY\s+->\s+client client-01/);
    const certified = await runCli(['certify'], { ...env, REXSYS_URL: url });
    expect(JSON.parse(certified.out[0])).toMatchObject({ uid: 'client-01', project: 'acme' });
    cli.interrupt();
    expect((await cli.done).code).toBe(0);
  });

  it('a port in use is exit 1 with one line', async () => {
    const other = await startEmulator({ port: 0 });
    try {
      const run = await runCli(['emulator', '--port', String(other.port), '--quiet']);
      expectOneLineError(run, 1, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${other.port}: the port is in use`));
    } finally {
      await other.close();
    }
  });

  it('a project name the emulator cannot serve is a usage error', async () => {
    expectOneLineError(await runCli(['emulator', '--port', '0', '--project', 'a/b', '--productkey', 'K']), 2, /project name "a\/b"/);
  });
});
