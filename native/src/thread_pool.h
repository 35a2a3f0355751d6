// Small persistent thread pool for the builtin kernels.
//
// Workers are created once and reused: spawning threads per call would cost
// more than a whole 128x128 GEMM. The calling thread always takes part, so a
// pool of size n owns n-1 worker threads.
#pragma once

#include <cstdint>
#include <functional>

namespace nabla {

// Default thread count: NABLA_NUM_THREADS, else the CPUs this process may run on.
int default_num_threads();

// Threads the pool uses for the next parallel_for (>= 1).
int pool_num_threads();

// Sets the thread count (clamped to [1, 256]); workers are added lazily.
void pool_set_num_threads(int n);

// Runs fn(task) for every task in [0, n_tasks) on up to max_threads threads
// (0 = all) and returns when all are done. Tasks are handed out dynamically.
// Calls from inside a task, or while another thread is using the pool, run
// serially on the caller instead of blocking or oversubscribing.
void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn, int max_threads = 0);

}  // namespace nabla
