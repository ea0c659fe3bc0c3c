/**
 * `npm run demo`: a guided tour of rexsys-rx in a few seconds.
 *
 * A local Rexsys emulator, two clients (a kiosk and a display) made with
 * createRexsysClient, their connection states, messages each way over the socket and
 * over REST (typed with an io-ts codec on the display's side), a message that fails
 * its codec, and a network drop between the display and the server, with the
 * automatic re-login and messages delivered after it. No token is ever printed.
 */
import * as t from 'io-ts';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { startEmulator, startTcpProxy, type RexsysEmulator, type TcpProxy } from '../lib/emulator/index.js';
import { createRexsysClient, type ConnectionState, type ConnectionStatus, type RexsysClient, type RexsysClientOptions } from '../lib/index.js';

const HARD_CAP_MS = 20_000;
const started = performance.now();

/** One log line: seconds since start, who, what. */
function log(who: string, text: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(2).padStart(5);
  process.stdout.write(`${seconds}s  ${who.padEnd(8)} ${text}\n`);
}
const step = (title: string) => process.stdout.write(`\n── ${title}\n`);

/** What each state means, for a newcomer. */
function explain(state: ConnectionState): string {
  switch (state.status) {
    case 'connecting':
      return 'connecting      (certify the productkey over REST, then open the socket)';
    case 'authenticating':
      return `authenticating  (socket open, hello received, login sent as ${state.uid ?? '?'})`;
    case 'ready':
      return `ready           (logged in as ${state.uid ?? '?'}, socket id ${state.sid ?? '?'})`;
    case 'reconnecting':
      return `reconnecting    (retry ${state.attempt}: ${state.lastError?.message ?? 'unknown reason'})`;
    case 'closed':
      return 'closed          (close() was called: every stream ended)';
    default:
      return `${state.status}${state.lastError ? ` (${state.lastError.message})` : ''}`;
  }
}

/** Resolves with the next state of `status` (rejects after `ms`). */
function reach(client: RexsysClient, status: ConnectionStatus, ms = 8000): Promise<ConnectionState> {
  return firstValueFrom(
    client.state$.pipe(
      filter((s) => s.status === status),
      timeout(ms),
    ),
  );
}

/** Resolves when `check()` holds (rejects after `ms`). */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The display's commands, typed by io-ts: `command$('show')` emits `data` as `Show`. */
const Show = t.type({ url: t.string, seconds: t.number }, 'Show');
const commands = { show: Show };

