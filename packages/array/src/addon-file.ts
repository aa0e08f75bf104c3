// Where a package's native addon is loaded from: native/build/Release, or the second
// build of the same sources that TINY_LLM_NATIVE_BUILD names (native/build-arm64/ for
// the arm64 tests under qemu). The rule is written once, in native/extension.js
// (release_dir), which the build scripts read too.
import * as path from "path";

interface BuildSettings {
  release_dir(nativeDir: string): string;
}

// native/extension.js is plain JavaScript for gyp's command expansion; from src/ and dist/ alike it is ../native.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require(path.join(__dirname, "..", "native", "extension.js")) as BuildSettings;

/**
 * The built addon `target` (its binding.gyp target_name) of the package whose native/
 * folder is `nativeDir`: `addonFile(path.join(__dirname, "..", "native"), "tiny_llm_ext_ref")`.
 */
export function addonFile(nativeDir: string, target: string): string {
  return path.join(settings.release_dir(nativeDir), `${target}.node`);
}
