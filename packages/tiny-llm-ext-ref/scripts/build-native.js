// Builds this package's C++ kernels (native/binding.gyp) with @tiny-llm/array's
// build script. `--if-changed` does nothing when the addon is up to date, and
// otherwise recompiles only what changed (pnpm test runs it before the tests).
const path = require("path");
const { buildNative } = require("@tiny-llm/array/scripts/build-native.js");

buildNative(path.join(__dirname, ".."), "@tiny-llm/tiny-llm-ext-ref", { ifChanged: process.argv.includes("--if-changed") });
