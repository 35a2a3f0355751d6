// allocBuffer / poolStats / setPoolCap: ArrayBuffers backed by the block pool.
//
// N-API's external ArrayBuffers run their finaliser from the event loop, which a
// synchronous training loop never reaches, so blocks would not come back until it
// yields. This binding uses V8's BackingStore directly: its deleter runs when V8
// sweeps the dead buffer, inside the garbage collection itself.
#include <v8.h>

#include <cstring>
#include <memory>

#include "bindings.h"
#include "buffer_pool.h"
#include "napi_util.h"

namespace nabla {
namespace {

void ReleaseBlock(void* data, size_t /*length*/, void* deleter_data) {
  pool_release(data, reinterpret_cast<size_t>(deleter_data));
}

// napi_value is a V8 handle's slot in Node's implementation (v8impl::JsValueFromV8LocalValue).
napi_value to_napi(v8::Local<v8::Value> v) { return reinterpret_cast<napi_value>(*v); }

// Checks that conversion once, on a value we can read back through N-API.
bool handles_compatible(Napi::Env env) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (!isolate) return false;
  v8::Local<v8::Value> probe = v8::Number::New(isolate, 1234.5);
  double back = 0;
  return napi_get_value_double(env, to_napi(probe), &back) == napi_ok && back == 1234.5;
}

Napi::Value AllocBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t bytes = get_index(info, 0, "bytes");
  static const bool ok = handles_compatible(env);
  if (!ok) return env.Null();  // the caller falls back to new ArrayBuffer
  size_t block_size = 0;
  void* block = pool_acquire(static_cast<size_t>(bytes), &block_size);
  if (!block) throw_range_error(env, "allocBuffer: out of memory for " + std::to_string(bytes) + " bytes");
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      block, static_cast<size_t>(bytes), ReleaseBlock, reinterpret_cast<void*>(block_size));
  v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(isolate, std::move(store));
  return Napi::Value(env, to_napi(ab));
}

Napi::Value PoolStatsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PoolStats s = pool_stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("hits", Napi::Number::New(env, static_cast<double>(s.hits)));
  o.Set("misses", Napi::Number::New(env, static_cast<double>(s.misses)));
  o.Set("pooledBytes", Napi::Number::New(env, static_cast<double>(s.pooled_bytes)));
  o.Set("capBytes", Napi::Number::New(env, static_cast<double>(s.cap_bytes)));
  o.Set("liveBlocks", Napi::Number::New(env, static_cast<double>(s.live_blocks)));
  return o;
}

Napi::Value SetPoolCap(const Napi::CallbackInfo& info) {
  pool_set_cap(static_cast<uint64_t>(get_index(info, 0, "bytes")));
  return info.Env().Undefined();
}

}  // namespace

void register_pool(Napi::Env env, Napi::Object exports) {
  exports.Set("allocBuffer", Napi::Function::New(env, AllocBuffer, "allocBuffer"));
  exports.Set("poolStats", Napi::Function::New(env, PoolStatsJs, "poolStats"));
  exports.Set("setPoolCap", Napi::Function::New(env, SetPoolCap, "setPoolCap"));
}

}  // namespace nabla
