import fc from 'fast-check';
import { Decoder, Encoder, PacketType, protocol, type Packet } from 'socket.io-parser';
import { HELLO_EVENT, HelloDecoder, helloParser, renameHello } from '../../lib/protocol/hello-parser.js';

const HELLO = JSON.stringify(HELLO_EVENT);

describe('renameHello', () => {
  it('uses the name rexsys:hello', () => {
    expect(HELLO_EVENT).toBe('rexsys:hello');
  });

  it.each([
    ['the default namespace', '2["connect",{"sid":"x"}]', `2[${HELLO},{"sid":"x"}]`],
    ['a namespace', '2/io/acme/client,["connect",{"sid":"x"}]', `2/io/acme/client,[${HELLO},{"sid":"x"}]`],
    ['a namespace and an ack id', '2/io/acme/client,12["connect",{"sid":"x"}]', `2/io/acme/client,12[${HELLO},{"sid":"x"}]`],
    ['an ack id, default namespace', '27["connect",{"sid":"x"}]', `27[${HELLO},{"sid":"x"}]`],
    ['whitespace after [', '2/io/acme/client,[ \n\t"connect", {"sid":"x"}]', `2/io/acme/client,[ \n\t${HELLO}, {"sid":"x"}]`],
    ['no data', '2/io/acme/client,["connect"]', `2/io/acme/client,[${HELLO}]`],
    ['data that also says connect', '2["connect",{"sid":"connect"}]', `2[${HELLO},{"sid":"connect"}]`],
  ])('renames the connect event: %s', (_what, packet, renamed) => {
    expect(renameHello(packet)).toBe(renamed);
  });

  it.each([
    ['another event', '2/io/acme/client,["touid",{"command":"show","data":{}}]'],
    ['an event whose data contains "connect"', '2/io/acme/client,["touid",{"command":"connect","data":"connect"}]'],
    ['an event whose second argument is "connect"', '2["touid","connect"]'],
    ['an event named connected', '2["connected",{"sid":"x"}]'],
    ['an event named connect_later', '2/nsp,["connect_later"]'],
    ['a namespace named connect', '2/connect,["touid",{}]'],
    ['a namespace with "connect" in it', '2/"connect",["touid",{}]'],
    ['a CONNECT packet', '0/io/acme/client,{"sid":"x"}'],
    ['a CONNECT packet with "connect" in it', '0/io/acme/client,{"sid":"connect"}'],
    ['a CONNECT_ERROR packet', '4/io/acme/client,{"message":"connect"}'],
    ['a DISCONNECT packet', '1/io/acme/client,'],
    ['a binary event', '51-/nsp,["connect",{"_placeholder":true,"num":0}]'],
    ['an ack', '3/io/acme/client,12["connect"]'],
    ['a binary ack', '61-/nsp,12["connect",{"_placeholder":true,"num":0}]'],
    ['a namespace without a comma', '2/io/acme/client'],
    ['an empty string', ''],
  ])('leaves %s untouched', (_what, packet) => {
    expect(renameHello(packet)).toBe(packet);
  });

  it('property: renames exactly the EVENT packets whose event name is connect', () => {
    const nsp = fc.constantFrom('/', '/io/acme/client', '/io/프로젝트/user', '/connect');
    const name = fc.oneof(fc.constantFrom('connect', 'touid', 'login', 'connected', 'connect '), fc.string({ maxLength: 10 }));
    const ackId = fc.option(fc.nat({ max: 9999 }), { nil: undefined });
    fc.assert(
      fc.property(nsp, name, ackId, fc.jsonValue({ maxDepth: 2 }), (ns, event, id, data) => {
        const packet = `2${ns === '/' ? '' : `${ns},`}${id ?? ''}${JSON.stringify([event, data])}`;
        const out = renameHello(packet);
        if (event === 'connect') {
          expect(out).toBe(packet.replace('"connect"', HELLO));
        } else {
          expect(out).toBe(packet);
        }
      }),
    );
  });
});

/** Every packet a decoder emits for `input`, or the error it threw. */
function decodeAll(decoder: Decoder, ...input: Array<string | Buffer>): { packets: Packet[]; error?: Error } {
  const packets: Packet[] = [];
  decoder.on('decoded', (p: Packet) => packets.push(p));
  try {
    for (const chunk of input) decoder.add(chunk);
  } catch (e) {
    return { packets, error: e as Error };
  } finally {
    decoder.destroy();
  }
  return { packets };
}

