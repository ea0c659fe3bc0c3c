/**
 * `npm run demo` (= `tsx scripts/demo.ts`) as a newcomer runs it: it must finish on its
 * own with exit 0 and tell the story: ready, both transports, the drop and re-login.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

it('scripts/demo.ts runs to the end, exits 0 and shows states, both transports and the re-login', async () => {
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn('npx', ['tsx', 'scripts/demo.ts'], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not exit within 28 s; output so far:\n${stdout}\n${stderr}`));
    }, 28_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  const out = run.stdout;
  for (const who of ['kiosk', 'display']) {
    expect(out).toMatch(new RegExp(`${who}\\s+state: connecting`));
    expect(out).toMatch(new RegExp(`${who}\\s+state: authenticating`));
    expect(out).toMatch(new RegExp(`${who}\\s+state: ready\\s+\\(logged in as ${who === 'kiosk' ? 'kiosk-01' : 'display-01'}`));
  }
  expect(out).toMatch(/kiosk\s+sent "show" via socket/);
  expect(out).toMatch(/kiosk\s+sent "show" via rest/);
  expect(out).toMatch(/display\s+sent "touched" via socket/);
  expect(out).toMatch(/display\s+sent "touched" via rest/);
  expect(out).toMatch(/display\s+received "show" from kiosk-01: url \/welcome/);
  expect(out).toMatch(/kiosk\s+received "touched" from display-01: \{"button":"시작"\}/);
  expect(out).toMatch(/errors\$: RexsysDecodeError E_DECODE/);
  expect(out).toMatch(/display\s+state: reconnecting/);
  expect(out).toMatch(/re-login done by itself/);
  expect(out).toMatch(/kiosk\s+received "touched" from display-01: \{"button":"queued while offline"\}/);
  expect(out).toMatch(/display\s+received "show" from kiosk-01: url \/back-online/);
  // Confirmed delivery survives the outage that loses the plain send.
  expect(out).toMatch(/display\s+received "show" from kiosk-01: url \/confirmed/);
  expect(out).not.toMatch(/received "show" from kiosk-01: url \/plain-lost/);
  expect(out).toMatch(/kiosk\s+confirmed: delivered true/);
  expect(out).toMatch(/everything closed/);
  // Relative timestamps on every log line, and never a token.
  expect(out).toMatch(/^\s*\d+\.\d\ds {2}emulator listening on http:\/\/127\.0\.0\.1:\d+$/m);
  expect(out).not.toMatch(/[0-9a-f]{32,}/i);
}, 30_000);
