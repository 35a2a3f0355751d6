#include "cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace nabla {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "generic";
  }
}

namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if NABLA_X86
  __builtin_cpu_init();
  f.sse2 = __builtin_cpu_supports("sse2");
  f.avx = __builtin_cpu_supports("avx");
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
  f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
  f.f16c = __builtin_cpu_supports("f16c");
#endif
#elif defined(__aarch64__) || defined(_M_ARM64)
  f.neon = true;  // mandatory on AArch64
#endif
  return f;
}

Isa detect_best(const CpuFeatures& f) {
  if (f.avx512f && f.avx512dq && f.avx512vl && f.avx512bw && f.avx2 && f.fma) return Isa::kAvx512;
  if (f.avx2 && f.fma) return Isa::kAvx2;
  return Isa::kGeneric;
}

Isa clamp_isa(Isa requested) {
  Isa best = best_isa();
  return static_cast<int>(requested) > static_cast<int>(best) ? best : requested;
}

Isa initial_isa() {
  const char* env = std::getenv("NABLA_ISA");
  if (env != nullptr) {
    if (std::strcmp(env, "generic") == 0) return Isa::kGeneric;
    if (std::strcmp(env, "avx2") == 0) return clamp_isa(Isa::kAvx2);
    if (std::strcmp(env, "avx512") == 0) return clamp_isa(Isa::kAvx512);
  }
  return best_isa();
}

std::atomic<int>& isa_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa())};
  return slot;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

Isa best_isa() {
  static const Isa best = detect_best(cpu_features());
  return best;
}

Isa active_isa() { return static_cast<Isa>(isa_slot().load(std::memory_order_relaxed)); }

Isa set_active_isa(Isa requested) {
  Isa isa = clamp_isa(requested);
  isa_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
  return isa;
}

}  // namespace nabla
