/**
 * Type tests of the error classes and of `any`-freedom at the public surface. Checked
 * by `tsc -p tsconfig.json`; the runtime assertions double-check the codes.
 */
import { expectTypeOf } from 'expect-type';
import type { Observable } from 'rxjs';
import {
  RexsysArgumentError,
  RexsysAuthError,
  RexsysClosedError,
  RexsysDecodeError,
  RexsysEncodingError,
  RexsysError,
  RexsysSendError,
  RexsysTimeoutError,
  RexsysTransportError,
  certify,
  createRexsysClient,
  decodeData,
  encodeData,
  isRexsysError,
  type ConnectionState,
  type DecodeIssue,
  type RexsysClientOptions,
  type RexsysCredentials,
  type RexsysErrorCode,
  type SendReceipt,
} from '../../lib/index';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';

describe('error classes', () => {
  it('extend RexsysError, with a literal name and a code from RexsysErrorCode', () => {
    expectTypeOf<RexsysErrorCode>().toEqualTypeOf<
      | 'E_ENCODE_DATA'
      | 'E_ENCODE'
      | 'E_DECODE'
      | 'E_CERTIFY_REFUSED'
      | 'E_LOGIN_REFUSED'
      | 'E_HTTP'
      | 'E_NETWORK'
      | 'E_TIMEOUT'
      | 'E_OUTBOX_FULL'
      | 'E_OUTCOME_UNKNOWN'
      | 'E_SEND_REFUSED'
      | 'E_CLOSED'
      | 'E_UNCONFIRMED'
      | 'E_EXPIRED'
      | 'E_REMOTE'
      | 'E_STORE'
      | 'E_STORE_LOCKED'
      | 'E_INVALID_ARGUMENT'
      | 'E_CLOCK_SKEW'
      | 'E_INTERNAL'
    >();
    expectTypeOf<RexsysError>().toMatchTypeOf<Error>();
    expectTypeOf<RexsysError['code']>().toEqualTypeOf<RexsysErrorCode>();

    for (const Sub of [
      RexsysArgumentError,
      RexsysAuthError,
      RexsysClosedError,
      RexsysDecodeError,
      RexsysEncodingError,
      RexsysSendError,
      RexsysTimeoutError,
      RexsysTransportError,
    ]) {
      expectTypeOf(Sub.prototype).toMatchTypeOf<RexsysError>();
    }
    expectTypeOf<RexsysAuthError['name']>().toEqualTypeOf<'RexsysAuthError'>();
    expectTypeOf<RexsysClosedError['name']>().toEqualTypeOf<'RexsysClosedError'>();
    expectTypeOf<RexsysTransportError['status']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RexsysTransportError['retryable']>().toBeBoolean();
    expectTypeOf<RexsysDecodeError['issues']>().toEqualTypeOf<readonly DecodeIssue[]>();
    expectTypeOf<RexsysTimeoutError['timeoutMs']>().toBeNumber();
    expectTypeOf<RexsysSendError['receiver']>().toBeString();

    // The constructors only accept their own codes.
    expectTypeOf<ConstructorParameters<typeof RexsysAuthError>[0]>().toEqualTypeOf<'E_CERTIFY_REFUSED' | 'E_LOGIN_REFUSED'>();
    expectTypeOf<ConstructorParameters<typeof RexsysTransportError>[0]>().toEqualTypeOf<'E_HTTP' | 'E_NETWORK'>();
    expectTypeOf<ConstructorParameters<typeof RexsysSendError>[0]>().toEqualTypeOf<
      'E_OUTBOX_FULL' | 'E_OUTCOME_UNKNOWN' | 'E_SEND_REFUSED' | 'E_UNCONFIRMED' | 'E_EXPIRED' | 'E_REMOTE'
    >();
    // @ts-expect-error not a transport code
    new RexsysTransportError('E_CLOSED', 'x');

    // isRexsysError narrows unknown.
    const e: unknown = new RexsysClosedError();
    if (isRexsysError(e, 'E_CLOSED')) expectTypeOf(e).toEqualTypeOf<RexsysError>();

    // And at run time each class carries its code and name.
    const cases: Array<[RexsysError, RexsysErrorCode, string]> = [
      [new RexsysArgumentError('x'), 'E_INVALID_ARGUMENT', 'RexsysArgumentError'],
      [new RexsysAuthError('E_LOGIN_REFUSED', 'x'), 'E_LOGIN_REFUSED', 'RexsysAuthError'],
      [new RexsysClosedError(), 'E_CLOSED', 'RexsysClosedError'],
      [new RexsysDecodeError('x', { issues: [], raw: null }), 'E_DECODE', 'RexsysDecodeError'],
      [new RexsysEncodingError('x', { input: '!' }), 'E_ENCODE_DATA', 'RexsysEncodingError'],
      [new RexsysSendError('E_OUTBOX_FULL', 'x', { receiver: 'r', command: 'c' }), 'E_OUTBOX_FULL', 'RexsysSendError'],
      [new RexsysTimeoutError('x', { timeoutMs: 1 }), 'E_TIMEOUT', 'RexsysTimeoutError'],
      [new RexsysTransportError('E_HTTP', 'x', { status: 500 }), 'E_HTTP', 'RexsysTransportError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(RexsysError);
      expect(error).toBeInstanceOf(Error);
      expect([error.code, error.name]).toEqual([code, name]);
    }
  });
});

describe('no any in the public surface', () => {
  it('type-checks', () => {
    // Never called: only its types matter.
    const checks = (): void => {
      expectTypeOf(createRexsysClient).returns.not.toBeAny();
      expectTypeOf<RexsysClientOptions>().not.toBeAny();
      expectTypeOf<RexsysClientOptions['commands']>().not.toBeAny();
      expectTypeOf<RexsysClientOptions['socket']>().not.toBeAny();
      expectTypeOf<ConnectionState['lastError']>().not.toBeAny();
      expectTypeOf<SendReceipt>().not.toBeAny();
      expectTypeOf(certify).returns.toEqualTypeOf<Observable<RexsysCredentials>>();
      expectTypeOf<RexsysCredentials['uid']>().toBeString();
      expectTypeOf(encodeData).parameter(0).toBeUnknown();
      expectTypeOf(encodeData).returns.toBeString();
      expectTypeOf(decodeData).returns.not.toBeAny();
      expectTypeOf(decodeData).returns.toBeUnknown();
      expectTypeOf(startEmulator).returns.toEqualTypeOf<Promise<RexsysEmulator>>();
      expectTypeOf<ReturnType<RexsysEmulator['delivered']>[number]['data']>().toBeUnknown();
      expectTypeOf<Parameters<RexsysEmulator['inject']>[1]>().not.toBeAny();
    };
    expect(typeof checks).toBe('function');
  });
});
