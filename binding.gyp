{
  "targets": [
    {
      "target_name": "nabla_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/bind_info.cc",
        "native/src/bind_gemm.cc",
        "native/src/bind_lapack.cc",
        "native/src/bind_elementwise.cc",
        "native/src/bind_conv.cc",
        "native/src/napi_util.cc",
        "native/src/cpu_features.cc",
        "native/src/thread_pool.cc",
        "native/src/blas_loader.cc",
        "native/src/gemm.cc",
        "native/src/gemm_builtin.cc",
        "native/src/gemm_kernel_generic.cc",
        "native/src/gemm_kernel_avx2.cc",
        "native/src/gemm_kernel_avx512.cc",
        "native/src/gemm_small_generic.cc",
        "native/src/gemm_small_avx2.cc",
        "native/src/gemm_small_avx512.cc",
        "native/src/lapack.cc",
        "native/src/elementwise.cc",
        "native/src/elementwise_generic.cc",
        "native/src/elementwise_avx2.cc",
        "native/src/elementwise_avx512.cc",
        "native/src/conv.cc",
        "native/src/bind_copy.cc",
        "native/src/bind_memory.cc",
        "native/src/bind_random.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NABLA_NODE_MODULE_VERSION=<(node_module_version)"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++20"],
      "cflags": ["-O3", "-fvisibility=hidden", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-psabi"],
      "cflags_cc": ["-std=gnu++17", "-fexceptions"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl", "-pthread"], "ldflags": ["-pthread"] }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "gnu++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "OTHER_CFLAGS": ["-fvisibility=hidden", "-fno-math-errno"],
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }],
        ["OS=='win'", {
          "defines": ["_HAS_EXCEPTIONS=1"],
          "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "Optimization": 2 } }
        }]
      ]
    }
  ]
}
