// The device the course suites run on: `pnpm test --device gpu` (scripts/test.mjs) sets
// TINY_LLM_DEVICE=gpu for the tests/ groups, and jest loads this file before every test
// file (jest.config.js, setupFilesAfterEnv). On the GPU, the file's tests run with the
// GPU as the default device, so the arrays that tests and solutions create live there.
// No adapter: every test fails with mx.gpu.init's message, which names what to install
// (the driver checks the adapter first and stops with that one line). On the CPU this
// file does nothing, and does not even load the array library.

const device = process.env.TINY_LLM_DEVICE ?? "cpu";
if (device !== "cpu" && device !== "gpu") {
  throw new Error(`TINY_LLM_DEVICE: unknown device "${device}" (expected cpu or gpu)`);
}
if (device === "gpu") {
  beforeAll(async () => {
    const mx = await import("@tiny-llm/array"); // the test file's own copy of the library
    await mx.gpu.init();
    mx.setDefaultDevice("gpu");
  });
}
