import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // Jest uses the first pattern that matches a file's path.
  transform: {
    // rexsys-rx/angular and its specs: bundler resolution, as Angular apps compile (ES-module-only Angular).
    '/(lib|spec)/angular/.+\\.ts$': ['ts-jest', { tsconfig: 'spec/angular/tsconfig.json' }],
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // Angular ships ES modules only (fesm2022/*.mjs): transpile them to CommonJS.
    '^.+\\.mjs$': ['ts-jest', { tsconfig: 'spec/angular/tsconfig.mjs.json' }],
  },
  // Everything in node_modules stays untransformed except @angular/*.
  transformIgnorePatterns: ['/node_modules/(?!@angular/)', '\\.pnp\\.[^\\/]+$'],
  moduleNameMapper: {
    // The on-demand loader's import() cannot run in jest's CommonJS VM: see spec/support/load-reliable.ts.
    '^\\./load-reliable\\.js$': '<rootDir>/spec/support/load-reliable.ts',
    // Sources import with explicit `.js` extensions (for Node ESM); jest resolves the `.ts` file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Examples import the package by name, as users do: map it to the sources.
    '^rexsys-rx$': '<rootDir>/lib/index.ts',
  },
  testTimeout: 20000,
  // Integration suites share the machine's two cores with servers they start.
  maxWorkers: 2,
};

export default config;
