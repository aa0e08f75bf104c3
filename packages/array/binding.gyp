{
  "targets": [
    {
      "target_name": "tiny_llm_array",
      "sources": [
        "native/src/addon.cc",
        "native/src/thread_pool.cc",
        "native/src/dtype.cc",
        "native/src/copy.cc",
        "native/src/unary.cc",
        "native/src/binary.cc",
        "native/src/where.cc",
        "native/src/reduce.cc",
        "native/src/softmax.cc",
        "native/src/scan.cc",
        "native/src/sort.cc",
        "native/src/gather.cc",
        "native/src/random.cc",
        "native/src/matmul.cc",
        "native/src/gemm.cc",
        "native/src/gemv.cc",
        "native/src/read_bandwidth.cc",
        "native/src/huge_pages.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mcpu=native", "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math"]
      }
    }
  ]
}
