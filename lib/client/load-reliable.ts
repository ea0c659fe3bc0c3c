/** Loads ./reliable.ts. One line of its own: the tests (CommonJS in jest's VM, which has no `import()`) replace it. */
export const loadReliable = (): Promise<typeof import('./reliable.js')> => import('./reliable.js');
