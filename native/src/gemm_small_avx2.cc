// Small-GEMM kernels compiled for avx2 (selected at run time).
#include "platform.h"

#if NABLA_X86
#define NABLA_SIMD_TARGET NABLA_TARGET_AVX2
#define NABLA_SIMD_NS avx2
#include "gemm_small_impl.h"
#endif
