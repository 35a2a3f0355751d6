// Goto/BLIS-style blocked GEMM:
//   jc (NC columns of B, L3) -> pc (KC depth) -> pack B panel
//     -> ic (MC rows of A, L2) -> pack A block -> jr/ir micro-tiles (L1).
// Tasks are disjoint 2-D blocks of C, each packing into per-thread buffers:
// on the small core counts we target, re-packing a panel costs less than the
// barriers needed to share it, and independent tasks balance dynamically.
#include "gemm_builtin.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "cpu_features.h"
#include "gemm_kernel.h"
#include "thread_pool.h"

namespace nabla {
namespace {

// Minimum multiply-adds per task (~10 us of work): below this the fork/join
// and re-packing outweigh the speed-up. Measured with bench/native-gemm.mjs.
constexpr int64_t kMinMacsPerTask = int64_t{1} << 20;
constexpr int64_t kTasksPerThread = 4;
constexpr int64_t kMinTasksPerThread = 2;

template <typename T>
const KernelSpec<T>& cached_spec(Isa isa) {
  // getenv is slow-ish and the overrides never change: resolve once per ISA.
  static const KernelSpec<T> specs[3] = {gemm_kernel_spec<T>(Isa::kGeneric), gemm_kernel_spec<T>(Isa::kAvx2),
                                         gemm_kernel_spec<T>(Isa::kAvx512)};
  return specs[static_cast<int>(isa)];
}

// 64-byte aligned, grow-only scratch per thread (pool threads are persistent,
// so this allocates once per thread and size class).
struct Scratch {
  void* ptr = nullptr;
  size_t bytes = 0;
  ~Scratch() { ::operator delete(ptr, std::align_val_t(64)); }
  void* get(size_t want) {
    if (want > bytes) {
      ::operator delete(ptr, std::align_val_t(64));
      ptr = ::operator new(want, std::align_val_t(64));
      bytes = want;
    }
    return ptr;
  }
};

thread_local Scratch t_pack_a;
thread_local Scratch t_pack_b;

template <typename T>
void pack_a(int mr, bool trans, const T* a, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
            T* out) {
  for (int64_t is = 0; is < mc; is += mr) {
    const int rows = static_cast<int>(std::min<int64_t>(mr, mc - is));
    T* dst = out + is * kc;
    if (!trans) {  // A(i, p) = a[i * lda + p]
      const T* src = a + (i0 + is) * lda + p0;
      for (int64_t p = 0; p < kc; ++p) {
        T* d = dst + p * mr;
        for (int r = 0; r < rows; ++r) d[r] = src[r * lda + p];
        for (int r = rows; r < mr; ++r) d[r] = T(0);
      }
    } else {  // A(i, p) = a[p * lda + i]: rows of the sliver are contiguous
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = a + (p0 + p) * lda + i0 + is;
        T* d = dst + p * mr;
        for (int r = 0; r < rows; ++r) d[r] = src[r];
        for (int r = rows; r < mr; ++r) d[r] = T(0);
      }
    }
  }
}

template <typename T>
void pack_b(int nr, bool trans, const T* b, int64_t ldb, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
            T* out) {
  for (int64_t js = 0; js < nc; js += nr) {
    const int cols = static_cast<int>(std::min<int64_t>(nr, nc - js));
    T* dst = out + js * kc;
    if (!trans) {  // B(p, j) = b[p * ldb + j]
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = b + (p0 + p) * ldb + j0 + js;
        T* d = dst + p * nr;
        std::memcpy(d, src, sizeof(T) * static_cast<size_t>(cols));
        for (int j = cols; j < nr; ++j) d[j] = T(0);
      }
    } else {  // B(p, j) = b[j * ldb + p]
      // Transpose in chunks of kPackChunk rows of the sliver: the chunk being
      // written (kPackChunk x NR) and the source lines it reads stay in L1,
      // where a whole kc x NR sliver would not.
      constexpr int64_t kPackChunk = 16;
      for (int64_t pp = 0; pp < kc; pp += kPackChunk) {
        const int64_t pe = std::min(kc, pp + kPackChunk);
        for (int j = 0; j < cols; ++j) {
          const T* src = b + (j0 + js + j) * ldb + p0;
          for (int64_t p = pp; p < pe; ++p) dst[p * nr + j] = src[p];
        }
        for (int64_t p = pp; p < pe; ++p)
          for (int j = cols; j < nr; ++j) dst[p * nr + j] = T(0);
      }
    }
  }
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Splits `total` into the fewest blocks of at most `max_block`, of nearly
// equal size rounded up to `unit` (avoids a tiny last block, e.g. K = 400).
int64_t balanced_block(int64_t total, int64_t max_block, int64_t unit) {
  int64_t blocks = (total + max_block - 1) / max_block;
  return std::min(max_block, round_up((total + blocks - 1) / blocks, unit));
}

template <typename T>
struct Problem {
  bool ta, tb;
  int64_t k;
  T alpha;
  const T* a;
  int64_t lda;
  const T* b;
  int64_t ldb;
  T beta;
  T* c;
  int64_t ldc;
};

// One thread's share: rows [m0, m1) x columns [n0, n1) of C.
template <typename T>
void run_block(const KernelSpec<T>& s, const Problem<T>& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t mrows = m1 - m0, ncols = n1 - n0;
  if (mrows <= 0 || ncols <= 0) return;
  if (p.beta != T(1)) scale_matrix(mrows, ncols, p.beta, p.c + m0 * p.ldc + n0, p.ldc);
  const int64_t kc_max = balanced_block(p.k, s.kc, 4);
  const int64_t mc_max = balanced_block(mrows, s.mc, s.mr);
  const int64_t nc_max = balanced_block(ncols, s.nc, s.nr);
  T* pa = static_cast<T*>(t_pack_a.get(sizeof(T) * static_cast<size_t>(round_up(mc_max, s.mr) * kc_max)));
  T* pb = static_cast<T*>(t_pack_b.get(sizeof(T) * static_cast<size_t>(round_up(nc_max, s.nr) * kc_max)));
  for (int64_t jc = n0; jc < n1; jc += nc_max) {
    const int64_t nc = std::min(nc_max, n1 - jc);
    for (int64_t pc = 0; pc < p.k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, p.k - pc);
      pack_b(s.nr, p.tb, p.b, p.ldb, jc, nc, pc, kc, pb);
      for (int64_t ic = m0; ic < m1; ic += mc_max) {
        const int64_t mc = std::min(mc_max, m1 - ic);
        pack_a(s.mr, p.ta, p.a, p.lda, ic, mc, pc, kc, pa);
        // jr outer / ir inner: the kc x NR sliver of B stays in L1 while the
        // A block streams from L2.
        for (int64_t jr = 0; jr < nc; jr += s.nr) {
          const int n = static_cast<int>(std::min<int64_t>(s.nr, nc - jr));
          const T* bs = pb + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += s.mr) {
            const int m = static_cast<int>(std::min<int64_t>(s.mr, mc - ir));
            s.kernel(kc, pa + ir * kc, bs, p.c + (ic + ir) * p.ldc + jc + jr, p.ldc, p.alpha, m, n);
          }
        }
      }
    }
  }
}

