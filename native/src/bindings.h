// Each bind_*.cc file adds its functions to the module's exports.
#pragma once

#include <napi.h>

namespace nabla {

void register_info(Napi::Env env, Napi::Object exports);
void register_gemm(Napi::Env env, Napi::Object exports);
void register_lapack(Napi::Env env, Napi::Object exports);
void register_elementwise(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_copy(Napi::Env env, Napi::Object exports);
void register_memory(Napi::Env env, Napi::Object exports);
void register_random(Napi::Env env, Napi::Object exports);

}  // namespace nabla
