// Small-GEMM kernels for the baseline ISA.
#include "platform.h"

#define NABLA_SIMD_TARGET
#define NABLA_SIMD_NS generic
#include "gemm_small_impl.h"
