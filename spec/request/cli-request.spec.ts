/**
 * `rexsys-rx request` against a real emulator: prints the reply as JSON; E_REMOTE,
 * E_TIMEOUT and E_UNCONFIRMED are exit 1 with one line.
 */
import { filter, firstValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import type { RexsysClient } from '../../lib/index';
import { TOKEN_LIKE, expectOneLineError, runCli } from '../cli/helpers';

let emulator: RexsysEmulator;
let display: RexsysClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  display = createRexsysClient({ url: emulator.url, project: 'demo', productkey: 'DISPLAY-KEY', gracePeriod: 0 });
  display.reply('showing', (m) => ({ url: '/menu', asked: m.data })).subscribe();
  display
    .reply('paper', () => {
      throw new Error('tray 1 is empty');
    })
    .subscribe();
  display.reply('slow', () => new Promise((resolve) => setTimeout(() => resolve('late'), 2500))).subscribe();
  await firstValueFrom(display.state$.pipe(filter((s) => s.status === 'ready')));
});
afterAll(async () => {
  display.close();
  await emulator.close();
});

const as = (productkey: string) => ['--url', emulator.url, '--project', 'demo', '--productkey', productkey];

describe('rexsys-rx request', () => {
  it('prints the reply as one JSON line', async () => {
    const run = await runCli(['request', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'showing', '--data', '{"what":"screen"}']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(TOKEN_LIKE);
    expect(run.out).toHaveLength(1);
    expect(JSON.parse(run.out[0])).toEqual({ url: '/menu', asked: { what: 'screen' } });
  });

  it('a failing handler: exit 1, one line with E_REMOTE and its message', async () => {
    const run = await runCli(['request', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'paper']);
    expectOneLineError(run, 1, /request "paper" to "display-01" failed \(E_REMOTE\): .*tray 1 is empty/);
  });

  it('no reply within --timeout: exit 1, E_TIMEOUT; an absent receiver: E_UNCONFIRMED', async () => {
    const slow = await runCli(['request', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'slow', '--timeout', '1500']);
    expectOneLineError(slow, 1, /\(E_TIMEOUT\): .*did not reply within 1500 ms/);
    const absent = await runCli(['request', ...as('KIOSK-KEY'), '--to', 'nobody-01', '--command', 'showing', '--timeout', '3000', '--ttl', '500']);
    expectOneLineError(absent, 1, /\(E_UNCONFIRMED\)/);
  });

  it('refuses a command line without --to', async () => {
    const run = await runCli(['request', ...as('KIOSK-KEY'), '--command', 'showing']);
    expectOneLineError(run, 2, /missing --to/);
  });
});
