// Module entry point of nabla_native.node.
#include <napi.h>

#include "bindings.h"

namespace {

// Bumped whenever the JS-visible interface changes, so src/backend/native/addon.ts
// can refuse a stale build instead of calling functions with the wrong shape.
constexpr int kAbiVersion = 8;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  // The slab pool (bind_memory.cc) uses V8's C++ API: the loader checks this against the running Node.
  exports.Set("nodeModuleVersion", Napi::Number::New(env, NABLA_NODE_MODULE_VERSION));
  nabla::register_info(env, exports);
  nabla::register_gemm(env, exports);
  nabla::register_lapack(env, exports);
  nabla::register_elementwise(env, exports);
  nabla::register_conv(env, exports);
  nabla::register_copy(env, exports);
  nabla::register_memory(env, exports);
  nabla::register_random(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nabla_native, Init)
