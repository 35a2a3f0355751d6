// Run-time CPU feature detection and the process-wide kernel ISA choice.
#pragma once

#include "platform.h"

namespace nabla {

struct CpuFeatures {
  bool sse2 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512dq = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool neon = false;
};

// Detected once; cheap to call.
const CpuFeatures& cpu_features();

// Best ISA the CPU supports (ignores overrides).
Isa best_isa();

// ISA currently used by the builtin kernels; defaults to best_isa() or the
// NABLA_ISA environment variable (generic|avx2|avx512).
Isa active_isa();

// Selects the kernels' ISA (clamped to what the CPU supports); returns the
// ISA actually selected. Used by tests to exercise every code path.
Isa set_active_isa(Isa requested);

}  // namespace nabla
