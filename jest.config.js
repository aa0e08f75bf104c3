// Jest for the course suites (tests/) and the reference-only suites (tests-ref/).
// Run it through `pnpm test` / `pnpm test-ref` (scripts/test.mjs), which pick the
// solution and the files; plain `pnpm exec jest` also works and runs everything.
//
// ts-jest only transpiles (isolatedModules in tests/tsconfig.json), file by file, so a
// test run never waits for the type checker; `pnpm typecheck` runs tsc separately.
const fs = require("node:fs");
const path = require("node:path");

const testDirs = ["tests", "tests-ref"];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  // Crawl only the test folders (not node_modules or build outputs); a folder that
  // does not exist yet (git keeps no empty folders) is left out.
  roots: testDirs.filter((d) => fs.existsSync(path.join(__dirname, d))).map((d) => `<rootDir>/${d}`),
  testEnvironment: "node",
  testMatch: testDirs.map((d) => `<rootDir>/${d}/**/*.test.ts`),
  moduleFileExtensions: ["ts", "js", "json", "node"],
  // The device of the course suites: TINY_LLM_DEVICE=gpu (`pnpm test --device gpu`) makes
  // the GPU every test file's default device. The array suite picks its devices itself
  // (tests-ref/array/device.ts).
  setupFilesAfterEnv: ["<rootDir>/tests/helpers/device-setup.ts"],
  // A test's time limit: jest's default 5 s, except for the course suites on the GPU
  // (--device gpu), where on a software GPU (Mesa's lavapipe, CI's) every kernel's first
  // use compiles its shader and the longest test, week_2_day_7_task_1_chunked_equals_unchunked
  // (24 scheduler runs and 24 generations), took 150 s on a shared 2-core machine.
  testTimeout: process.env.TINY_LLM_DEVICE === "gpu" ? 300_000 : 5_000,
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tests/tsconfig.json" }],
  },
  // Tests import workspace packages from their TypeScript sources, so no build of the
  // TypeScript side is needed before testing (the native addon is still built by
  // `pnpm install`). Convention: @tiny-llm/<name> lives in packages/<name>/src.
  moduleNameMapper: {
    "^@tiny-llm/array$": "<rootDir>/packages/array/src",
    "^@tiny-llm/([^/]+)$": "<rootDir>/packages/$1/src",
    "^@tiny-llm/([^/]+)/(.+)$": "<rootDir>/packages/$1/src/$2",
  },
};
