# The build of a week-2 kernel addon, shared by this package (the reference kernel
# bodies) and the learner's @tiny-llm/tiny-llm-ext (stubs to fill in): the N-API entries
# of this folder, the array core's headers, shared sources and flags. A binding.gyp
# includes it and names its target and its kernel sources.
{
  "variables": {
    "array": "require('@tiny-llm/array/native/extension')"
  },
  "target_defaults": {
    "sources": [
      "addon.cc",
      "quantized_matmul.cc",
      "flash_attention_napi.cc",
      "rope_into_cache_napi.cc",
      "<!@(node -p \"<(array).sources.join(' ')\")"
    ],
    "include_dirs": [
      ".",
      "<!(node -p \"<(array).include_dir\")",
      "<!(node -p \"require('node-addon-api').include_dir\")"
    ],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-O2"],
    "cflags_cc": ["<!@(node -p \"<(array).cflags_cc.join(' ')\")"],
    "ldflags": ["-pthread"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "MACOSX_DEPLOYMENT_TARGET": "10.15",
      "OTHER_CPLUSPLUSFLAGS": ["<!@(node -p \"<(array).xcode_cflags.join(' ')\")"]
    }
  }
}
