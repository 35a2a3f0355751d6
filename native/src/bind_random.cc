// philox(k0, k1, offset, domain, out): Philox4x32-10 words, bit-identical to src/random/philox.ts
// (block b of the stream uses the counter (offset + b, (offset + b) / 2^32, 0, domain)).
#include <cstdint>

#include "bindings.h"
#include "napi_util.h"

namespace nabla {
namespace {

constexpr uint32_t kM0 = 0xd2511f53, kM1 = 0xcd9e8d57, kW0 = 0x9e3779b9, kW1 = 0xbb67ae85;

void philox_block(uint32_t k0, uint32_t k1, uint32_t c[4]) {
  for (int r = 0; r < 10; ++r) {
    const uint64_t p0 = uint64_t{kM0} * c[0], p1 = uint64_t{kM1} * c[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c[0] = hi1 ^ c[1] ^ k0;
    c[1] = lo1;
    c[2] = hi0 ^ c[3] ^ k1;
    c[3] = lo0;
    k0 += kW0;
    k1 += kW1;
  }
}

double get_u32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const double d = get_number(info, i, name);
  if (!(d >= 0) || d > 4294967295.0 || d != static_cast<double>(static_cast<uint32_t>(d)))
    throw_range_error(info.Env(), std::string(name) + " must be a uint32");
  return d;
}

Napi::Value Philox(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t k0 = static_cast<uint32_t>(get_u32(info, 0, "k0"));
  const uint32_t k1 = static_cast<uint32_t>(get_u32(info, 1, "k1"));
  const int64_t offset = get_index(info, 2, "offset");
  const uint32_t domain = static_cast<uint32_t>(get_u32(info, 3, "domain"));
  Uint32Array out = get_uint32_array(info, 4, "out");
  const int64_t n = out.length;
  for (int64_t b = 0; 4 * b < n; ++b) {
    const uint64_t ctr = static_cast<uint64_t>(offset + b);
    uint32_t c[4] = {static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32), 0, domain};
    philox_block(k0, k1, c);
    for (int j = 0; j < 4 && 4 * b + j < n; ++j) out.data[4 * b + j] = c[j];
  }
  return env.Undefined();
}

}  // namespace

void register_random(Napi::Env env, Napi::Object exports) {
  exports.Set("philox", Napi::Function::New(env, Philox, "philox"));
}

}  // namespace nabla
