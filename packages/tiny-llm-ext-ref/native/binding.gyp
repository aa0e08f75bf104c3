{
  "includes": ["bindings/bindings.gypi"],
  "targets": [
    {
      "target_name": "tiny_llm_ext_ref",
      "sources": [
        "src/quantized_matmul_kernel.cc",
        "src/qmm_decode.cc",
        "src/qmm_batch.cc",
        "src/qmm_prefill.cc",
        "src/qmm_int8.cc",
        "src/flash_attention.cc",
        "src/rope_into_cache.cc"
      ],
      "defines": ["TINY_LLM_REFERENCE_KERNELS"]
    }
  ]
}