describe('HelloDecoder', () => {
  const hello = '2/io/acme/client,["connect",{"sid":"AbC123"}]';

  it('the stock Decoder throws "invalid payload" on the hello (the trap)', () => {
    const { packets, error } = decodeAll(new Decoder(), hello);
    expect(error?.message).toBe('invalid payload');
    expect(packets).toEqual([]);
  });

  it('decodes the hello as an EVENT named rexsys:hello, data intact', () => {
    const { packets, error } = decodeAll(new HelloDecoder(), hello);
    expect(error).toBeUndefined();
    expect(packets).toEqual([{ type: PacketType.EVENT, nsp: '/io/acme/client', data: [HELLO_EVENT, { sid: 'AbC123' }] }]);
  });

  it('keeps an ack id and the default namespace', () => {
    expect(decodeAll(new HelloDecoder(), '2/io/acme/client,12["connect",{"sid":"x"}]').packets).toEqual([
      { type: PacketType.EVENT, nsp: '/io/acme/client', id: 12, data: [HELLO_EVENT, { sid: 'x' }] },
    ]);
    expect(decodeAll(new HelloDecoder(), '2["connect",{"sid":"x"}]').packets).toEqual([
      { type: PacketType.EVENT, nsp: '/', data: [HELLO_EVENT, { sid: 'x' }] },
    ]);
  });

  it('decodes a stream: hello, CONNECT, a touid, an ack, in order', () => {
    const { packets, error } = decodeAll(
      new HelloDecoder(),
      hello,
      '0/io/acme/client,{"sid":"AbC123"}',
      '2/io/acme/client,["touid",{"command":"connect","data":"{\\"a\\":1}"}]',
      '3/io/acme/client,4[]',
    );
    expect(error).toBeUndefined();
    expect(packets.map((p) => [p.type, p.data?.[0] ?? p.data])).toEqual([
      [PacketType.EVENT, HELLO_EVENT],
      [PacketType.CONNECT, { sid: 'AbC123' }],
      [PacketType.EVENT, 'touid'],
      [PacketType.ACK, []],
    ]);
  });

  it('passes binary packets and their attachments through', () => {
    const { packets, error } = decodeAll(new HelloDecoder(), '51-/nsp,["touid",{"_placeholder":true,"num":0}]', Buffer.from([1, 2, 3]));
    expect(error).toBeUndefined();
    expect(packets).toHaveLength(1);
    expect(packets[0].type).toBe(PacketType.EVENT); // socket.io-parser reconstructs it as a plain EVENT
    expect(packets[0].data[0]).toBe('touid');
    expect(Buffer.from(packets[0].data[1] as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('still rejects what the stock Decoder rejects, other than the hello', () => {
    for (const bad of ['2/nsp,["disconnect"]', '2["connect_error",{}]', '9', '2/nsp,{"not":"an array"}']) {
      expect(decodeAll(new HelloDecoder(), bad).error).toBeInstanceOf(Error);
      expect(decodeAll(new Decoder(), bad).error).toBeInstanceOf(Error);
    }
  });

  it('property: any packet the stock Encoder makes decodes the same with both decoders', () => {
    const encoder = new Encoder();
    const packet = fc.record({
      type: fc.constantFrom(PacketType.EVENT, PacketType.ACK),
      nsp: fc.constantFrom('/', '/io/acme/client', '/io/acme/user'),
      id: fc.option(fc.nat({ max: 1000 }), { nil: undefined }),
      event: fc.oneof(fc.constantFrom('touid', 'login', 'request', 'connected', HELLO_EVENT), fc.string({ minLength: 1, maxLength: 8 })),
      args: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(packet, ({ type, nsp, id, event, args }) => {
        fc.pre(!['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].includes(event));
        const p: Packet = { type, nsp, data: type === PacketType.EVENT ? [event, ...args] : args, ...(id !== undefined ? { id } : {}) };
        if (type === PacketType.ACK && id === undefined) p.id = 0;
        const encoded = encoder.encode(p) as string[];
        const stock = decodeAll(new Decoder(), ...encoded);
        const ours = decodeAll(new HelloDecoder(), ...encoded);
        expect(ours).toEqual(stock);
        expect(stock.error).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it("helloParser is the stock parser with HelloDecoder, for socket.io-client's `parser` option", () => {
    expect(helloParser.Decoder).toBe(HelloDecoder);
    expect(helloParser.Encoder).toBe(Encoder);
    expect(helloParser.protocol).toBe(protocol);
    expect(helloParser.PacketType).toBe(PacketType);
    expect(new helloParser.Decoder()).toBeInstanceOf(Decoder);
  });
});
