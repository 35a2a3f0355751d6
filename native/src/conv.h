// im2col/col2im and 2-D pooling over NCHW tensors.
#pragma once

#include <cstdint>

namespace nabla {

struct Conv2dGeometry {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input N, C, H, W
  int64_t kh = 1, kw = 1;              // window
  int64_t sh = 1, sw = 1;              // stride
  int64_t ph = 0, pw = 0;              // zero padding (each side)
  int64_t dh = 1, dw = 1;              // dilation
  bool count_include_pad = true;       // avg pooling divisor: kh*kw vs valid taps
  int64_t out_h() const { return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }
  int64_t out_w() const { return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }
};

// cols[n][(ci*kh + ki)*kw + kj][oy*ow + ox] = x[n][ci][iy][ix] (0 outside),
// so a conv is W[cout, C*kh*kw] @ cols[n] -> y[n][cout][oh*ow].
template <typename T>
void im2col(const T* x, T* cols, const Conv2dGeometry& g);

// Adjoint of im2col: every column entry is added to its input pixel; dx is
// zeroed first unless `accumulate`.
template <typename T>
void col2im(const T* cols, T* dx, const Conv2dGeometry& g, bool accumulate);

// y[n][c][oy][ox] = max of the window; argmax[...] = iy*W + ix within the
// plane. Padding never wins; NaN propagates.
template <typename T>
void maxpool2d(const T* x, T* y, int32_t* argmax, const Conv2dGeometry& g);

// dx is overwritten: dx[plane + argmax] += dy.
template <typename T>
void maxpool2d_backward(const T* dy, const int32_t* argmax, T* dx, const Conv2dGeometry& g);

template <typename T>
void avgpool2d(const T* x, T* y, const Conv2dGeometry& g);

// dx is overwritten with the adjoint of avgpool2d.
template <typename T>
void avgpool2d_backward(const T* dy, T* dx, const Conv2dGeometry& g);

}  // namespace nabla
