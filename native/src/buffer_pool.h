// A pool of large, zero-filled memory blocks for ArrayBuffers.
//
// JavaScript cannot free a typed array when the op that used it is done: V8 frees
// its backing store when the garbage collector finds it dead. A fresh multi-MB
// backing store comes from mmap, and touching it costs one page fault per 4 KiB
// (about 1 ms for 2 MiB on the development VM, against ~60 us to clear memory
// that is already mapped). The pool hands out blocks for ArrayBuffers whose
// deleter, called by V8's array-buffer sweeper, returns the block here for reuse.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nabla {

struct PoolStats {
  uint64_t hits = 0;         // blocks reused
  uint64_t misses = 0;       // blocks freshly allocated
  uint64_t pooled_bytes = 0; // bytes held free for reuse now
  uint64_t cap_bytes = 0;    // most bytes held free
  uint64_t live_blocks = 0;  // blocks handed out and not yet returned
};

// Size class of a request: rounded up to 1/8 of its power of two (<= 12.5% slack).
size_t pool_block_size(size_t bytes);

// A zero-filled block of at least `bytes` bytes (its size class in *block_size), or
// nullptr when out of memory.
void* pool_acquire(size_t bytes, size_t* block_size);

// Returns a block (thread-safe: V8 may sweep array buffers on a background thread).
void pool_release(void* block, size_t block_size);

void pool_set_cap(uint64_t bytes);
PoolStats pool_stats();

}  // namespace nabla
