#include "elementwise.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "cpu_features.h"
#include "thread_pool.h"

namespace nabla {
namespace {

// Element counts above which work is split over the pool, from serial vs
// 2-thread timings on a 2-vCPU Zen 5 (best of runs, us):
//   add f32   64k 4.4/4.9   128k 16.3/13.6  256k 36/25   (memory bound)
//   exp f32   32k 7.1/7.2    64k 14.4/14.1  128k 29/21
//   tanh f64  16k 12.8/9.4   32k 25/16      gelu f32 16k 11.9/8.8
// so cheap ops pay off from ~128k elements and transcendental ones from
// 16k-64k; 2^15 is the compromise. Tunable via setElementwiseThreshold.
std::atomic<int64_t> g_threshold_cheap{1 << 17};
std::atomic<int64_t> g_threshold_transcendental{1 << 15};

template <typename T>
const EwKernels<T>& kernels() {
  Isa isa = active_isa();
#if NABLA_X86
  if constexpr (sizeof(T) == 4) {
    if (isa == Isa::kAvx512) return avx512::ew_kernels_f32();
    if (isa == Isa::kAvx2) return avx2::ew_kernels_f32();
    return generic::ew_kernels_f32();
  } else {
    if (isa == Isa::kAvx512) return avx512::ew_kernels_f64();
    if (isa == Isa::kAvx2) return avx2::ew_kernels_f64();
    return generic::ew_kernels_f64();
  }
#else
  (void)isa;
  if constexpr (sizeof(T) == 4) {
    return generic::ew_kernels_f32();
  } else {
    return generic::ew_kernels_f64();
  }
#endif
}

bool is_transcendental(UnaryOp op) {
  return op == UnaryOp::kExp || op == UnaryOp::kLog || op == UnaryOp::kTanh || op == UnaryOp::kSigmoid ||
         op == UnaryOp::kGelu || op == UnaryOp::kSilu || op == UnaryOp::kGeluTanh;
}

// Runs body(begin, end) over [0, n) in cache-line aligned chunks, in parallel
// when n exceeds the threshold.
template <typename F>
void split(int64_t n, int64_t threshold, const F& body) {
  const int threads = pool_num_threads();
  if (n <= threshold || threads <= 1) {
    body(0, n);
    return;
  }
  // A few chunks per thread balances uneven cores without much overhead.
  const int64_t chunks = std::min<int64_t>(int64_t{threads} * 4, (n + threshold / 4 - 1) / (threshold / 4));
  const int64_t chunk = ((n + chunks - 1) / chunks + 15) & ~int64_t{15};
  parallel_for((n + chunk - 1) / chunk, [&](int64_t c) {
    const int64_t b = c * chunk;
    body(b, std::min(n, b + chunk));
  });
}

}  // namespace

int64_t ew_parallel_threshold(bool transcendental) {
  return (transcendental ? g_threshold_transcendental : g_threshold_cheap).load(std::memory_order_relaxed);
}

void ew_set_parallel_threshold(bool transcendental, int64_t n) {
  (transcendental ? g_threshold_transcendental : g_threshold_cheap)
      .store(std::max<int64_t>(n, 64), std::memory_order_relaxed);
}

template <typename T>
void ew_unary(UnaryOp op, const T* x, T* out, int64_t n) {
  const auto& k = kernels<T>();
  split(n, ew_parallel_threshold(is_transcendental(op)),
        [&](int64_t b, int64_t e) { k.unary(op, x + b, out + b, e - b); });
}

template <typename T>
void ew_binary(BinaryOp op, const T* a, const T* b, T* out, int64_t n) {
  const auto& k = kernels<T>();
  split(n, ew_parallel_threshold(false), [&](int64_t s, int64_t e) { k.binary(op, a + s, b + s, out + s, e - s); });
}

template <typename T>
void ew_binary_scalar(BinaryOp op, const T* a, T s, T* out, int64_t n) {
  const auto& k = kernels<T>();
  split(n, ew_parallel_threshold(false),
        [&](int64_t b, int64_t e) { k.binary_scalar(op, a + b, s, out + b, e - b); });
}

template <typename T>
double ew_sum(const T* x, int64_t n) {
  const auto& k = kernels<T>();
  const int64_t threshold = ew_parallel_threshold(false);
  if (n <= threshold || pool_num_threads() <= 1) return k.sum(x, n);
  const int64_t parts = pool_num_threads();
  std::vector<double> partial(static_cast<size_t>(parts), 0.0);
  const int64_t chunk = (n + parts - 1) / parts;
  parallel_for(parts, [&](int64_t p) {
    const int64_t b = p * chunk, e = std::min(n, b + chunk);
    if (b < e) partial[static_cast<size_t>(p)] = k.sum(x + b, e - b);
  });
  double s = 0;
  for (double v : partial) s += v;
  return s;
}

template <typename T>
void ew_sum_last_axis(const T* x, T* out, int64_t rows, int64_t cols) {
  const auto& k = kernels<T>();
  const int64_t per_task = std::max<int64_t>(1, ew_parallel_threshold(false) / std::max<int64_t>(cols, 1));
  const int64_t tasks = (rows + per_task - 1) / per_task;
  auto body = [&](int64_t t) {
    const int64_t r0 = t * per_task, r1 = std::min(rows, r0 + per_task);
    for (int64_t r = r0; r < r1; ++r) out[r] = static_cast<T>(k.sum(x + r * cols, cols));
  };
  if (tasks <= 1) {
    body(0);
  } else {
    parallel_for(tasks, body);
  }
}

// Splits `rows` rows of `cols` elements over the pool, about one threshold's worth per task.
template <typename F>
void split_rows(int64_t rows, int64_t cols, bool transcendental, const F& body) {
  const int64_t per_task = std::max<int64_t>(1, ew_parallel_threshold(transcendental) / std::max<int64_t>(cols, 1));
  const int64_t tasks = (rows + per_task - 1) / per_task;
  if (tasks <= 1) {
    body(0, rows);
    return;
  }
  parallel_for(tasks, [&](int64_t t) { body(t * per_task, std::min(rows, (t + 1) * per_task)); });
}

template <typename T>
void ew_softmax(const T* x, T* out, int64_t rows, int64_t cols, bool log) {
  const auto& k = kernels<T>();
  split_rows(rows, cols, true,
             [&](int64_t r0, int64_t r1) { k.softmax_rows(x + r0 * cols, out + r0 * cols, r1 - r0, cols, log); });
}

template <typename T>
void ew_softmax_grad(const T* y, const T* g, T* out, int64_t rows, int64_t cols, bool log) {
  const auto& k = kernels<T>();
  split_rows(rows, cols, log, [&](int64_t r0, int64_t r1) {
    k.softmax_grad_rows(y + r0 * cols, g + r0 * cols, out + r0 * cols, r1 - r0, cols, log);
  });
}

namespace {
// The op with operands exchanged, so that the dense operand always comes first.
BinaryOp swapped(BinaryOp op) {
  switch (op) {
    case BinaryOp::kSub:
      return BinaryOp::kRsub;
    case BinaryOp::kDiv:
      return BinaryOp::kRdiv;
    case BinaryOp::kRsub:
      return BinaryOp::kSub;
    case BinaryOp::kRdiv:
      return BinaryOp::kDiv;
    default:
      return op;  // commutative (the *Grad ops are never swapped: see the binding)
  }
}
}  // namespace

template <typename T>
void ew_binary_broadcast(BinaryOp op, const T* dense, const T* vec, T* out, int64_t rows, int64_t cols,
                         Broadcast mode, bool swap) {
  const auto& k = kernels<T>();
  const BinaryOp o = swap ? swapped(op) : op;
  const int64_t per_task = std::max<int64_t>(1, ew_parallel_threshold(false) / std::max<int64_t>(cols, 1));
  const int64_t tasks = (rows + per_task - 1) / per_task;
  auto body = [&](int64_t t) {
    const int64_t r0 = t * per_task, r1 = std::min(rows, r0 + per_task);
    for (int64_t r = r0; r < r1; ++r) {
      if (mode == Broadcast::kRowVector) {
        if (swap) {
          k.binary(op, vec, dense + r * cols, out + r * cols, cols);
        } else {
          k.binary(op, dense + r * cols, vec, out + r * cols, cols);
        }
      } else {
        k.binary_scalar(o, dense + r * cols, vec[r], out + r * cols, cols);
      }
    }
  };
  if (tasks <= 1) {
    body(0);
  } else {
    parallel_for(tasks, body);
  }
}

template <typename T>
void ew_sum_middle_axis(const T* x, T* out, int64_t outer, int64_t red, int64_t inner) {
  const auto& k = kernels<T>();
  const int64_t per_task = std::max<int64_t>(1, ew_parallel_threshold(false) / std::max<int64_t>(red * inner, 1));
  const int64_t tasks = (outer + per_task - 1) / per_task;
  auto body = [&](int64_t t) {
    std::vector<double> acc(static_cast<size_t>(inner));
    const int64_t o0 = t * per_task, o1 = std::min(outer, o0 + per_task);
    for (int64_t o = o0; o < o1; ++o) k.sum_rows(x + o * red * inner, out + o * inner, red, inner, acc.data());
  };
  if (tasks <= 1) {
    body(0);
  } else {
    parallel_for(tasks, body);
  }
}

template <typename T>
void ew_axpy(T alpha, const T* x, T* y, int64_t n) {
  const auto& k = kernels<T>();
  split(n, ew_parallel_threshold(false), [&](int64_t b, int64_t e) { k.axpy(alpha, x + b, y + b, e - b); });
}

#define NABLA_INSTANTIATE(T)                                                  \
  template void ew_unary<T>(UnaryOp, const T*, T*, int64_t);                  \
  template void ew_binary<T>(BinaryOp, const T*, const T*, T*, int64_t);      \
  template void ew_binary_scalar<T>(BinaryOp, const T*, T, T*, int64_t);      \
  template double ew_sum<T>(const T*, int64_t);                               \
  template void ew_sum_last_axis<T>(const T*, T*, int64_t, int64_t);          \
  template void ew_axpy<T>(T, const T*, T*, int64_t);                         \
  template void ew_binary_broadcast<T>(BinaryOp, const T*, const T*, T*, int64_t, int64_t, Broadcast, bool); \
  template void ew_sum_middle_axis<T>(const T*, T*, int64_t, int64_t, int64_t);   \
  template void ew_softmax<T>(const T*, T*, int64_t, int64_t, bool);               \
  template void ew_softmax_grad<T>(const T*, const T*, T*, int64_t, int64_t, bool);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla
