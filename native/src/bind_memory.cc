// Slab memory for small typed arrays, recycled when V8 collects the slab's ArrayBuffer.
//
// Why (docs/backend.md "Memory"): every ArrayBuffer that V8 allocates itself counts towards
// "external memory", and once 32 MiB of such buffers are young V8 forces a scavenge on the next
// allocation. A neural-ODE step allocates ~100 MiB of small outputs, so it paid 3-4 forced
// scavenges (~7 ms each on the development VM), and every fresh buffer came from newly faulted
// or cache-cold heap memory. The slabs handed out here are external memory with an empty
// deleter, which V8 does not account, so GC is paced by the JS heap alone; a weak handle on each
// slab's ArrayBuffer returns its block to a free list when the buffer is collected, so memory is
// reused while resident.
//
// Safety: typed arrays (and subarray views) hold their ArrayBuffer, so the buffer dies only
// when no view of the block is reachable. The pool also keeps a reference to each slab's
// BackingStore and reuses the block only once it holds the last one: a buffer transferred to a
// worker (postMessage, structuredClone) moves its BackingStore along, and the block stays out of
// the pool until the receiving side has dropped it too.
// Blocks in use are capped (slabPool(limit)); beyond the cap `slab` returns null and the caller
// allocates an ordinary (accounted) ArrayBuffer, which brings V8's own GC pacing back.
#include <v8.h>

#include <cstdlib>
#include <mutex>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "bindings.h"
#include "napi_util.h"

