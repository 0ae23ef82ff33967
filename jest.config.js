// Jest runs the TypeScript sources as native ES modules; @swc/jest only strips types.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
      module: { type: 'es6' },
    }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // etcd's data under .cluster/ has *.snap files: Jest would report them as obsolete snapshots and exit 1.
  modulePathIgnorePatterns: ['<rootDir>/.cluster/'],
  testTimeout: 60_000,
  // Stops the real node a run started, restoring the host (test/global-teardown.ts).
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Suites stop what they start, but one stray socket or watch left by a failed cleanup must not hold a CI
  // run open until its time limit: exit once the results are in.
  forceExit: true,
};
