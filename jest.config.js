/** Unit tests live beside the code (`*.spec.ts`); e2e tests under test/ boot the app on a real database. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const common = { moduleFileExtensions: ['ts', 'js', 'json'], testEnvironment: 'node', transform };

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', rootDir: '.', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    { ...common, displayName: 'browser', rootDir: '.', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] },
    // `npm run test:faults`: the built service as a child process on MySQL/MariaDB, killed, cut off, deadlocked
    { ...common, displayName: 'faults', rootDir: '.', testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'] },
    // `npm run test:galera`: a 3-node MariaDB Galera cluster of its own, one built service instance per node
    { ...common, displayName: 'galera', rootDir: '.', testMatch: ['<rootDir>/test/galera/**/*.galera-spec.ts'] },
  ],
};
