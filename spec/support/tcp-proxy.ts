/** The tests use the proxy the emulator entry ships (`rexsys-rx/emulator`). */
export { startTcpProxy, type TcpProxy } from '../../lib/emulator/network-proxy';
