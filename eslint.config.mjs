// ESLint flat config: @eslint/js recommended + typescript-eslint's type-checked
// recommended set over every TypeScript file, typed by the project's tsconfigs.
// `npm run lint` runs this and `prettier --check .`: formatting is Prettier's job, so
// there are no stylistic rules here.
//
// Where the tree had findings in code other people are rewriting (lib/client, specs,
// examples), the rule is relaxed below with the reason, instead of a broad edit.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['jest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A `let` read by a closure before its one assignment (a timer cleared by the callback it guards) must stay `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks a parameter a signature needs but the body does not (type guards, callbacks).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // 28 findings over lib/client (being rewritten), specs and the package fixtures; `eslint --fix` removes them once those land.
      '@typescript-eslint/no-unnecessary-type-assertion': 'warn',
    },
  },
  {
    // rexsys-rx/angular and its specs are outside the root tsconfig (Angular is ES-module-only): their own tsconfig types them.
    files: ['lib/angular/**/*.ts', 'spec/angular/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: './spec/angular/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Specs poke at untyped payloads and fixtures on purpose (JSON.parse, raw packets, loose mocks),
    // use async callbacks for uniform interfaces, and reference methods in type-only tests.
    files: ['spec/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // One finding (an unawaited io.close() in spec/client, being rewritten): reported, not fatal.
      '@typescript-eslint/no-floating-promises': 'warn',
    },
  },
  {
    // Loading a peer lazily: `require` in CommonJS builds and jest, `import()` in ES builds
    // (the emulator's optional socket.io; the benchmark's choice of sources or dist).
    files: ['lib/emulator/socket-io-server.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The benchmark passes bound client methods around as plain functions.
    files: ['bench/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // CommonJS fixtures are what a CommonJS consumer writes.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Plain JavaScript (build scripts, fixtures, this file): no type information.
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      // The globals these scripts use (Node scripts; the page fixture also runs in a browser).
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'URL',
          'Buffer',
          '__dirname',
          'require',
          'module',
          'setTimeout',
          'clearTimeout',
          'window',
          'document',
          'location',
          'globalThis',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    // (Last, so no typed rule above reaches it.) The small Vite app the Vue suite builds and runs in Chromium: Vite compiles it, with its own resolution.
    files: ['spec/vue/app/**'],
    ...tseslint.configs.disableTypeChecked,
  },
);
