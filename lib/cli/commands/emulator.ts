/**
 * `rexsys-rx emulator`: runs the local Rexsys server (REST + Socket.IO, the `connect`
 * hello included) until Ctrl-C, and prints where it listens and which productkeys it
 * knows. Productkeys are the emulator's own configuration, so printing them is fine.
 */
import { DEFAULT_PORT, DEFAULT_PROJECTS, startEmulator, type RexsysEmulator } from '../../emulator/index.js';
import { namespaceFor } from '../../protocol/paths.js';
import type { FlagSpecs } from '../args.js';
import { integerOption, withEnv } from '../args.js';
import { defineCommand } from '../command.js';
import { CliFailure, EXIT_OK, UsageError, oneLine } from '../errors.js';
import { jsonLine } from '../format.js';
import type { Terminal } from '../io.js';
import { HELP_FLAG, SERVER_FLAGS, checkUrl } from '../server-flags.js';

type Projects = Record<string, Record<string, string>>;

const FLAGS = {
  port: { type: 'string', value: 'PORT', description: 'TCP port; 0 picks a free one', default: String(DEFAULT_PORT) },
  host: { type: 'string', value: 'HOST', description: 'Interface to listen on', default: '127.0.0.1' },
  url: { ...SERVER_FLAGS.url, description: 'Listen where this http:// URL points (instead of --host/--port)' },
  project: { ...SERVER_FLAGS.project, description: 'Add a project (with --productkey) to the demo project' },
  productkey: { ...SERVER_FLAGS.productkey, description: 'Add this productkey to --project' },
  uid: { type: 'string', value: 'ID', description: 'Client id of the added productkey', default: 'client-01' },
  quiet: { type: 'boolean', description: "Do not print the emulator's log on stderr" },
  json: { type: 'boolean', description: 'Print {url, port, projects} as one JSON line instead of the banner' },
  ...HELP_FLAG,
} as const satisfies FlagSpecs;

/** Where to listen: `--host`/`--port`, else `--url` (or REXSYS_URL), else the defaults. */
function listenAddress(
  flags: { port?: string; host?: string; url?: string },
  env: Readonly<Record<string, string | undefined>>,
): { host: string; port: number } {
  const url = flags.port === undefined && flags.host === undefined ? withEnv(flags.url, FLAGS.url, env) : flags.url;
  let host = flags.host;
  let port = flags.port === undefined ? undefined : integerOption('port', flags.port, 0, 65_535, 'emulator');
  if (url !== undefined) {
    const parsed = new URL(checkUrl(url, 'emulator'));
    if (parsed.protocol !== 'http:') throw new UsageError(`the emulator serves plain http, so it cannot listen on ${url}`, 'emulator');
    host ??= parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    port ??= parsed.port === '' ? 80 : Number(parsed.port);
  }
  if (host !== undefined && host.trim() === '') throw new UsageError('option --host needs a non-empty value', 'emulator');
  return { host: host ?? '127.0.0.1', port: port ?? DEFAULT_PORT };
}

/** The demo project, plus `--project`/`--productkey` (a key already known keeps its client id unless `--uid` says otherwise). */
function projectTable(flags: { project?: string; productkey?: string; uid?: string }, env: Readonly<Record<string, string | undefined>>): Projects {
  const projects: Projects = Object.fromEntries(Object.entries(DEFAULT_PROJECTS).map(([p, keys]) => [p, { ...keys }]));
  const project = withEnv(flags.project, FLAGS.project, env);
  const productkey = withEnv(flags.productkey, FLAGS.productkey, env);
  if (flags.uid !== undefined && productkey === undefined) throw new UsageError('option --uid needs --productkey', 'emulator');
  if (productkey === undefined) return projects;
  if (project === undefined) throw new UsageError('--productkey needs --project (or REXSYS_PROJECT)', 'emulator');
  const keys = (projects[project] ??= {});
  if (flags.uid !== undefined && flags.uid.trim() === '') throw new UsageError('option --uid needs a non-empty value', 'emulator');
  keys[productkey] = flags.uid ?? keys[productkey] ?? 'client-01';
  return projects;
}

