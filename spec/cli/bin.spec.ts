/**
 * The one test that runs the real process (`npx tsx lib/cli/bin.ts`): the bin wires
 * argv, stdout and the exit code, and the process exits by itself once the command is
 * done (no socket or timer left behind).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';

const ROOT = join(__dirname, '..', '..');

let emulator: RexsysEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());

function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The developer's REXSYS_* variables must not leak into the run.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REXSYS_')));
    const child = spawn('npx', ['tsx', 'lib/cli/bin.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bin did not exit within 20 s; stdout: ${stdout} stderr: ${stderr}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

it('the bin sends over the socket, prints the receipt and exits 0 by itself', async () => {
  const display = createRexsysClient({ url: emulator.url, project: 'demo', productkey: 'DISPLAY-KEY', gracePeriod: 0 });
  try {
    const got = firstValueFrom(display.command$('show'));
    await firstValueFrom(display.state$.pipe(filter((s) => s.status === 'ready')));
    const run = await runBin([
      'send',
      '--url',
      emulator.url,
      '--project',
      'demo',
      '--productkey',
      'KIOSK-KEY',
      '--to',
      'display-01',
      '--command',
      'show',
      '--data',
      '{"from":"bin"}',
      '--via',
      'socket',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ via: 'socket', receiver: 'display-01', command: 'show', acked: true });
    expect(await got).toMatchObject({ sender: 'kiosk-01', data: { from: 'bin' } });
    expect(emulator.delivered()).toEqual([expect.objectContaining({ via: 'socket', sender: 'kiosk-01', command: 'show' })]);
  } finally {
    display.close();
  }
}, 30_000);