// Splits C into a tm x tn grid of tasks (whole micro-tiles). A task packs its
// rows of A (rows x k) and its columns of B (k x cols), so the grid's packing
// volume is tm * k * n + tn * m * k: the grid with the least packing among those
// with enough tasks — at least `min_tasks` (a few per thread, so a thread that
// is descheduled on a shared machine delays the call by one small task) and at
// most `max_tasks` — wins. Rows-first splitting packed B once per row block:
// 128x784x256 on 2 threads ran 5 row blocks, packing B five times.
void choose_grid(int64_t m, int64_t n, int64_t k, int mr, int nr, int64_t min_tasks, int64_t max_tasks, int64_t& tm,
                 int64_t& tn) {
  const int64_t mt = (m + mr - 1) / mr, nt = (n + nr - 1) / nr;
  tm = 1;
  tn = 1;
  double best = -1;
  for (int64_t a = 1; a <= std::min(mt, max_tasks); ++a) {
    for (int64_t b = 1; b <= std::min(nt, max_tasks / a); ++b) {
      if (a * b < std::min(min_tasks, mt * nt)) continue;
      const double cost = static_cast<double>(a) * k * n + static_cast<double>(b) * m * k;
      if (best < 0 || cost < best) {
        best = cost;
        tm = a;
        tn = b;
      }
    }
  }
}

}  // namespace

