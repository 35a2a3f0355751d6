#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NABLA_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define NABLA_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define NABLA_CPU_RELAX() ((void)0)
#endif

namespace nabla {
namespace {

// How long an idle worker spins before sleeping. Short: BLAS threads and
// other processes need the cores between our calls.
constexpr auto kSpin = std::chrono::microseconds(50);

thread_local bool t_in_pool_task = false;

// One parallel_for call. Shared with the workers by shared_ptr so a worker
// that wakes up late only finds no task left, never a dangling job.
struct Job {
  const std::function<void(int64_t)>* fn = nullptr;  // valid while tasks remain unfinished
  int64_t n_tasks = 0;
  int max_workers = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::atomic<int> joined{0};
};

class Pool {
 public:
  Pool() : num_threads_(default_num_threads()) {}

  int num_threads() const { return num_threads_.load(std::memory_order_relaxed); }
  void set_num_threads(int n) { num_threads_.store(std::clamp(n, 1, 256), std::memory_order_relaxed); }

  void run(int64_t n_tasks, const std::function<void(int64_t)>& fn, int max_threads) {
    if (n_tasks <= 0) return;
    int threads = num_threads();
    if (max_threads > 0) threads = std::min(threads, max_threads);
    threads = static_cast<int>(std::min<int64_t>(threads, n_tasks));
    if (threads <= 1 || t_in_pool_task) {
      run_serial(n_tasks, fn);
      return;
    }
    std::unique_lock<std::mutex> busy(busy_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) {  // another JS thread (worker_threads) is using the pool
      run_serial(n_tasks, fn);
      return;
    }
    ensure_workers(threads - 1);
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->n_tasks = n_tasks;
    job->max_workers = threads - 1;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    if (sleepers_.load(std::memory_order_acquire) > 0) cv_.notify_all();
    t_in_pool_task = true;
    drain(*job);
    t_in_pool_task = false;
    // Wait for tasks, not workers: a worker that has not woken up yet (slow
    // wake-ups are common on busy or virtualised machines) is simply not
    // needed once the caller has claimed everything.
    int spins = 0;
    while (job->done.load(std::memory_order_acquire) != n_tasks) {
      if (++spins < 4096) {
        NABLA_CPU_RELAX();
      } else {
        std::this_thread::yield();
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (job_ == job) job_.reset();
  }

 private:
  static void run_serial(int64_t n_tasks, const std::function<void(int64_t)>& fn) {
    bool was = t_in_pool_task;
    t_in_pool_task = true;
    for (int64_t i = 0; i < n_tasks; ++i) fn(i);
    t_in_pool_task = was;
  }

  static void drain(Job& job) {
    for (;;) {
      int64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= job.n_tasks) break;
      (*job.fn)(i);
      job.done.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void ensure_workers(int n) {
    while (static_cast<int>(workers_) < n) {
      workers_++;
      // Detached and never destroyed: joining at process exit can race with
      // static destructors, and the OS reclaims sleeping threads anyway.
      std::thread([this] { worker_loop(); }).detach();
    }
  }

  void worker_loop() {
    t_in_pool_task = true;
    uint64_t seen = 0;
    for (;;) {
      uint64_t gen = generation_.load(std::memory_order_acquire);
      if (gen == seen) {
        auto start = std::chrono::steady_clock::now();
        int spins = 0;
        while ((gen = generation_.load(std::memory_order_acquire)) == seen) {
          NABLA_CPU_RELAX();
          if (++spins % 256 == 0 && std::chrono::steady_clock::now() - start > kSpin) break;
        }
      }
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (generation_.load(std::memory_order_relaxed) == seen) {
          sleepers_.fetch_add(1, std::memory_order_acq_rel);
          cv_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
          sleepers_.fetch_sub(1, std::memory_order_acq_rel);
        }
        seen = generation_.load(std::memory_order_relaxed);
        job = job_;
      }
      // Only as many workers as the caller asked for join in.
      if (job && job->joined.fetch_add(1, std::memory_order_relaxed) < job->max_workers) drain(*job);
    }
  }

  std::atomic<int> num_threads_;
  std::mutex busy_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> sleepers_{0};
  std::shared_ptr<Job> job_;  // guarded by mutex_
  size_t workers_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // intentionally leaked, see ensure_workers
  return *p;
}

}  // namespace

int default_num_threads() {
  const char* env = std::getenv("NABLA_NUM_THREADS");
  if (env != nullptr) {
    int n = std::atoi(env);
    if (n > 0) return std::min(n, 256);
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return std::min(n, 256);
  }
#endif
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(std::min(hc, 256u));
}

int pool_num_threads() { return pool().num_threads(); }

void pool_set_num_threads(int n) { pool().set_num_threads(n); }

void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn, int max_threads) {
  pool().run(n_tasks, fn, max_threads);
}

}  // namespace nabla
