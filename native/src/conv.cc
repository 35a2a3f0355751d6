#include "conv.h"

#include <algorithm>
#include <cstring>

#include "thread_pool.h"

namespace nabla {
namespace {

// Planes (one (n, c) pair) are independent in every routine here, so they
// are the unit of parallel work; tiny problems stay on the calling thread.
constexpr int64_t kMinElementsPerTask = 16384;

template <typename F>
void for_each_plane(int64_t planes, int64_t work_per_plane, const F& body) {
  const int64_t total = planes * std::max<int64_t>(work_per_plane, 1);
  if (planes <= 1 || total < 2 * kMinElementsPerTask || pool_num_threads() <= 1) {
    for (int64_t p = 0; p < planes; ++p) body(p);
    return;
  }
  const int64_t per = std::max<int64_t>(1, kMinElementsPerTask / std::max<int64_t>(work_per_plane, 1));
  parallel_for((planes + per - 1) / per, [&](int64_t t) {
    for (int64_t p = t * per; p < std::min(planes, (t + 1) * per); ++p) body(p);
  });
}

// Output range [lo, hi) of ox for which ix = ox*s - p + k*d lies in [0, w).
void valid_range(int64_t w, int64_t s, int64_t p, int64_t kd, int64_t ow, int64_t& lo, int64_t& hi) {
  // ox*s >= p - kd  and  ox*s <= w - 1 + p - kd
  const int64_t a = p - kd;
  lo = a <= 0 ? 0 : (a + s - 1) / s;
  const int64_t b = w - 1 + p - kd;
  hi = b < 0 ? 0 : std::min(ow, b / s + 1);
  lo = std::min(lo, hi);
}

}  // namespace

template <typename T>
void im2col(const T* x, T* cols, const Conv2dGeometry& g) {
  const int64_t oh = g.out_h(), ow = g.out_w(), hw = g.h * g.w, ohw = oh * ow;
  const int64_t kk = g.kh * g.kw;
  for_each_plane(g.n * g.c, kk * ohw, [&](int64_t plane) {
    const T* xp = x + plane * hw;
    const int64_t n = plane / g.c, ci = plane % g.c;
    T* base = cols + (n * g.c * kk + ci * kk) * ohw;
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        T* row = base + (ki * g.kw + kj) * ohw;
        int64_t lo, hi;
        valid_range(g.w, g.sw, g.pw, kj * g.dw, ow, lo, hi);
        for (int64_t oy = 0; oy < oh; ++oy) {
          T* out = row + oy * ow;
          const int64_t iy = oy * g.sh - g.ph + ki * g.dh;
          if (iy < 0 || iy >= g.h) {
            std::fill(out, out + ow, T(0));
            continue;
          }
          std::fill(out, out + lo, T(0));
          // Offset of ox = 0 (may be negative; only valid ox are dereferenced).
          const int64_t off = iy * g.w - g.pw + kj * g.dw;
          if (g.sw == 1) {
            if (hi > lo) std::memcpy(out + lo, xp + off + lo, sizeof(T) * static_cast<size_t>(hi - lo));
          } else {
            for (int64_t ox = lo; ox < hi; ++ox) out[ox] = xp[off + ox * g.sw];
          }
          std::fill(out + hi, out + ow, T(0));
        }
      }
    }
  });
}

template <typename T>
void col2im(const T* cols, T* dx, const Conv2dGeometry& g, bool accumulate) {
  const int64_t oh = g.out_h(), ow = g.out_w(), hw = g.h * g.w, ohw = oh * ow;
  const int64_t kk = g.kh * g.kw;
  for_each_plane(g.n * g.c, kk * ohw, [&](int64_t plane) {
    T* xp = dx + plane * hw;
    if (!accumulate) std::fill(xp, xp + hw, T(0));
    const int64_t n = plane / g.c, ci = plane % g.c;
    const T* base = cols + (n * g.c * kk + ci * kk) * ohw;
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const T* row = base + (ki * g.kw + kj) * ohw;
        int64_t lo, hi;
        valid_range(g.w, g.sw, g.pw, kj * g.dw, ow, lo, hi);
        for (int64_t oy = 0; oy < oh; ++oy) {
          const int64_t iy = oy * g.sh - g.ph + ki * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          const T* in = row + oy * ow;
          const int64_t off = iy * g.w - g.pw + kj * g.dw;
          for (int64_t ox = lo; ox < hi; ++ox) xp[off + ox * g.sw] += in[ox];
        }
      }
    }
  });
}

