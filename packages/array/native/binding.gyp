{
  "variables": {
    "native_dir%": "."
  },
  "targets": [
    {
      "target_name": "tiny_llm_array",
      "sources": [
        "src/addon.cc",
        "src/thread_pool.cc",
        "src/dtype.cc",
        "src/copy.cc",
        "src/unary.cc",
        "src/binary.cc",
        "src/where.cc",
        "src/reduce.cc",
        "src/softmax.cc",
        "src/fast.cc",
        "src/scan.cc",
        "src/sort.cc",
        "src/gather.cc",
        "src/random.cc",
        "src/matmul.cc",
        "src/gemm.cc",
        "src/gemv.cc",
        "src/read_bandwidth.cc",
        "src/host_buffer.cc",
        "src/core_api.cc"
      ],
      "include_dirs": ["include", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["<!@(node -p \"require('<(native_dir)/extension.js').cflags_cc.join(' ')\")"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "OTHER_CPLUSPLUSFLAGS": ["<!@(node -p \"require('<(native_dir)/extension.js').xcode_cflags.join(' ')\")"]
      }
    }
  ]
}
