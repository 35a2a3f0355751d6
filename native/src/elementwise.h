// Multi-threaded, ISA-dispatched elementwise ops and reductions over
// contiguous arrays.
#pragma once

#include <cstdint>

#include "elementwise_kernels.h"

namespace nabla {

template <typename T>
void ew_unary(UnaryOp op, const T* x, T* out, int64_t n);

template <typename T>
void ew_binary(BinaryOp op, const T* a, const T* b, T* out, int64_t n);

// out[i] = a[i] op s (kRsub/kRdiv: s op a[i]).
template <typename T>
void ew_binary_scalar(BinaryOp op, const T* a, T s, T* out, int64_t n);

template <typename T>
double ew_sum(const T* x, int64_t n);

// out[r] = sum of x[r * cols .. r * cols + cols).
template <typename T>
void ew_sum_last_axis(const T* x, T* out, int64_t rows, int64_t cols);

// Broadcast along one axis of a [rows, cols] output. kRowVector: b is a [cols]
// vector repeated on every row; kColVector: b holds one value per row. With
// swap, a is the broadcast operand and b the dense one.
enum class Broadcast : int { kRowVector = 0, kColVector = 1 };
template <typename T>
void ew_binary_broadcast(BinaryOp op, const T* dense, const T* vec, T* out, int64_t rows, int64_t cols,
                         Broadcast mode, bool swap);

// out[o, i] = sum over r of x[o, r, i] for x viewed as [outer, red, inner].
template <typename T>
void ew_sum_middle_axis(const T* x, T* out, int64_t outer, int64_t red, int64_t inner);

// y += alpha * x
template <typename T>
void ew_axpy(T alpha, const T* x, T* y, int64_t n);

// Softmax (log: log-softmax) of each contiguous row of a [rows, cols] block, and its backward
// (out = gradient of x given y = softmax(x) and the gradient g of y); rows split over the pool.
template <typename T>
void ew_softmax(const T* x, T* out, int64_t rows, int64_t cols, bool log);
template <typename T>
void ew_softmax_grad(const T* y, const T* g, T* out, int64_t rows, int64_t cols, bool log);

// Element counts above which work is split over the pool; (cheap ops are
// memory bound, transcendental ones compute bound and profit earlier).
int64_t ew_parallel_threshold(bool transcendental);
void ew_set_parallel_threshold(bool transcendental, int64_t n);

}  // namespace nabla
