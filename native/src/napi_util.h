// Argument parsing and validation shared by the binding files. Every check
// that protects memory (lengths, offsets, leading dimensions) happens here,
// before any kernel touches a pointer.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace nabla {

enum class DType { kFloat32, kFloat64 };

// A Float32Array/Float64Array argument: pointer to its first element (the
// ArrayBuffer's memory plus byteOffset; no copy) and length in elements.
struct FloatArray {
  DType dtype = DType::kFloat32;
  void* data = nullptr;
  int64_t length = 0;
  template <typename T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

struct Int32Array {
  int32_t* data = nullptr;
  int64_t length = 0;
};

struct Uint32Array {
  uint32_t* data = nullptr;
  int64_t length = 0;
};

[[noreturn]] void throw_type_error(Napi::Env env, const std::string& msg);
[[noreturn]] void throw_range_error(Napi::Env env, const std::string& msg);

FloatArray get_float_array(const Napi::CallbackInfo& info, size_t i, const char* name);
Int32Array get_int32_array(const Napi::CallbackInfo& info, size_t i, const char* name);
Uint32Array get_uint32_array(const Napi::CallbackInfo& info, size_t i, const char* name);
bool is_undefined_or_null(const Napi::CallbackInfo& info, size_t i);

// A non-negative integer-valued number (<= 2^53).
int64_t get_index(const Napi::CallbackInfo& info, size_t i, const char* name);
double get_number(const Napi::CallbackInfo& info, size_t i, const char* name);
bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string get_string(const Napi::CallbackInfo& info, size_t i, const char* name);

// Integer property of an options object (default when absent).
int64_t get_index_prop(Napi::Env env, const Napi::Object& obj, const char* key, int64_t def, int64_t min);

// All arrays must share `first`'s dtype.
void require_same_dtype(Napi::Env env, const FloatArray& first, const FloatArray& other, const char* name);

// Requires length >= offset + needed (overflow-safe).
void require_extent(Napi::Env env, const char* name, int64_t length, int64_t offset, int64_t needed);

// Number of elements spanned by a rows x cols row-major matrix with leading
// dimension ld (0 when empty, whatever ld is); checks ld >= cols and overflow.
int64_t matrix_span(Napi::Env env, const char* name, int64_t rows, int64_t cols, int64_t ld);

// checked a * b and a + b (throws RangeError on overflow past 2^62).
int64_t checked_mul(Napi::Env env, int64_t a, int64_t b);
int64_t checked_add(Napi::Env env, int64_t a, int64_t b);

// True when the element ranges [a0, a1) and [b0, b1) of two arrays share memory.
bool memory_overlaps(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes);

}  // namespace nabla
