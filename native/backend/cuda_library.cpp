#include "cuda_library.h"

#include <cstdlib>
#include <vector>

#if defined(_WIN32)
#define TD_NO_DLOPEN 1
#else
#include <dlfcn.h>
#endif

namespace td {
namespace backend {

namespace {

#if !defined(TD_NO_DLOPEN)
std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

// Where to look: an explicit override, the addon's own folder (prebuilds ship the library
// beside the addon), and the cmake-js build folder of a source checkout.
std::vector<std::string> Candidates() {
  std::vector<std::string> list;
  if (const char* env = std::getenv("TABULAR_DIFFUSION_CUDA_LIB")) list.push_back(env);
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&GetCudaLibrary), &info) && info.dli_fname) {
    const std::string dir = DirectoryOf(info.dli_fname);
    list.push_back(dir + "/libtabular_diffusion_cuda.so");
    // build/Release/x.node -> <root>/build-cmake/Release/
    list.push_back(dir + "/../../build-cmake/Release/libtabular_diffusion_cuda.so");
  }
  return list;
}
#endif

CudaLibrary Load() {
  CudaLibrary b;
#if defined(TD_NO_DLOPEN)
  b.reason = "the CUDA backend is not supported on this platform";
#else
  std::string errors;
  for (const std::string& path : Candidates()) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      // A missing file is the common case; keep the other errors (bad ELF, missing symbol).
      if (e && std::string(e).find("No such file") == std::string::npos) errors += std::string(e) + "; ";
      continue;
    }
    b.library = path;
    auto get = reinterpret_cast<TdCudaGetApiFn>(dlsym(handle, "td_cuda_get_api"));
    const TdCudaApi* api = get ? get(TD_CUDA_ABI) : nullptr;
    if (!api) {
      b.reason = path + " does not speak CUDA ABI " + std::to_string(TD_CUDA_ABI) + "; rebuild it with npm run build:cuda";
      return b;
    }
    int count = 0;
    api->device_count(&count);
    if (count <= 0) {
      b.reason = api->last_error()[0] ? api->last_error() : "no CUDA device found";
      return b;
    }
    char name[256] = "";
    api->device_name(0, name, sizeof name);
    b.api = api;
    b.devices = count;
    b.reason = name;
    return b;
  }
  b.reason = "no CUDA backend library found (build it with \"npm run build:cuda\")";
  if (!errors.empty()) b.reason += "; loader errors: " + errors;
#endif
  return b;
}

}  // namespace

const CudaLibrary& GetCudaLibrary() {
  static const CudaLibrary library = Load();  // thread-safe one-time initialisation
  return library;
}

}  // namespace backend
}  // namespace td
