#include "buffer_pool.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace nabla {
namespace {

struct Pool {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free;
  uint64_t pooled = 0;
  uint64_t cap = uint64_t{256} << 20;
  uint64_t hits = 0, misses = 0, live = 0;
};

// Leaked on purpose: V8 may release buffers while the process tears down, after
// static destructors would have run.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

size_t pool_block_size(size_t bytes) {
  if (bytes <= 4096) return 4096;
  size_t p = 1;
  while (p * 2 <= bytes) p *= 2;
  const size_t step = p / 8;
  return (bytes + step - 1) / step * step;
}

void* pool_acquire(size_t bytes, size_t* block_size) {
  const size_t size = pool_block_size(bytes);
  *block_size = size;
  Pool& p = pool();
  void* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.free.find(size);
    if (it != p.free.end() && !it->second.empty()) {
      block = it->second.back();
      it->second.pop_back();
      p.pooled -= size;
      ++p.hits;
    } else {
      ++p.misses;
    }
    ++p.live;
  }
  if (block) {
    std::memset(block, 0, bytes);  // the tail beyond `bytes` is never visible
    return block;
  }
  block = std::calloc(1, size);  // fresh pages are zero already
  if (!block) {
    std::lock_guard<std::mutex> lock(p.mu);
    --p.live;
  }
  return block;
}

void pool_release(void* block, size_t block_size) {
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    --p.live;
    if (p.pooled + block_size <= p.cap) {
      p.free[block_size].push_back(block);
      p.pooled += block_size;
      return;
    }
  }
  std::free(block);
}

void pool_set_cap(uint64_t bytes) {
  Pool& p = pool();
  std::vector<void*> drop;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.cap = bytes;
    for (auto& [size, blocks] : p.free) {
      while (p.pooled > p.cap && !blocks.empty()) {
        drop.push_back(blocks.back());
        blocks.pop_back();
        p.pooled -= size;
      }
    }
  }
  for (void* b : drop) std::free(b);
}

PoolStats pool_stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  PoolStats s;
  s.hits = p.hits;
  s.misses = p.misses;
  s.pooled_bytes = p.pooled;
  s.cap_bytes = p.cap;
  s.live_blocks = p.live;
  return s;
}

}  // namespace nabla