template <typename T>
void scale_matrix(int64_t m, int64_t n, T beta, T* c, int64_t ldc) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + n, T(0));
    } else {
      for (int64_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
}

template <typename T>
void gemm_builtin(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                  int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc, int max_threads) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {
    scale_matrix(m, n, beta, c, ldc);
    return;
  }
  const KernelSpec<T>& s = cached_spec<T>(active_isa());
  const Problem<T> p{trans_a, trans_b, k, alpha, a, lda, b, ldb, beta, c, ldc};

  int threads = pool_num_threads();
  if (max_threads > 0) threads = std::min(threads, max_threads);
  const int64_t macs = m * n * k;
  if (threads <= 1 || macs < 2 * kMinMacsPerTask) {
    run_block(s, p, 0, m, 0, n);
    return;
  }
  int64_t tm = 1, tn = 1;
  const int64_t max_tasks = std::max<int64_t>(1, std::min<int64_t>(int64_t{threads} * kTasksPerThread, macs / kMinMacsPerTask));
  choose_grid(m, n, k, s.mr, s.nr, std::min<int64_t>(max_tasks, int64_t{threads} * kMinTasksPerThread), max_tasks, tm,
              tn);
  const int64_t mt = (m + s.mr - 1) / s.mr, nt = (n + s.nr - 1) / s.nr;
  parallel_for(
      tm * tn,
      [&](int64_t t) {
        const int64_t ti = t / tn, tj = t % tn;
        const int64_t m0 = std::min(m, mt * ti / tm * s.mr), m1 = std::min(m, mt * (ti + 1) / tm * s.mr);
        const int64_t n0 = std::min(n, nt * tj / tn * s.nr), n1 = std::min(n, nt * (tj + 1) / tn * s.nr);
        run_block(s, p, m0, m1, n0, n1);
      },
      threads);
}

template void scale_matrix<float>(int64_t, int64_t, float, float*, int64_t);
template void scale_matrix<double>(int64_t, int64_t, double, double*, int64_t);
template void gemm_builtin<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                  const float*, int64_t, float, float*, int64_t, int);
template void gemm_builtin<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                   const double*, int64_t, double, double*, int64_t, int);

// ---------------------------------------------------------------------------
// Kernel selection (kept here, next to its only user).

namespace {

template <typename T>
KernelSpec<T> with_overrides(KernelSpec<T> s) {
  // Tuning knobs; values are rounded to the micro-tile.
  if (const char* e = std::getenv("NABLA_GEMM_MC")) {
    int v = std::atoi(e);
    if (v > 0) s.mc = (v + s.mr - 1) / s.mr * s.mr;
  }
  if (const char* e = std::getenv("NABLA_GEMM_KC")) {
    int v = std::atoi(e);
    if (v > 0) s.kc = v;
  }
  if (const char* e = std::getenv("NABLA_GEMM_NC")) {
    int v = std::atoi(e);
    if (v > 0) s.nc = (v + s.nr - 1) / s.nr * s.nr;
  }
  return s;
}

template <typename T>
KernelSpec<T> raw_spec(Isa isa) {
#if NABLA_X86
  if constexpr (sizeof(T) == 4) {
    if (isa == Isa::kAvx512 && best_isa() == Isa::kAvx512) return avx512::gemm_spec_f32();
    if (isa >= Isa::kAvx2 && best_isa() >= Isa::kAvx2) return avx2::gemm_spec_f32();
    return generic::gemm_spec_f32();
  } else {
    if (isa == Isa::kAvx512 && best_isa() == Isa::kAvx512) return avx512::gemm_spec_f64();
    if (isa >= Isa::kAvx2 && best_isa() >= Isa::kAvx2) return avx2::gemm_spec_f64();
    return generic::gemm_spec_f64();
  }
#else
  (void)isa;
  if constexpr (sizeof(T) == 4) {
    return generic::gemm_spec_f32();
  } else {
    return generic::gemm_spec_f64();
  }
#endif
}

}  // namespace

template <typename T>
KernelSpec<T> gemm_kernel_spec(Isa isa) {
  return with_overrides(raw_spec<T>(isa));
}

template KernelSpec<float> gemm_kernel_spec<float>(Isa);
template KernelSpec<double> gemm_kernel_spec<double>(Isa);

}  // namespace nabla
