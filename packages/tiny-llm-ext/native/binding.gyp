{
  "includes": ["../../tiny-llm-ext-ref/native/bindings/bindings.gypi"],
  "targets": [
    {
      "target_name": "tiny_llm_ext",
      "sources": [
        "src/quantized_matmul_kernel.cc",
        "src/flash_attention.cc"
      ]
    }
  ]
}
