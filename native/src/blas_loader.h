// Run-time loading of a CBLAS/LAPACK shared library.
//
// Linking against BLAS at build time would make the addon fail to load on
// machines without it; dlopen lets us use OpenBLAS/MKL/BLIS when present and
// fall back to the builtin kernels otherwise.
#pragma once

#include <string>

namespace nabla {

// CBLAS enums (values fixed by the CBLAS standard).
enum CblasOrder { kCblasRowMajor = 101, kCblasColMajor = 102 };
enum CblasTranspose { kCblasNoTrans = 111, kCblasTrans = 112 };

using CblasSgemm = void (*)(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc);
using CblasDgemm = void (*)(int order, int ta, int tb, int m, int n, int k, double alpha, const double* a,
                            int lda, const double* b, int ldb, double beta, double* c, int ldc);

// Fortran LAPACK (LP64: 32-bit integers, column-major). Trailing size_t
// arguments are the hidden CHARACTER lengths gfortran expects.
using FPotrf = void (*)(const char* uplo, const int* n, void* a, const int* lda, int* info, size_t);
using FGesv = void (*)(const int* n, const int* nrhs, void* a, const int* lda, int* ipiv, void* b,
                       const int* ldb, int* info);
using FGetrf = void (*)(const int* m, const int* n, void* a, const int* lda, int* ipiv, int* info);
using FSyevd = void (*)(const char* jobz, const char* uplo, const int* n, void* a, const int* lda, void* w,
                        void* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t,
                        size_t);
using FGesdd = void (*)(const char* jobz, const int* m, const int* n, void* a, const int* lda, void* s,
                        void* u, const int* ldu, void* vt, const int* ldvt, void* work, const int* lwork,
                        int* iwork, int* info, size_t);
using FGeqrf = void (*)(const int* m, const int* n, void* a, const int* lda, void* tau, void* work,
                        const int* lwork, int* info);
using FOrgqr = void (*)(const int* m, const int* n, const int* k, void* a, const int* lda, const void* tau,
                        void* work, const int* lwork, int* info);

// LAPACK entry points for one precision; any may be null.
struct LapackFns {
  FPotrf potrf = nullptr;
  FGesv gesv = nullptr;
  FGetrf getrf = nullptr;
  FSyevd syevd = nullptr;
  FGesdd gesdd = nullptr;
  FGeqrf geqrf = nullptr;
  FOrgqr orgqr = nullptr;
};

struct BlasLibrary {
  bool loaded = false;
  std::string name;  // openblas | mkl | blis | cblas
  std::string path;
  std::string error;  // why nothing was loaded
  CblasSgemm sgemm = nullptr;
  CblasDgemm dgemm = nullptr;
  LapackFns lapack_s;
  LapackFns lapack_d;
  int (*get_num_threads)() = nullptr;
  void (*set_num_threads)(int) = nullptr;
  char* (*get_config)() = nullptr;
  char* (*get_corename)() = nullptr;  // OpenBLAS kernel family, e.g. "Haswell"
};

// The library selected at first use (honours NABLA_BLAS=none|<path>).
const BlasLibrary& blas_library();

// Whether GEMM currently routes to the loaded BLAS (tests switch it off).
bool blas_enabled();
void set_blas_enabled(bool enabled);

// Threads the BLAS library uses, or 0 when unknown / not loaded.
int blas_num_threads();
void blas_set_num_threads(int n);

// Library-reported configuration string ("" when unavailable).
std::string blas_config();

// Kernel family the library picked for this CPU (OpenBLAS only; "" otherwise).
std::string blas_corename();

}  // namespace nabla
