/**
 * The package version for `rexsys-rx --version`, read from the package's own
 * `package.json` at run time (so it never drifts from what was published).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Folders to start looking from: this module's (CommonJS) and the running script's. */
function startingPoints(): string[] {
  const points: string[] = [];
  if (typeof __dirname === 'string') points.push(__dirname);
  const script = process.argv[1];
  if (script) {
    try {
      // An npm bin is a symlink in node_modules/.bin: follow it to the package.
      points.push(dirname(realpathSync(script)));
    } catch {
      points.push(dirname(resolve(script)));
    }
  }
  return points;
}

/**
 * The `version` of the nearest `package.json` named `rexsys-rx` above this module (or
 * the running script), or `'unknown'`.
 */
export function packageVersion(): string {
  for (const start of startingPoints()) {
    let dir = start;
    for (let depth = 0; depth < 8; depth++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'rexsys-rx' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        /* no package.json here: keep climbing */
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return 'unknown';
}
