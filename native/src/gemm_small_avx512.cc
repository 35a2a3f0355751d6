// Small-GEMM kernels compiled for avx512 (selected at run time).
#include "platform.h"

#if NABLA_X86
#define NABLA_SIMD_TARGET NABLA_TARGET_AVX512
#define NABLA_SIMD_NS avx512
#include "gemm_small_impl.h"
#endif
