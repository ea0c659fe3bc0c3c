import * as t from 'io-ts';

/** The commands this app speaks: they type useCommand and useSend. */
export const commands = {
  show: t.intersection([t.type({ url: t.string }), t.partial({ title: t.string })], 'Show'),
  ack: t.type({ url: t.string, via: t.string }, 'Ack'),
};

declare module 'rexsys-rx/vue' {
  interface RexsysRegister {
    commands: typeof commands;
  }
}
