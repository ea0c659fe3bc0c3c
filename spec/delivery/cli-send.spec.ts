/**
 * `rexsys-rx send --delivery confirmed` against a real emulator: the receipt waits for
 * the receiving client's confirmation; no confirmation within --ttl is exit 1 with
 * E_UNCONFIRMED's message.
 */
import { filter, firstValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import type { RexsysClient, RexsysMessage } from '../../lib/index';
import { TOKEN_LIKE, expectOneLineError, runCli } from '../cli/helpers';

let emulator: RexsysEmulator;
const clients: RexsysClient[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
});
afterAll(async () => {
  await emulator.close();
});

const as = (productkey: string) => ['--url', emulator.url, '--project', 'demo', '--productkey', productkey];

describe('rexsys-rx send --delivery confirmed', () => {
  it('prints the receipt once the receiving client confirmed it: delivered true, the id it received', async () => {
    const display = createRexsysClient({ url: emulator.url, project: 'demo', productkey: 'DISPLAY-KEY', gracePeriod: 0 });
    clients.push(display);
    const got: RexsysMessage[] = [];
    display.command$('door').subscribe((m) => got.push(m));
    await firstValueFrom(display.state$.pipe(filter((s) => s.status === 'ready')));
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'door', '--data', '{"open":true}', '--delivery', 'confirmed']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(TOKEN_LIKE);
    const receipt = JSON.parse(run.out[0]) as Record<string, unknown>;
    expect(receipt).toMatchObject({ receiver: 'display-01', command: 'door', delivered: true });
    expect(got).toEqual([expect.objectContaining({ command: 'door', data: { open: true }, sender: 'kiosk-01', id: receipt.id })]);
  });

  it('no confirmation within --ttl: exit 1, one line saying the receiver did not confirm it', async () => {
    const started = Date.now();
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'nobody-01', '--command', 'door', '--delivery', 'confirmed', '--ttl', '800']);
    expectOneLineError(run, 1, /not confirmed by the receiving client within 800 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses an unknown --delivery', async () => {
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'door', '--delivery', 'maybe']);
    expectOneLineError(run, 2, /--delivery must be one of server, confirmed/);
  });
});
