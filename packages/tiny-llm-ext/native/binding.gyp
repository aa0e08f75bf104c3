{
  "variables": {
    "array": "require('@tiny-llm/array/native/extension')"
  },
  "targets": [
    {
      "target_name": "tiny_llm_ext",
      "sources": [
        "src/addon.cc",
        "src/quantized_matmul.cc",
        "src/quantized_matmul_kernel.cc",
        "src/flash_attention.cc",
        "src/flash_attention_napi.cc",
        "<!@(node -p \"<(array).sources.join(' ')\")"
      ],
      "include_dirs": [
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
        "OTHER_CPLUSPLUSFLAGS": ["<!@(node -p \"<(array).xcode_cflags.join(' ')\")"]
      }
    }
  ]
}
