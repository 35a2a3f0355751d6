// Introspection and global switches: blasInfo, cpuFeatures, threads, ISA, malloc tuning.
#include "blas_loader.h"
#include "bindings.h"
#include "cpu_features.h"
#include "elementwise.h"
#include "napi_util.h"
#include "thread_pool.h"

#include <climits>
#include <cstdlib>  // defines __GLIBC__ on glibc
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nabla {
namespace {

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BlasLibrary& lib = blas_library();
  Napi::Object o = Napi::Object::New(env);
  const bool active = blas_enabled();
  o.Set("name", Napi::String::New(env, active ? lib.name : "builtin"));
  o.Set("path", lib.loaded ? Napi::Value(Napi::String::New(env, lib.path)) : env.Null());
  o.Set("loaded", Napi::Boolean::New(env, lib.loaded));
  o.Set("enabled", Napi::Boolean::New(env, active));
  o.Set("threads", Napi::Number::New(env, active && blas_num_threads() > 0 ? blas_num_threads() : pool_num_threads()));
  o.Set("config", Napi::String::New(env, active ? blas_config() : std::string("builtin ") + isa_name(active_isa())));
  o.Set("corename", Napi::String::New(env, blas_corename()));
  o.Set("lapack", Napi::Boolean::New(env, lib.lapack_d.potrf != nullptr));
  o.Set("isa", Napi::String::New(env, isa_name(active_isa())));
  o.Set("error", lib.loaded ? env.Null() : Napi::Value(Napi::String::New(env, lib.error)));
  return o;
}

Napi::Value CpuFeaturesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("sse2", f.sse2);
  o.Set("avx", f.avx);
  o.Set("avx2", f.avx2);
  o.Set("fma", f.fma);
  o.Set("f16c", f.f16c);
  o.Set("avx512f", f.avx512f);
  o.Set("avx512dq", f.avx512dq);
  o.Set("avx512bw", f.avx512bw);
  o.Set("avx512vl", f.avx512vl);
  o.Set("avx512vnni", f.avx512vnni);
  o.Set("avx512bf16", f.avx512bf16);
  o.Set("neon", f.neon);
  o.Set("bestIsa", isa_name(best_isa()));
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  const int64_t n = get_index(info, 0, "n");
  if (n < 1) throw_range_error(info.Env(), "n must be >= 1");
  pool_set_num_threads(static_cast<int>(n));
  blas_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), pool_num_threads());
}

Napi::Value UseBlas(const Napi::CallbackInfo& info) {
  set_blas_enabled(get_bool(info, 0, "enabled"));
  return Napi::Boolean::New(info.Env(), blas_enabled());
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const std::string s = get_string(info, 0, "isa");
  Isa want;
  if (s == "generic") {
    want = Isa::kGeneric;
  } else if (s == "avx2") {
    want = Isa::kAvx2;
  } else if (s == "avx512") {
    want = Isa::kAvx512;
  } else if (s == "auto") {
    want = best_isa();
  } else {
    throw_range_error(info.Env(), "isa must be 'auto', 'generic', 'avx2' or 'avx512'");
  }
  return Napi::String::New(info.Env(), isa_name(set_active_isa(want)));
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), isa_name(active_isa())); }

Napi::Value SetElementwiseThreshold(const Napi::CallbackInfo& info) {
  const bool transcendental = get_bool(info, 0, "transcendental");
  ew_set_parallel_threshold(transcendental, get_index(info, 1, "n"));
  return info.Env().Undefined();
}

Napi::Value GetElementwiseThreshold(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ew_parallel_threshold(get_bool(info, 0, "transcendental"))));
}

// tuneMalloc(mmapThreshold, trimThreshold): glibc's mallopt, so that freed large blocks stay
// in the heap for reuse instead of going back to the kernel and faulting in again page by
// page (docs/backend.md "Memory"). Returns false where the C library is not glibc.
Napi::Value TuneMalloc(const Napi::CallbackInfo& info) {
  const int64_t mmap_threshold = get_index(info, 0, "mmapThreshold");
  const int64_t trim_threshold = get_index(info, 1, "trimThreshold");
#if defined(__GLIBC__)
  if (mmap_threshold > INT32_MAX || trim_threshold > INT32_MAX)
    throw_range_error(info.Env(), "tuneMalloc: thresholds must be < 2^31");
  const bool ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold)) == 1 &&
                  mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold)) == 1;
  return Napi::Boolean::New(info.Env(), ok);
#else
  (void)mmap_threshold;
  (void)trim_threshold;
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

void register_info(Napi::Env env, Napi::Object exports) {
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeaturesJs, "cpuFeatures"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("useBlas", Napi::Function::New(env, UseBlas, "useBlas"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("setElementwiseThreshold", Napi::Function::New(env, SetElementwiseThreshold, "setElementwiseThreshold"));
  exports.Set("tuneMalloc", Napi::Function::New(env, TuneMalloc, "tuneMalloc"));
  exports.Set("getElementwiseThreshold", Napi::Function::New(env, GetElementwiseThreshold, "getElementwiseThreshold"));
}

}  // namespace nabla
