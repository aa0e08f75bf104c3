// Builds this package's C++ kernels (native/binding.gyp) with @tiny-llm/array's
// build script. `--if-changed` does nothing when the addon is up to date, and
// otherwise recompiles only what changed (pnpm test runs it before the tests). The
// N-API entries compiled around the kernels are tiny-llm-ext-ref's (native/bindings),
// so a change there counts too.
const path = require("path");
const { buildNative } = require("@tiny-llm/array/scripts/build-native.js");

const bindings = path.join(path.dirname(require.resolve("@tiny-llm/tiny-llm-ext-ref/package.json")), "native", "bindings");
buildNative(path.join(__dirname, ".."), "@tiny-llm/tiny-llm-ext", { ifChanged: process.argv.includes("--if-changed"), inputs: [bindings] });
