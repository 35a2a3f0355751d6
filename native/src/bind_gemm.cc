// gemm / gemmBatched bindings: validate everything, then call the kernels on
// the typed arrays' own memory.
#include "bindings.h"
#include "gemm.h"
#include "napi_util.h"

namespace nabla {
namespace {

struct GemmArgs {
  bool ta, tb;
  int64_t m, n, k;
  double alpha, beta;
  FloatArray a, b, c;
  int64_t a_off, lda, b_off, ldb, c_off, ldc;
  int64_t batch = 1, sa = 0, sb = 0, sc = 0;
};

GemmArgs parse(const Napi::CallbackInfo& info, bool batched) {
  Napi::Env env = info.Env();
  if (info.Length() < (batched ? 20u : 16u))
    throw_type_error(env, batched ? "gemmBatched expects 20 arguments" : "gemm expects 16 arguments");
  GemmArgs g;
  g.ta = get_bool(info, 0, "transA");
  g.tb = get_bool(info, 1, "transB");
  g.m = get_index(info, 2, "M");
  g.n = get_index(info, 3, "N");
  g.k = get_index(info, 4, "K");
  g.alpha = get_number(info, 5, "alpha");
  g.a = get_float_array(info, 6, "A");
  g.a_off = get_index(info, 7, "aOffset");
  g.lda = get_index(info, 8, "lda");
  g.b = get_float_array(info, 9, "B");
  g.b_off = get_index(info, 10, "bOffset");
  g.ldb = get_index(info, 11, "ldb");
  g.beta = get_number(info, 12, "beta");
  g.c = get_float_array(info, 13, "C");
  g.c_off = get_index(info, 14, "cOffset");
  g.ldc = get_index(info, 15, "ldc");
  if (batched) {
    g.batch = get_index(info, 16, "batch");
    g.sa = get_index(info, 17, "strideA");
    g.sb = get_index(info, 18, "strideB");
    g.sc = get_index(info, 19, "strideC");
  }
  require_same_dtype(env, g.a, g.b, "B");
  require_same_dtype(env, g.a, g.c, "C");

  // Stored shapes: op(A) is m x k, so A is k x m when transposed.
  const int64_t span_a = matrix_span(env, "A", g.ta ? g.k : g.m, g.ta ? g.m : g.k, g.lda);
  const int64_t span_b = matrix_span(env, "B", g.tb ? g.n : g.k, g.tb ? g.k : g.n, g.ldb);
  const int64_t span_c = matrix_span(env, "C", g.m, g.n, g.ldc);
  if (g.batch == 0 || g.m == 0 || g.n == 0) return g;
  const int64_t last = g.batch - 1;
  const int64_t ext_a = span_a == 0 ? 0 : checked_add(env, checked_mul(env, last, g.sa), span_a);
  const int64_t ext_b = span_b == 0 ? 0 : checked_add(env, checked_mul(env, last, g.sb), span_b);
  const int64_t ext_c = checked_add(env, checked_mul(env, last, g.sc), span_c);
  require_extent(env, "A", g.a.length, g.a_off, ext_a);
  require_extent(env, "B", g.b.length, g.b_off, ext_b);
  require_extent(env, "C", g.c.length, g.c_off, ext_c);
  // C is written while A and B are read: overlapping spans would give
  // results that depend on the blocking order.
  const int64_t es = g.c.dtype == DType::kFloat32 ? 4 : 8;
  const char* cb = static_cast<const char*>(g.c.data) + g.c_off * es;
  if (memory_overlaps(cb, ext_c * es, static_cast<const char*>(g.a.data) + g.a_off * es, ext_a * es) ||
      memory_overlaps(cb, ext_c * es, static_cast<const char*>(g.b.data) + g.b_off * es, ext_b * es))
    throw_range_error(env, "C must not overlap A or B");
  return g;
}

template <typename T>
void run(const GemmArgs& g, bool batched) {
  const T* a = g.a.as<T>() + g.a_off;
  const T* b = g.b.as<T>() + g.b_off;
  T* c = g.c.as<T>() + g.c_off;
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  if (!batched) {
    gemm<T>(g.ta, g.tb, g.m, g.n, g.k, alpha, a, g.lda, b, g.ldb, beta, c, g.ldc);
  } else {
    gemm_batched<T>(g.ta, g.tb, g.m, g.n, g.k, alpha, a, g.lda, b, g.ldb, beta, c, g.ldc, g.batch, g.sa, g.sb,
                    g.sc);
  }
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  GemmArgs g = parse(info, false);
  if (g.c.dtype == DType::kFloat32) {
    run<float>(g, false);
  } else {
    run<double>(g, false);
  }
  return info.Env().Undefined();
}

Napi::Value GemmBatched(const Napi::CallbackInfo& info) {
  GemmArgs g = parse(info, true);
  if (g.c.dtype == DType::kFloat32) {
    run<float>(g, true);
  } else {
    run<double>(g, true);
  }
  return info.Env().Undefined();
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("setSmallGemm", Napi::Function::New(
                                  env,
                                  [](const Napi::CallbackInfo& info) -> Napi::Value {
                                    const bool prev = gemm_small_enabled();
                                    gemm_set_small_enabled(get_bool(info, 0, "enabled"));
                                    return Napi::Boolean::New(info.Env(), prev);
                                  },
                                  "setSmallGemm"));
  exports.Set("gemmBatched", Napi::Function::New(env, GemmBatched, "gemmBatched"));
}

}  // namespace nabla
