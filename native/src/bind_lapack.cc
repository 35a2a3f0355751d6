// LAPACK bindings. Each returns LAPACK's info code, or null when no LAPACK
// library is loaded (the TypeScript side then uses its own implementation).
#include <climits>

#include "bindings.h"
#include "lapack.h"
#include "napi_util.h"

namespace nabla {
namespace {

int get_dim(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const int64_t v = get_index(info, i, name);
  if (v > INT_MAX) throw_range_error(info.Env(), std::string(name) + " exceeds the LAPACK integer range");
  return static_cast<int>(v);
}

void require_len(Napi::Env env, const char* name, int64_t have, int64_t need) {
  require_extent(env, name, have, 0, need);
}

int64_t bytes(const FloatArray& a) { return a.length * (a.dtype == DType::kFloat32 ? 4 : 8); }

void require_disjoint(Napi::Env env, std::initializer_list<std::pair<const char*, FloatArray>> arrays) {
  for (auto i = arrays.begin(); i != arrays.end(); ++i)
    for (auto j = i + 1; j != arrays.end(); ++j)
      if (memory_overlaps(i->second.data, bytes(i->second), j->second.data, bytes(j->second)))
        throw_range_error(env, std::string(i->first) + " and " + j->first + " must not share memory");
}

Napi::Value result(Napi::Env env, int info) {
  if (info == kLapackUnavailable) return env.Null();
  return Napi::Number::New(env, info);
}

Napi::Value Available(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), lapack_available<double>() && lapack_available<float>());
}

Napi::Value Potrf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray a = get_float_array(info, 0, "A");
  const int n = get_dim(info, 1, "n");
  require_len(env, "A", a.length, checked_mul(env, n, n));
  return result(env, a.dtype == DType::kFloat32 ? lapack_potrf(a.as<float>(), n) : lapack_potrf(a.as<double>(), n));
}

Napi::Value Getrf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray a = get_float_array(info, 0, "A");
  const int m = get_dim(info, 1, "m"), n = get_dim(info, 2, "n");
  Int32Array ipiv = get_int32_array(info, 3, "ipiv");
  require_len(env, "A", a.length, checked_mul(env, m, n));
  require_len(env, "ipiv", ipiv.length, m < n ? m : n);
  return result(env, a.dtype == DType::kFloat32 ? lapack_getrf(a.as<float>(), m, n, ipiv.data)
                                                : lapack_getrf(a.as<double>(), m, n, ipiv.data));
}

Napi::Value Gesv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray a = get_float_array(info, 0, "A");
  FloatArray b = get_float_array(info, 1, "B");
  const int n = get_dim(info, 2, "n"), nrhs = get_dim(info, 3, "nrhs");
  int32_t* piv = nullptr;
  if (!is_undefined_or_null(info, 4)) {
    Int32Array ipiv = get_int32_array(info, 4, "ipiv");
    require_len(env, "ipiv", ipiv.length, n);
    piv = ipiv.data;
  }
  require_same_dtype(env, a, b, "B");
  require_len(env, "A", a.length, checked_mul(env, n, n));
  require_len(env, "B", b.length, checked_mul(env, n, nrhs));
  require_disjoint(env, {{"A", a}, {"B", b}});
  return result(env, a.dtype == DType::kFloat32 ? lapack_gesv(a.as<float>(), b.as<float>(), n, nrhs, piv)
                                                : lapack_gesv(a.as<double>(), b.as<double>(), n, nrhs, piv));
}

Napi::Value Syevd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray a = get_float_array(info, 0, "A");
  const int n = get_dim(info, 1, "n");
  FloatArray w = get_float_array(info, 2, "w");
  require_same_dtype(env, a, w, "w");
  require_len(env, "A", a.length, checked_mul(env, n, n));
  require_len(env, "w", w.length, n);
  require_disjoint(env, {{"A", a}, {"w", w}});
  return result(env, a.dtype == DType::kFloat32 ? lapack_syevd(a.as<float>(), n, w.as<float>())
                                                : lapack_syevd(a.as<double>(), n, w.as<double>()));
}

Napi::Value Gesdd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray a = get_float_array(info, 0, "A");
  const int m = get_dim(info, 1, "m"), n = get_dim(info, 2, "n");
  FloatArray s = get_float_array(info, 3, "s");
  FloatArray u = get_float_array(info, 4, "U");
  FloatArray vt = get_float_array(info, 5, "Vt");
  const int k = m < n ? m : n;
  require_same_dtype(env, a, s, "s");
  require_same_dtype(env, a, u, "U");
  require_same_dtype(env, a, vt, "Vt");
  require_len(env, "A", a.length, checked_mul(env, m, n));
  require_len(env, "s", s.length, k);
  require_len(env, "U", u.length, checked_mul(env, m, k));
  require_len(env, "Vt", vt.length, checked_mul(env, k, n));
  require_disjoint(env, {{"A", a}, {"s", s}, {"U", u}, {"Vt", vt}});
  return result(env, a.dtype == DType::kFloat32
                         ? lapack_gesdd(a.as<float>(), m, n, s.as<float>(), u.as<float>(), vt.as<float>())
                         : lapack_gesdd(a.as<double>(), m, n, s.as<double>(), u.as<double>(), vt.as<double>()));
}

Napi::Value Qr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray a = get_float_array(info, 0, "A");
  const int m = get_dim(info, 1, "m"), n = get_dim(info, 2, "n");
  FloatArray q = get_float_array(info, 3, "Q");
  FloatArray r = get_float_array(info, 4, "R");
  const int k = m < n ? m : n;
  require_same_dtype(env, a, q, "Q");
  require_same_dtype(env, a, r, "R");
  require_len(env, "A", a.length, checked_mul(env, m, n));
  require_len(env, "Q", q.length, checked_mul(env, m, k));
  require_len(env, "R", r.length, checked_mul(env, k, n));
  require_disjoint(env, {{"A", a}, {"Q", q}, {"R", r}});
  return result(env, a.dtype == DType::kFloat32 ? lapack_qr(a.as<float>(), m, n, q.as<float>(), r.as<float>())
                                                : lapack_qr(a.as<double>(), m, n, q.as<double>(), r.as<double>()));
}

}  // namespace

void register_lapack(Napi::Env env, Napi::Object exports) {
  exports.Set("lapackAvailable", Napi::Function::New(env, Available, "lapackAvailable"));
  exports.Set("potrf", Napi::Function::New(env, Potrf, "potrf"));
  exports.Set("getrf", Napi::Function::New(env, Getrf, "getrf"));
  exports.Set("gesv", Napi::Function::New(env, Gesv, "gesv"));
  exports.Set("syevd", Napi::Function::New(env, Syevd, "syevd"));
  exports.Set("gesdd", Napi::Function::New(env, Gesdd, "gesdd"));
  exports.Set("qr", Napi::Function::New(env, Qr, "qr"));
}

}  // namespace nabla
