// copyStrided(src, offset, shape, strides, out): gathers a strided view into a
// contiguous array of the same element type (permute/transpose materialisation).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "bindings.h"
#include "napi_util.h"
#include "thread_pool.h"

namespace nabla {
namespace {

struct RawArray {
  napi_typedarray_type type;
  char* data = nullptr;
  int64_t length = 0;
};

RawArray get_raw_array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  bool is_ta = false;
  if (napi_is_typedarray(env, info[i], &is_ta) != napi_ok || !is_ta)
    throw_type_error(env, std::string(name) + " must be a typed array");
  RawArray a;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, info[i], &a.type, &length, &data, nullptr, nullptr) != napi_ok)
    throw_type_error(env, std::string(name) + ": cannot read typed array");
  a.data = static_cast<char*>(data);
  a.length = data == nullptr ? 0 : static_cast<int64_t>(length);
  return a;
}

int element_size(napi_typedarray_type t) {
  switch (t) {
    case napi_float64_array:
      return 8;
    case napi_float32_array:
    case napi_int32_array:
      return 4;
    case napi_uint8_array:
      return 1;
    default:
      return 0;
  }
}

std::vector<int64_t> get_int_list(const Napi::CallbackInfo& info, size_t i, const char* name, bool allow_negative) {
  Napi::Env env = info.Env();
  if (!info[i].IsArray()) throw_type_error(env, std::string(name) + " must be an array of integers");
  Napi::Array arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) throw_type_error(env, std::string(name) + " must be an array of integers");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d)) || (!allow_negative && d < 0) || d > 9e15 || d < -9e15)
      throw_range_error(env, std::string(name) + " must hold integers" + (allow_negative ? "" : " >= 0"));
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

template <int B>
void copy_inner(char* dst, const char* src, int64_t n, int64_t stride_bytes) {
  for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * B, src + i * stride_bytes, B);
}

Napi::Value CopyStrided(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RawArray src = get_raw_array(info, 0, "src");
  const int64_t offset = get_index(info, 1, "offset");
  std::vector<int64_t> shape = get_int_list(info, 2, "shape", false);
  std::vector<int64_t> strides = get_int_list(info, 3, "strides", true);
  RawArray out = get_raw_array(info, 4, "out");
  if (src.type != out.type) throw_type_error(env, "copyStrided: src and out must have the same element type");
  const int es = element_size(src.type);
  if (es == 0) throw_type_error(env, "copyStrided: unsupported element type");
  if (shape.size() != strides.size()) throw_range_error(env, "copyStrided: shape and strides differ in length");
  // Extent check: every reachable element lies inside src, and out holds them all.
  int64_t n = 1, lo = offset, hi = offset;
  for (size_t d = 0; d < shape.size(); ++d) {
    n = checked_mul(env, n, shape[d]);
    if (shape[d] == 0) continue;
    const int64_t span = checked_mul(env, shape[d] - 1, strides[d] < 0 ? -strides[d] : strides[d]);
    if (strides[d] < 0) lo -= span; else hi = checked_add(env, hi, span);
  }
  if (n == 0) return env.Undefined();
  if (lo < 0 || hi >= src.length) throw_range_error(env, "copyStrided: the view reaches outside src");
  require_extent(env, "out", out.length, 0, n);
  if (memory_overlaps(src.data, src.length * es, out.data, n * es))
    throw_range_error(env, "copyStrided: out must not overlap src");
  // Drop size-1 dims and merge dims that are contiguous with their inner neighbour.
  std::vector<int64_t> sh, st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!sh.empty() && st.back() == strides[d] * shape[d]) {
      sh.back() *= shape[d];
      st.back() = strides[d];
    } else {
      sh.push_back(shape[d]);
      st.push_back(strides[d]);
    }
  }
  if (sh.empty()) {
    sh.push_back(1);
    st.push_back(1);
  }
  const size_t r = sh.size();
  const int64_t inner = sh[r - 1], inner_stride = st[r - 1] * es;
  const char* base = src.data + offset * es;
  const int64_t rows = n / inner;
  // Rows [row0, row1): the odometer starts from row0's multi-index.
  auto copy_rows = [&](int64_t row0, int64_t row1) {
    std::vector<int64_t> idx(r, 0);
    for (int64_t rem = row0, d = static_cast<int64_t>(r) - 2; d >= 0; --d) {
      idx[d] = rem % sh[d];
      rem /= sh[d];
    }
    char* dst = out.data + row0 * inner * es;
    for (int64_t row = row0; row < row1; ++row) {
      int64_t off = 0;
      for (size_t d = 0; d + 1 < r; ++d) off += idx[d] * st[d];
      const char* s = base + off * es;
      if (inner_stride == es) {
        std::memcpy(dst, s, static_cast<size_t>(inner * es));
      } else if (es == 4) {
        copy_inner<4>(dst, s, inner, inner_stride);
      } else if (es == 8) {
        copy_inner<8>(dst, s, inner, inner_stride);
      } else {
        copy_inner<1>(dst, s, inner, inner_stride);
      }
      dst += inner * es;
      for (size_t d = r - 1; d-- > 0;) {  // odometer over the outer dims
        if (++idx[d] < sh[d]) break;
        idx[d] = 0;
      }
    }
  };
  // Large gathers (attention heads: 1-2 MiB) are split over the pool: one thread's copy of scattered
  // rows runs well below memory bandwidth.
  constexpr int64_t kParallelBytes = int64_t{1} << 18;
  const int64_t tasks = std::min<int64_t>(rows, std::max<int64_t>(1, n * es / kParallelBytes));
  if (tasks <= 1 || pool_num_threads() <= 1) {
    copy_rows(0, rows);
  } else {
    const int64_t per = (rows + tasks - 1) / tasks;
    parallel_for(tasks, [&](int64_t t) { copy_rows(t * per, std::min(rows, (t + 1) * per)); });
  }
  return env.Undefined();
}

}  // namespace

void register_copy(Napi::Env env, Napi::Object exports) {
  exports.Set("copyStrided", Napi::Function::New(env, CopyStrided, "copyStrided"));
}

}  // namespace nabla
