#include "blas_loader.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace nabla {
namespace {

#if defined(_WIN32)
using Handle = HMODULE;
Handle open_lib(const char* path) { return LoadLibraryA(path); }
void* find_sym(Handle h, const char* name) { return reinterpret_cast<void*>(GetProcAddress(h, name)); }
void close_lib(Handle h) { FreeLibrary(h); }
std::string last_error() { return "LoadLibrary failed"; }
#else
using Handle = void*;
// RTLD_LOCAL keeps the library's symbols from clashing with other addons
// (e.g. another BLAS pulled in by a different native module).
Handle open_lib(const char* path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
void* find_sym(Handle h, const char* name) { return dlsym(h, name); }
void close_lib(Handle h) { dlclose(h); }
std::string last_error() {
  const char* e = dlerror();
  return e == nullptr ? "unknown dlopen error" : e;
}
#endif

template <typename Fn>
void bind(Handle h, Fn& slot, const char* name) {
  slot = reinterpret_cast<Fn>(find_sym(h, name));
}

// The file the symbol really came from (a bare soname tells users little).
std::string resolved_path(const std::string& requested, void* symbol) {
#if defined(_WIN32)
  (void)symbol;
  return requested;
#else
  Dl_info info;
  if (dladdr(symbol, &info) != 0 && info.dli_fname != nullptr) return info.dli_fname;
  return requested;
#endif
}

std::vector<std::string> candidates() {
  std::vector<std::string> c = {
#if defined(_WIN32)
    "libopenblas.dll", "openblas.dll", "mkl_rt.2.dll", "mkl_rt.dll",
#elif defined(__APPLE__)
    "libopenblas.0.dylib", "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib", "libmkl_rt.dylib",
    "/System/Library/Frameworks/Accelerate.framework/Accelerate",
#else
    "libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.so",
    // Debian/Ubuntu keep the real files in variant directories behind
    // update-alternatives; try them directly in case the alternative is unset.
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/openblas-openmp/libopenblas.so.0",
    "/usr/lib64/libopenblasp.so.0", "/usr/lib64/libopenblas.so.0",
    "libmkl_rt.so.2", "libmkl_rt.so", "libblis.so.4", "libblis.so", "libblis-mt.so.4",
    "libcblas.so.3", "libblas.so.3",
#endif
  };
  return c;
}

std::string classify(const std::string& path, Handle h) {
  if (find_sym(h, "openblas_get_config") != nullptr) return "openblas";
  if (find_sym(h, "MKL_Get_Max_Threads") != nullptr || path.find("mkl") != std::string::npos) return "mkl";
  if (find_sym(h, "bli_info_get_version_str") != nullptr) return "blis";
  return "cblas";
}

void bind_lapack(Handle h, LapackFns& f, char p) {
  std::string prefix(1, p);
  bind(h, f.potrf, (prefix + "potrf_").c_str());
  bind(h, f.gesv, (prefix + "gesv_").c_str());
  bind(h, f.getrf, (prefix + "getrf_").c_str());
  bind(h, f.syevd, (prefix + "syevd_").c_str());
  bind(h, f.gesdd, (prefix + "gesdd_").c_str());
  bind(h, f.geqrf, (prefix + "geqrf_").c_str());
  bind(h, f.orgqr, (prefix + "orgqr_").c_str());
}

bool try_load(const std::string& path, BlasLibrary& lib, std::string& err) {
  Handle h = open_lib(path.c_str());
  if (h == nullptr) {
    err = last_error();
    return false;
  }
  CblasSgemm s = reinterpret_cast<CblasSgemm>(find_sym(h, "cblas_sgemm"));
  CblasDgemm d = reinterpret_cast<CblasDgemm>(find_sym(h, "cblas_dgemm"));
  if (s == nullptr || d == nullptr) {
    err = path + ": no cblas_sgemm/cblas_dgemm";
    close_lib(h);
    return false;
  }
  lib.loaded = true;
  lib.path = resolved_path(path, reinterpret_cast<void*>(s));
  lib.name = classify(path, h);
  lib.sgemm = s;
  lib.dgemm = d;
  bind_lapack(h, lib.lapack_s, 's');
  bind_lapack(h, lib.lapack_d, 'd');
  if (lib.name == "openblas") {
    bind(h, lib.get_num_threads, "openblas_get_num_threads");
    bind(h, lib.set_num_threads, "openblas_set_num_threads");
    bind(h, lib.get_config, "openblas_get_config");
    bind(h, lib.get_corename, "openblas_get_corename");
  } else if (lib.name == "mkl") {
    bind(h, lib.get_num_threads, "MKL_Get_Max_Threads");
    bind(h, lib.set_num_threads, "MKL_Set_Num_Threads");
  } else if (lib.name == "blis") {
    using GetFn = long (*)();
    using SetFn = void (*)(long);
    // BLIS uses dim_t (long); wrap through statics so the slot types stay uniform.
    static GetFn bli_get = nullptr;
    static SetFn bli_set = nullptr;
    bind(h, bli_get, "bli_thread_get_num_threads");
    bind(h, bli_set, "bli_thread_set_num_threads");
    if (bli_get != nullptr) lib.get_num_threads = [] { return static_cast<int>(bli_get()); };
    if (bli_set != nullptr) lib.set_num_threads = [](int n) { bli_set(n); };
  }
  // Plain CBLAS builds (e.g. Debian's libblas3) keep LAPACK in a separate file.
  if (lib.lapack_d.potrf == nullptr) {
#if !defined(_WIN32) && !defined(__APPLE__)
    for (const char* lp : {"liblapack.so.3", "liblapack.so"}) {
      Handle lh = open_lib(lp);
      if (lh == nullptr) continue;
      bind_lapack(lh, lib.lapack_s, 's');
      bind_lapack(lh, lib.lapack_d, 'd');
      break;
    }
#endif
  }
  // The handles stay open for the life of the process.
  return true;
}

BlasLibrary load() {
  BlasLibrary lib;
  const char* env = std::getenv("NABLA_BLAS");
  std::string choice = env == nullptr ? "" : env;
  if (choice == "none" || choice == "0" || choice == "off") {
    lib.error = "disabled by NABLA_BLAS=" + choice;
    return lib;
  }
  std::string err;
  if (!choice.empty()) {
    if (!try_load(choice, lib, err)) lib.error = "NABLA_BLAS=" + choice + ": " + err;
    return lib;
  }
  for (const std::string& path : candidates()) {
    if (try_load(path, lib, err)) return lib;
  }
  lib.error = "no CBLAS library found (tried libopenblas, libmkl_rt, libblis, libcblas)";
  return lib;
}

std::atomic<bool> g_blas_enabled{true};

}  // namespace

const BlasLibrary& blas_library() {
  static const BlasLibrary lib = load();
  return lib;
}

bool blas_enabled() { return g_blas_enabled.load(std::memory_order_relaxed) && blas_library().loaded; }

void set_blas_enabled(bool enabled) { g_blas_enabled.store(enabled, std::memory_order_relaxed); }

int blas_num_threads() {
  const BlasLibrary& lib = blas_library();
  return lib.get_num_threads != nullptr ? lib.get_num_threads() : 0;
}

void blas_set_num_threads(int n) {
  const BlasLibrary& lib = blas_library();
  if (lib.set_num_threads != nullptr) lib.set_num_threads(n);
}

std::string blas_config() {
  const BlasLibrary& lib = blas_library();
  if (lib.get_config != nullptr) {
    const char* c = lib.get_config();
    if (c != nullptr) return c;
  }
  return "";
}

std::string blas_corename() {
  const BlasLibrary& lib = blas_library();
  if (lib.get_corename != nullptr) {
    const char* c = lib.get_corename();
    if (c != nullptr) return c;
  }
  return "";
}

}  // namespace nabla
