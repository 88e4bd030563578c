import { defineConfig } from 'vitest/config'

/** Tests that spawn processes, kill them, build images or run for long: crash, docker, CLI, fuzz and soak. */
const slow = [
  'test/crash/**/*.test.ts',
  'test/soak/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/integration/ops-docker.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/gateway-cli.test.ts',
]

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: crash and integration tests spawn servers of their own.
    maxWorkers: 2,
    // `vitest run` (npm test) runs every project; `--project unit|integration|slow` runs one.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], exclude: slow } },
      { extends: true, test: { name: 'slow', include: slow } },
    ],
  },
})
