// Where a package's native addon is loaded from: native/build/Release, or the second
// build of the same sources that TINY_LLM_NATIVE_BUILD names (native/build-arm64/ for
// the arm64 tests under qemu). The rule is written once, in native/extension.js
// (release_dir), which the build scripts read too.
//
// TINY_LLM_ADDON_DIR overrides both: a folder holding every built addon as
// <target>.node (tiny_llm_array.node, tiny_llm_ext_ref.node, ...). A bundled program
// (scripts/gpu-bundle.mjs: one JavaScript file, no node_modules, no packages/ tree)
// has no native/ folder beside its code; it carries the addons in such a folder.
import * as path from "path";

interface BuildSettings {
  release_dir(nativeDir: string): string;
}

/**
 * The built addon `target` (its binding.gyp target_name) of the package whose native/
 * folder is `nativeDir`: `addonFile(path.join(__dirname, "..", "native"), "tiny_llm_ext_ref")`,
 * or `$TINY_LLM_ADDON_DIR/<target>.node` when that variable is set.
 */
export function addonFile(nativeDir: string, target: string): string {
  const dir = process.env.TINY_LLM_ADDON_DIR;
  if (dir !== undefined && dir !== "") return path.join(dir, `${target}.node`);
  // This package's native/extension.js (from src/ and dist/ alike ../native) is plain
  // JavaScript for gyp's command expansion; loaded only here, so that a bundle with
  // TINY_LLM_ADDON_DIR never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require(path.join(__dirname, "..", "native", "extension.js")) as BuildSettings;
  return path.join(settings.release_dir(nativeDir), `${target}.node`);
}
