// Elementwise kernels for the baseline ISA (SSE2 on x86-64, NEON on arm64).
#include "platform.h"

#define NABLA_SIMD_TARGET
#define NABLA_SIMD_NS generic
#include "elementwise_impl.h"