namespace nabla {
namespace {

constexpr int kMinClass = 12;  // 4 KiB
constexpr int kMaxClass = 20;  // 1 MiB
constexpr size_t kAlign = 64;

struct Slab;

struct Pool {
  std::mutex mu;
  std::vector<Slab*> collected;  // buffers collected, blocks not yet known to be free
  std::vector<void*> free_blocks[kMaxClass + 1];
  size_t in_use = 0;   // bytes in blocks owned by live (or not yet collected) ArrayBuffers
  size_t cached = 0;   // bytes on the free lists
  size_t limit = size_t{64} << 20;  // set by the loader (useSlabPool)
  double hits = 0, misses = 0, refusals = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: weak callbacks may run during teardown
  return *p;
}

// Fresh blocks are mapped 4 MiB at a time with MAP_POPULATE: the kernel then fills the pages in
// one call, where touching a fresh malloc'd block faulted each 4 KiB page in separately (1-12 us
// per fault on the development VM, so a 128 KiB slab cost up to ~0.4 ms to first use). Blocks
// carved from an arena are returned with munmap (page-aligned sizes); elsewhere the C heap is used.
constexpr size_t kArenaBytes = size_t{4} << 20;

struct Arena {
  char* next = nullptr;
  size_t left = 0;
};

// Caller holds p.mu.
void* map_block(size_t bytes) {
#if defined(__linux__)
  static Arena arenas[kMaxClass + 1];
  int cls = 0;
  while ((size_t{1} << cls) < bytes) ++cls;
  Arena& a = arenas[cls];
  if (a.left < bytes) {
    const size_t size = bytes > kArenaBytes ? bytes : kArenaBytes;
    void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    a.next = static_cast<char*>(m);
    a.left = size;
  }
  void* block = a.next;
  a.next += bytes;
  a.left -= bytes;
  return block;
#else
  return std::aligned_alloc(kAlign, bytes);
#endif
}

void unmap_block(void* data, size_t bytes) {
#if defined(__linux__)
  munmap(data, bytes);
#else
  std::free(data);
#endif
}

struct Slab {
  v8::Global<v8::ArrayBuffer> handle;
  std::shared_ptr<v8::BackingStore> store;
  void* data;
  int cls;
};

// Caller holds p.mu.
void release_block(Pool& p, void* data, int cls) {
  const size_t bytes = size_t{1} << cls;
  p.in_use -= bytes;
  // Keep at most `limit` bytes cached; the rest goes back to the C heap.
  if (p.cached + bytes <= p.limit) {
    p.free_blocks[cls].push_back(data);
    p.cached += bytes;
  } else {
    unmap_block(data, bytes);
  }
}

// First-pass weak callback (runs in the GC pause): no V8 calls but Reset.
void on_collected(const v8::WeakCallbackInfo<Slab>& info) {
  Slab* s = info.GetParameter();
  s->handle.Reset();
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  p.collected.push_back(s);
}

// Returns to the free lists the collected slabs whose BackingStore only the pool still holds
// (V8 drops its reference when it sweeps the dead buffer, normally in the same GC pause). Looks
// at no more than `budget` entries, so a slab held by another thread cannot make this slow.
// Caller holds p.mu.
void reclaim(Pool& p, size_t budget) {
  auto& list = p.collected;
  size_t i = list.size();
  while (i > 0 && budget > 0) {
    --i;
    --budget;
    Slab* s = list[i];
    if (s->store.use_count() != 1) continue;
    s->store.reset();
    release_block(p, s->data, s->cls);
    delete s;
    list[i] = list.back();
    list.pop_back();
  }
}

// slab(bytes): an ArrayBuffer of exactly `bytes` (a power of two, 4 KiB - 1 MiB) whose contents
// are unspecified, or null when the pool is at its limit.
Napi::Value SlabJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t bytes = get_index(info, 0, "bytes");
  int cls = kMinClass;
  while (cls <= kMaxClass && (int64_t{1} << cls) != bytes) ++cls;
  if (cls > kMaxClass) throw_range_error(env, "slab: bytes must be a power of two from 4 KiB to 1 MiB");
  void* data = nullptr;
  {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mu);
    reclaim(p, 256);
    if (p.in_use + static_cast<size_t>(bytes) > p.limit) {
      p.refusals += 1;
      return env.Null();
    }
    auto& list = p.free_blocks[cls];
    if (!list.empty()) {
      data = list.back();
      list.pop_back();
      p.cached -= static_cast<size_t>(bytes);
      p.hits += 1;
    } else {
      p.misses += 1;
    }
    p.in_use += static_cast<size_t>(bytes);
  }
  if (data == nullptr) {
    std::lock_guard<std::mutex> lock(pool().mu);
    data = map_block(static_cast<size_t>(bytes));
    if (data == nullptr) {
      pool().in_use -= static_cast<size_t>(bytes);
      throw_range_error(env, "slab: out of memory");
    }
  }
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::shared_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      data, static_cast<size_t>(bytes), v8::BackingStore::EmptyDeleter, nullptr);
  v8::Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  Slab* s = new Slab{v8::Global<v8::ArrayBuffer>(isolate, buffer), buffer->GetBackingStore(), data, cls};
  s->handle.SetWeak(s, on_collected, v8::WeakCallbackType::kParameter);
  // Node-API values are V8 locals (node's v8impl::JsValueFromV8LocalValue does the same cast).
  return Napi::Value(env, reinterpret_cast<napi_value>(*buffer));
}

// slabPool(limit?): sets the in-use cap (bytes) when given; returns the pool's counters.
Napi::Value SlabPoolJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool set = !is_undefined_or_null(info, 0);
  const size_t limit = set ? static_cast<size_t>(get_index(info, 0, "limit")) : 0;
  double limit_now, in_use, cached, hits, misses, refusals;
  {
    // No V8 calls under the lock: a GC they trigger runs on_collected, which takes it too.
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mu);
    reclaim(p, p.collected.size());
    if (set) p.limit = limit;
    limit_now = static_cast<double>(p.limit);
    in_use = static_cast<double>(p.in_use);
    cached = static_cast<double>(p.cached);
    hits = p.hits;
    misses = p.misses;
    refusals = p.refusals;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("limit", limit_now);
  o.Set("inUse", in_use);
  o.Set("cached", cached);
  o.Set("hits", hits);
  o.Set("misses", misses);
  o.Set("refusals", refusals);
  return o;
}

}  // namespace

void register_memory(Napi::Env env, Napi::Object exports) {
  exports.Set("slab", Napi::Function::New(env, SlabJs, "slab"));
  exports.Set("slabPool", Napi::Function::New(env, SlabPoolJs, "slabPool"));
}

}  // namespace nabla
