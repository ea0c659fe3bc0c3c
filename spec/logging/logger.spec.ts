import type { ClientEvent } from '../../lib/client/events';
import { RexsysAuthError, RexsysTransportError } from '../../lib/errors';
import { createLogger, describeEvent, levelOf, type LogEntry } from '../../lib/logging/logger';
import { registerSecret } from '../../lib/security/secrets';

const lost = new RexsysTransportError('E_NETWORK', 'gone', { reason: 'transport close' });
const EVENTS: ClientEvent[] = [
  { type: 'connecting', attempt: 0 },
  { type: 'connecting', attempt: 2 },
  { type: 'certified', uid: 'kiosk-01', skewed: true },
  { type: 'connected', namespace: '/io/demo/client' },
  { type: 'hello', sid: 's1' },
  { type: 'loginSent', uid: 'kiosk-01', sid: 's1' },
  { type: 'loginOk', uid: 'kiosk-01', sid: 's1' },
  { type: 'loginRefused', error: new RexsysAuthError('E_LOGIN_REFUSED', 'no', { final: true }) },
  { type: 'disconnected', reason: 'heartbeat', error: lost },
  { type: 'retryScheduled', attempt: 1, delay: 500, reason: 'transport close', error: lost },
  { type: 'gaveUp', reason: 'login refused', error: lost },
  { type: 'reconnectRequested' },
  { type: 'stopped' },
  { type: 'closed' },
  { type: 'messageReceived', command: 'show' },
  { type: 'decodeFailed', source: 'show', error: lost },
  { type: 'sendQueued', receiver: 'd', command: 'show' },
  { type: 'sendEmitted', receiver: 'd', command: 'show' },
  { type: 'sendAcked', via: 'socket', receiver: 'd', command: 'show', acked: true },
  { type: 'sendFailed', via: 'rest', receiver: 'd', command: 'show', error: lost },
  { type: 'heartbeat', rtt: 12 },
];

describe('logger', () => {
  it('describes every event in one line, with a level: traffic debug, lifecycle info, trouble warn, giving up error', () => {
    for (const e of EVENTS) {
      expect(describeEvent(e)).toMatch(/^[^\n]+$/);
    }
    expect(EVENTS.map(levelOf)).toEqual([
      'info',
      'info',
      'info',
      'info',
      'debug',
      'info',
      'info',
      'error',
      'warn',
      'warn',
      'error',
      'info',
      'info',
      'info',
      'debug',
      'warn',
      'debug',
      'debug',
      'debug',
      'warn',
      'debug',
    ]);
    expect(describeEvent({ type: 'retryScheduled', attempt: 1, delay: 500, reason: 'transport close', error: lost })).toBe(
      'retry 1 in 500 ms (transport close): gone',
    );
  });

  it('is off by default; true / "console" log info and above to the console', () => {
    expect(createLogger(undefined)).toBeUndefined();
    expect(createLogger(false)).toBeUndefined();
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    const debug = jest.spyOn(console, 'debug').mockImplementation(() => undefined);
    try {
      const log = createLogger('console')!;
      log({ type: 'loginOk', uid: 'kiosk-01', sid: 's1' });
      log({ type: 'messageReceived', command: 'show' });
      expect(info).toHaveBeenCalledWith('rexsys-rx info: logged in as "kiosk-01" (sid s1)');
      expect(debug).not.toHaveBeenCalled();
      expect(createLogger(true)).toBeInstanceOf(Function);
    } finally {
      info.mockRestore();
      debug.mockRestore();
    }
  });

  it('makes lines only at or above its level, scrubs held secrets at the source, and survives a throwing sink', () => {
    registerSecret('SECRET-TOKEN-123');
    const got: LogEntry[] = [];
    const log = createLogger({ level: 'warn', sink: (e) => got.push(e) })!;
    for (const e of EVENTS) log(e);
    expect(got.map((e) => e.level)).toEqual(['error', 'warn', 'warn', 'error', 'warn', 'warn']);
    log({ type: 'disconnected', reason: 'io server disconnect', error: new RexsysTransportError('E_NETWORK', 'bye SECRET-TOKEN-123') });
    expect(got[got.length - 1].message).toBe('connection lost (io server disconnect): bye [redacted]');
    const throwing = createLogger({
      sink: () => {
        throw new Error('sink down');
      },
    })!;
    expect(() => throwing({ type: 'closed' })).not.toThrow();
  });

  it('refuses a level or sink that cannot work', () => {
    expect(() => createLogger({ level: 'loud' as never })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => createLogger({ sink: 'console' as never })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});
