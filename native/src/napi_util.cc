#include "napi_util.h"

#include <v8.h>

#include <cmath>
#include <cstring>

namespace nabla {
namespace {
constexpr int64_t kMaxIndex = int64_t{1} << 53;
constexpr int64_t kOverflow = int64_t{1} << 62;
}  // namespace

void throw_type_error(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, "nabla_native: " + msg);
}

void throw_range_error(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, "nabla_native: " + msg);
}

// The argument getters below read values through V8's API rather than Node-API: a Node-API
// napi_get_typedarray_info costs ~60 ns (type dispatch, handle scopes), which was two thirds of
// a small kernel call (3 arrays: 0.21 us against 0.09 us this way). Node-API values are V8
// locals; the addon already depends on Node's V8 ABI (see bind_memory.cc and the loader's check).
static v8::Local<v8::Value> arg(const Napi::CallbackInfo& info, size_t i) {
  napi_value v = info[i];
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(v), "a Node-API value is a V8 local");
  std::memcpy(static_cast<void*>(&local), &v, sizeof(v));
  return local;
}

FloatArray get_float_array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  v8::Local<v8::Value> v = arg(info, i);
  FloatArray a;
  if (v->IsFloat32Array()) {
    a.dtype = DType::kFloat32;
  } else if (v->IsFloat64Array()) {
    a.dtype = DType::kFloat64;
  } else {
    throw_type_error(info.Env(), std::string(name) + " must be a Float32Array or Float64Array");
  }
  v8::Local<v8::TypedArray> ta = v.As<v8::TypedArray>();
  void* base = ta->Buffer()->Data();
  // Detached buffers read as empty.
  a.data = base == nullptr ? nullptr : static_cast<char*>(base) + ta->ByteOffset();
  a.length = base == nullptr ? 0 : static_cast<int64_t>(ta->Length());
  return a;
}

// Pointer and length of a typed-array argument of one element type (detached buffers read as empty).
template <typename Out, typename V8Array>
Out get_typed(const Napi::CallbackInfo& info, size_t i, const char* name, bool ok, const char* what) {
  v8::Local<v8::Value> v = arg(info, i);
  if (!ok) throw_type_error(info.Env(), std::string(name) + " must be " + what);
  v8::Local<V8Array> ta = v.As<V8Array>();
  void* base = ta->Buffer()->Data();
  Out a;
  a.data = base == nullptr ? nullptr : reinterpret_cast<decltype(a.data)>(static_cast<char*>(base) + ta->ByteOffset());
  a.length = base == nullptr ? 0 : static_cast<int64_t>(ta->Length());
  return a;
}

Int32Array get_int32_array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return get_typed<Int32Array, v8::Int32Array>(info, i, name, arg(info, i)->IsInt32Array(), "an Int32Array");
}

Uint32Array get_uint32_array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return get_typed<Uint32Array, v8::Uint32Array>(info, i, name, arg(info, i)->IsUint32Array(), "a Uint32Array");
}

bool is_undefined_or_null(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || arg(info, i)->IsNullOrUndefined();
}

double get_number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  v8::Local<v8::Value> v = i < info.Length() ? arg(info, i) : v8::Local<v8::Value>();
  if (v.IsEmpty() || !v->IsNumber()) throw_type_error(info.Env(), std::string(name) + " must be a number");
  return v.As<v8::Number>()->Value();
}

int64_t get_index(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = get_number(info, i, name);
  if (!(d >= 0) || d > static_cast<double>(kMaxIndex) || std::floor(d) != d)
    throw_range_error(info.Env(), std::string(name) + " must be a non-negative integer");
  return static_cast<int64_t>(d);
}

bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  v8::Local<v8::Value> v = i < info.Length() ? arg(info, i) : v8::Local<v8::Value>();
  if (v.IsEmpty() || !v->IsBoolean()) throw_type_error(info.Env(), std::string(name) + " must be a boolean");
  return v.As<v8::Boolean>()->Value();
}

std::string get_string(const Napi::CallbackInfo& info, size_t i, const char* name) {
  v8::Local<v8::Value> v = i < info.Length() ? arg(info, i) : v8::Local<v8::Value>();
  if (v.IsEmpty() || !v->IsString()) throw_type_error(info.Env(), std::string(name) + " must be a string");
  v8::Local<v8::String> str = v.As<v8::String>();
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::string out(static_cast<size_t>(str->Utf8Length(isolate)), '\0');  // op names fit the SSO buffer
  str->WriteUtf8(isolate, out.data(), static_cast<int>(out.size()), nullptr, v8::String::NO_NULL_TERMINATION);
  return out;
}

int64_t get_index_prop(Napi::Env env, const Napi::Object& obj, const char* key, int64_t def, int64_t min) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber()) throw_type_error(env, std::string(key) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(min)) || d > static_cast<double>(kMaxIndex) || std::floor(d) != d)
    throw_range_error(env, std::string(key) + " must be an integer >= " + std::to_string(min));
  return static_cast<int64_t>(d);
}

void require_same_dtype(Napi::Env env, const FloatArray& first, const FloatArray& other, const char* name) {
  if (first.dtype != other.dtype) throw_type_error(env, std::string(name) + " must have the same dtype as the other arrays");
}

int64_t checked_mul(Napi::Env env, int64_t a, int64_t b) {
  if (a != 0 && b > kOverflow / a) throw_range_error(env, "size overflow");
  return a * b;
}

int64_t checked_add(Napi::Env env, int64_t a, int64_t b) {
  if (a > kOverflow - b) throw_range_error(env, "size overflow");
  return a + b;
}

void require_extent(Napi::Env env, const char* name, int64_t length, int64_t offset, int64_t needed) {
  if (checked_add(env, offset, needed) > length)
    throw_range_error(env, std::string(name) + " is too short: needs " + std::to_string(offset + needed) +
                               " elements, has " + std::to_string(length));
}

int64_t matrix_span(Napi::Env env, const char* name, int64_t rows, int64_t cols, int64_t ld) {
  if (rows == 0 || cols == 0) return 0;  // never dereferenced; any ld is fine
  if (ld < cols)
    throw_range_error(env, std::string("leading dimension of ") + name + " (" + std::to_string(ld) +
                               ") must be >= " + std::to_string(cols));
  return checked_add(env, checked_mul(env, rows - 1, ld), cols);
}

bool memory_overlaps(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
  if (a_bytes <= 0 || b_bytes <= 0) return false;
  auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
  return pa < pb + static_cast<uintptr_t>(b_bytes) && pb < pa + static_cast<uintptr_t>(a_bytes);
}

}  // namespace nabla