function banner(term: Terminal, url: string, projects: Projects): void {
  term.out(`Rexsys emulator listening on ${url}`);
  for (const [project, keys] of Object.entries(projects)) {
    term.out(`  project ${project}  (namespaces ${namespaceFor(project, 'client')} and ${namespaceFor(project, 'user')})`);
    const width = Math.max(...Object.keys(keys).map((k) => k.length));
    for (const [key, uid] of Object.entries(keys)) term.out(`    productkey ${key.padEnd(width)}  ->  client ${uid}`);
  }
  const [project, keys] = Object.entries(projects)[0];
  const [listener, sender] = [Object.entries(keys)[1] ?? Object.entries(keys)[0], Object.entries(keys)[0]];
  term.out('Try it from another terminal:');
  term.out(`  export REXSYS_URL=${url} REXSYS_PROJECT=${project}`);
  term.out(`  rexsys-rx listen --productkey ${listener[0]}`);
  term.out(`  rexsys-rx send --productkey ${sender[0]} --to ${listener[1]} --command show --data '{"url":"/a"}'`);
  term.out('Ctrl-C stops it.');
}

/** `rexsys-rx emulator`: the local Rexsys server until SIGINT/SIGTERM; prints its URL and productkeys. */
export const emulatorCommand = defineCommand({
  name: 'emulator',
  summary: 'Run a local Rexsys server (REST + Socket.IO) until Ctrl-C',
  usage: 'rexsys-rx emulator [--port PORT] [--host HOST] [--project CODE --productkey KEY [--uid ID]]',
  description: [
    'Starts a local server that speaks the Rexsys protocol: certificate and send endpoints',
    '(EncodeData bodies), the /io/{project}/client and /user namespaces, the `connect` hello,',
    'login and message routing. It serves project "demo" with productkeys KIOSK-KEY',
    '(client kiosk-01) and DISPLAY-KEY (client display-01); --project/--productkey add one',
    'more. It prints where it listens and its productkeys on stdout and its log on stderr,',
    'and closes cleanly on Ctrl-C (SIGINT) or SIGTERM. Messages to offline clients are',
    'dropped, as on the real server.',
  ],
  examples: ['rexsys-rx emulator', 'rexsys-rx emulator --port 0 --json', 'rexsys-rx emulator --project acme --productkey ACME-KEY --uid lobby-01'],
  flags: FLAGS,
  async run(flags, term) {
    term.librarySecrets = false; // it prints its own productkeys on purpose
    const { host, port } = listenAddress(flags, term.env);
    const projects = projectTable(flags, term.env);
    const stop = term.watchStop();
    try {
      let emulator: RexsysEmulator;
      try {
        emulator = await startEmulator({ host, port, projects, logger: flags.quiet ? undefined : (line) => term.err(`emulator: ${line}`) });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === 'EADDRINUSE') throw new CliFailure(`cannot listen on ${host}:${port}: the port is in use (try --port 0 for a free one)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
          throw new CliFailure(`cannot listen on ${host}:${port} (${String(code)})`);
        }
        throw e;
      }
      if (flags.json) term.out(jsonLine({ url: emulator.url, port: emulator.port, projects }));
      else banner(term, emulator.url, projects);
      const why = await stop.stopped;
      if (!flags.quiet) term.err(`emulator: stopping (${why})`);
      await emulator.close();
      return EXIT_OK;
    } catch (e) {
      if (e instanceof CliFailure || e instanceof UsageError) throw e;
      if (e instanceof Error && e.name === 'RexsysArgumentError') throw new UsageError(oneLine(e.message), 'emulator');
      throw e;
    } finally {
      stop.dispose();
    }
  },
});
