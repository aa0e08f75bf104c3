{
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
        "src/scan.cc",
        "src/sort.cc",
        "src/gather.cc",
        "src/random.cc",
        "src/matmul.cc",
        "src/gemm.cc",
        "src/gemv.cc",
        "src/read_bandwidth.cc",
        "src/huge_pages.cc"
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