async function demo(): Promise<void> {
  let emulator: RexsysEmulator | undefined;
  let proxy: TcpProxy | undefined;
  const clients: RexsysClient[] = [];
  try {
    process.stdout.write('rexsys-rx demo: a kiosk and a display talk through a local Rexsys emulator.\n');
    step('1. A server and two clients');
    emulator = await startEmulator({ port: 0 });
    log('emulator', `listening on ${emulator.url}`);
    log('emulator', 'project "demo": productkey KIOSK-KEY is kiosk-01, DISPLAY-KEY is display-01');
    proxy = await startTcpProxy(emulator.port);
    log('network', `the display goes through a TCP proxy (${proxy.url}) so we can cut its cable later`);

    // Short, fixed reconnect delays keep the demo quick (the defaults are 500 ms doubling up to 30 s, with jitter).
    const common: Pick<RexsysClientOptions, 'project' | 'socket' | 'backoff'> = {
      project: 'demo',
      socket: { transports: ['websocket'] },
      backoff: { initialDelay: 600, jitter: 0 },
    };
    // Confirmed sends (step 5) retransmit after 500 ms, then probe every second at most (defaults: 1 s, up to 8 s).
    const kiosk = createRexsysClient({ ...common, url: emulator.url, productkey: 'KIOSK-KEY', confirmation: { retransmitAfter: 500, maxProbeInterval: 1000 } });
    const display = createRexsysClient({ ...common, url: proxy.url, productkey: 'DISPLAY-KEY', commands });
    clients.push(kiosk, display);
    log('demo', 'two clients made with createRexsysClient({ url, project, productkey })');
    log('demo', 'nothing opens until something subscribes; subscribing to state$ does');

    // Subscribing to state$ opens the socket (lazily, once per client) and logs every change.
    kiosk.state$.subscribe((s) => log('kiosk', `state: ${explain(s)}`));
    display.state$.subscribe((s) => log('display', `state: ${explain(s)}`));
    // The kiosk takes every message as it comes; the display decodes "show" with its io-ts codec.
    kiosk.messages$.subscribe((m) => log('kiosk', `received "${m.command}" from ${m.sender}: ${JSON.stringify(m.data)}`));
    display
      .command$('show')
      .subscribe(({ data, sender }) => log('display', `received "show" from ${sender}: url ${data.url}, ${data.seconds} s (typed by io-ts)`));
    display.errors$.subscribe((e) => log('display', `errors$: ${e.name} ${e.code}: ${e.message}`));
    await Promise.all([reach(kiosk, 'ready'), reach(display, 'ready')]);
    log('demo', 'the server greets each socket with an event named "connect"; a plain socket.io-client');
    log('demo', 'drops the connection on it (the "connect trap"); rexsys-rx renames it and logs in');

    step('2. Messages each way, over the socket and over REST');
    let receipt = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/welcome', seconds: 5 } }, { via: 'socket' }));
    log('kiosk', `sent "show" via ${receipt.via}: the server acked it (acked: ${String(receipt.acked)})`);
    receipt = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/menu', seconds: 10 } }, { via: 'rest' }));
    log('kiosk', `sent "show" via ${receipt.via}: POST /api/ide/io/send answered ${JSON.stringify(receipt.result)}`);
    receipt = await firstValueFrom(display.send({ receiver: 'kiosk-01', command: 'touched', data: { button: 'start' } }, { via: 'socket' }));
    log('display', `sent "touched" via ${receipt.via} (acked: ${String(receipt.acked)})`);
    receipt = await firstValueFrom(display.send({ receiver: 'kiosk-01', command: 'touched', data: { button: '시작' } }, { via: 'rest' }));
    log('display', `sent "touched" via ${receipt.via} (REST data travels as a JSON string; the receiver parses it back)`);
    await until(() => emulator!.delivered().length >= 4, 'four deliveries');

    step('3. A message that does not fit the codec');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: 42 } }, { via: 'socket' }));
    log('kiosk', 'sent "show" with url: 42 (a bug on the sender side)');
    await until(() => emulator!.delivered().length >= 5, 'the bad message');
    await new Promise((r) => setTimeout(r, 50));
    log('display', 'command$("show") skipped it and goes on; errors$ got the raw payload and the report');

    step('4. A network drop');
    const before = display.state.sid;
    log('network', "cut: the proxy destroys the display's TCP connection, as a pulled cable would");
    const reconnecting = reach(display, 'reconnecting');
    proxy.cut();
    await reconnecting;
    await until(() => !emulator!.sessions().some((s) => s.uid === 'display-01'), 'the server to notice the drop');
    const droppedBefore = emulator.dropped().length;
    receipt = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/lost', seconds: 1 } }, { via: 'socket' }));
    log('kiosk', `sent "show" while the display is offline: acked: ${String(receipt.acked)}`);
    const dropped = emulator
      .dropped()
      .slice(droppedBefore)
      .find((m) => m.receiver === 'display-01');
    if (dropped) {
      log('emulator', `...and dropped it (${dropped.reason}): Rexsys stores nothing for offline clients`);
      log('demo', 'so a receipt means "the server took it", not "the receiver got it"');
    } else {
      log('emulator', '...and delivered it: the display was back already (this machine is slow today)');
    }
    const relogin = reach(display, 'ready');
    const queued = firstValueFrom(display.send({ receiver: 'kiosk-01', command: 'touched', data: { button: 'queued while offline' } }, { via: 'socket' }));
    log('display', 'sends "touched" via socket while offline: it waits in the outbox until the next login');
    const again = await relogin;
    log('display', `re-login done by itself (socket id ${before ?? '?'} -> ${again.sid ?? '?'})`);
    receipt = await queued;
    log('display', `the queued "touched" went out after the re-login (acked: ${String(receipt.acked)})`);
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/back-online', seconds: 3 } }, { via: 'socket' }));
    await until(
      () => emulator!.delivered().some((m) => m.command === 'show' && (m.data as { url?: unknown }).url === '/back-online'),
      'delivery after re-login',
    );
    await new Promise((r) => setTimeout(r, 50));
    log('demo', 'delivered after the re-login; the app code did nothing to reconnect');

    step('5. Confirmed delivery: a message that survives an outage');
    log('network', "the display's cable is pulled for 2 s (the proxy refuses it meanwhile)");
    const offline = reach(display, 'reconnecting');
    proxy.setBlocked(true);
    proxy.cut();
    await offline;
    await until(() => !emulator!.sessions().some((s) => s.uid === 'display-01'), 'the server to notice the drop');
    receipt = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/plain-lost', seconds: 1 } }, { via: 'socket' }));
    log('kiosk', `plain send of /plain-lost: acked by the server (acked: ${String(receipt.acked)}), and gone: the display is offline`);
    const t0 = performance.now();
    const confirmed = firstValueFrom(
      kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/confirmed', seconds: 3 } }, { delivery: 'confirmed', ttl: 15_000 }),
    );
    log('kiosk', "confirmed send of /confirmed ({ delivery: 'confirmed', ttl: 15000 }): waiting for the DISPLAY to confirm it");
    await new Promise((r) => setTimeout(r, 2000));
    proxy.setBlocked(false);
    log('network', 'cable back; the display logs in again by itself');
    receipt = await confirmed;
    log(
      'kiosk',
      `confirmed: delivered ${String(receipt.delivered)} after ${((performance.now() - t0) / 1000).toFixed(1)} s (retransmitted while the display was away; it got it once)`,
    );
    await new Promise((r) => setTimeout(r, 50));
    log('demo', '/plain-lost never showed; /confirmed did, once. See "Delivery guarantees" in docs/guide.md');

    step('6. Closing');
  } finally {
    for (const client of clients) client.close();
    await proxy?.close();
    await emulator?.close();
  }
  log('demo', `everything closed: sockets, proxy and emulator. Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

const cap = setTimeout(() => {
  process.stderr.write(`demo: not done within ${HARD_CAP_MS / 1000} s, giving up\n`);
  process.exit(1);
}, HARD_CAP_MS);
cap.unref();

demo().then(
  () => {
    process.exitCode = 0;
  },
  (e: unknown) => {
    process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