template <typename T>
void maxpool2d(const T* x, T* y, int32_t* argmax, const Conv2dGeometry& g) {
  const int64_t oh = g.out_h(), ow = g.out_w(), hw = g.h * g.w, ohw = oh * ow;
  for_each_plane(g.n * g.c, ohw * g.kh * g.kw, [&](int64_t plane) {
    const T* xp = x + plane * hw;
    T* yp = y + plane * ohw;
    int32_t* ip = argmax + plane * ohw;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        T best = T(0);
        int64_t best_i = -1;
        for (int64_t ki = 0; ki < g.kh; ++ki) {
          const int64_t iy = oy * g.sh - g.ph + ki * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kj = 0; kj < g.kw; ++kj) {
            const int64_t ix = ox * g.sw - g.pw + kj * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const T v = xp[iy * g.w + ix];
            if (best_i < 0 || v > best || v != v) {
              best = v;
              best_i = iy * g.w + ix;
              if (v != v) goto done;  // NaN wins, like PyTorch
            }
          }
        }
      done:
        // A window entirely in padding (only possible with pad > kernel/2) yields -inf.
        yp[oy * ow + ox] = best_i < 0 ? -__builtin_inf() : best;
        ip[oy * ow + ox] = static_cast<int32_t>(best_i);
      }
    }
  });
}

template <typename T>
void maxpool2d_backward(const T* dy, const int32_t* argmax, T* dx, const Conv2dGeometry& g) {
  const int64_t ohw = g.out_h() * g.out_w(), hw = g.h * g.w;
  for_each_plane(g.n * g.c, ohw + hw, [&](int64_t plane) {
    T* xp = dx + plane * hw;
    std::fill(xp, xp + hw, T(0));
    const T* dp = dy + plane * ohw;
    const int32_t* ip = argmax + plane * ohw;
    for (int64_t o = 0; o < ohw; ++o)
      if (ip[o] >= 0 && ip[o] < hw) xp[ip[o]] += dp[o];  // bounds-checked: indices come from JS
  });
}

template <typename T>
void avgpool2d(const T* x, T* y, const Conv2dGeometry& g) {
  const int64_t oh = g.out_h(), ow = g.out_w(), hw = g.h * g.w, ohw = oh * ow;
  for_each_plane(g.n * g.c, ohw * g.kh * g.kw, [&](int64_t plane) {
    const T* xp = x + plane * hw;
    T* yp = y + plane * ohw;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        T sum = T(0);
        int64_t count = 0;
        for (int64_t ki = 0; ki < g.kh; ++ki) {
          const int64_t iy = oy * g.sh - g.ph + ki * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kj = 0; kj < g.kw; ++kj) {
            const int64_t ix = ox * g.sw - g.pw + kj * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            sum += xp[iy * g.w + ix];
            ++count;
          }
        }
        const int64_t div = g.count_include_pad ? g.kh * g.kw : count;
        yp[oy * ow + ox] = div > 0 ? sum / static_cast<T>(div) : T(0);
      }
    }
  });
}

template <typename T>
void avgpool2d_backward(const T* dy, T* dx, const Conv2dGeometry& g) {
  const int64_t oh = g.out_h(), ow = g.out_w(), hw = g.h * g.w, ohw = oh * ow;
  for_each_plane(g.n * g.c, ohw * g.kh * g.kw, [&](int64_t plane) {
    T* xp = dx + plane * hw;
    std::fill(xp, xp + hw, T(0));
    const T* dp = dy + plane * ohw;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t count = 0;
        if (!g.count_include_pad) {
          for (int64_t ki = 0; ki < g.kh; ++ki) {
            const int64_t iy = oy * g.sh - g.ph + ki * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int64_t kj = 0; kj < g.kw; ++kj) {
              const int64_t ix = ox * g.sw - g.pw + kj * g.dw;
              if (ix >= 0 && ix < g.w) ++count;
            }
          }
        } else {
          count = g.kh * g.kw;
        }
        if (count == 0) continue;
        const T gv = dp[oy * ow + ox] / static_cast<T>(count);
        for (int64_t ki = 0; ki < g.kh; ++ki) {
          const int64_t iy = oy * g.sh - g.ph + ki * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kj = 0; kj < g.kw; ++kj) {
            const int64_t ix = ox * g.sw - g.pw + kj * g.dw;
            if (ix >= 0 && ix < g.w) xp[iy * g.w + ix] += gv;
          }
        }
      }
    }
  });
}

#define NABLA_INSTANTIATE(T)                                                                  \
  template void im2col<T>(const T*, T*, const Conv2dGeometry&);                               \
  template void col2im<T>(const T*, T*, const Conv2dGeometry&, bool);                             \
  template void maxpool2d<T>(const T*, T*, int32_t*, const Conv2dGeometry&);                  \
  template void maxpool2d_backward<T>(const T*, const int32_t*, T*, const Conv2dGeometry&);   \
  template void avgpool2d<T>(const T*, T*, const Conv2dGeometry&);                            \
  template void avgpool2d_backward<T>(const T*, T*, const Conv2dGeometry&);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla
