// OtlpGrpcTransport::Create: picks the implementation (libcurl HTTP/2, or grpc++ linked in or
// in the plugin).
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "grpc_common.h"
#include "grpc_curl_transport.h"
#include "grpc_plugin.h"
#include "ptx/transport/otlp_grpc_transport.h"

// Defined only when the gRPC objects (ptx::transport_grpc) are linked into the program.
extern "C" __attribute__((weak)) void PTX_GRPC_PLUGIN_ENTRY(
    ptx::transport::OtlpGrpcTransportOptions* options,
    ptx::transport::internal::GrpcCreateResult* out);

namespace ptx::transport {
namespace {

constexpr char kPluginFile[] = "ptx-grpc-transport.so";
constexpr char kImplementationVariable[] = "PTX_GRPC_TRANSPORT";

enum class Implementation { kCurl, kPlugin };

// $PTX_GRPC_TRANSPORT, read on every Create so that tests can switch; unset or empty: libcurl
// when it was built with HTTP/2 (nghttp2), else the plugin.
Result<Implementation> ChooseImplementation() {
  const char* chosen = std::getenv(kImplementationVariable);
  if (chosen == nullptr || *chosen == '\0') {
    const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
    const bool http2 = curl != nullptr && (curl->features & CURL_VERSION_HTTP2) != 0;
    return http2 ? Implementation::kCurl : Implementation::kPlugin;
  }
  const std::string value = chosen;
  if (value == "curl") return Implementation::kCurl;
  if (value == "plugin") return Implementation::kPlugin;
  return InvalidArgumentError(std::string(kImplementationVariable) + "='" + value +
                              "': expected 'curl' or 'plugin'");
}

// The directory of the shared object (or executable) this code is linked into.
std::string OwnDirectory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&OwnDirectory), &info) == 0 || info.dli_fname == nullptr) {
    return std::string();
  }
  std::string path = info.dli_fname;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

struct Plugin {
  internal::GrpcCreateFunction create = nullptr;
  std::string error;  // why create is null
};

// Loaded once and never unloaded: gRPC's threads and fork handlers live in it.
const Plugin& LoadPlugin() {
  static const Plugin plugin = [] {
    Plugin p;
    std::vector<std::string> candidates;
    const char* configured = std::getenv("PTX_GRPC_TRANSPORT_PLUGIN");
    if (configured != nullptr && *configured != '\0') {
      candidates.emplace_back(configured);
    } else {
      candidates.push_back(OwnDirectory() + "/" + kPluginFile);
#ifdef PTX_GRPC_PLUGIN_BUILD_PATH
      // Development builds only: C++ programs in the build tree (benchmarks, tools) are not
      // beside the plugin.
      candidates.emplace_back(PTX_GRPC_PLUGIN_BUILD_PATH);
#endif
    }
    void* handle = nullptr;
    std::string path;
    for (const std::string& candidate : candidates) {
      handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) {
        path = candidate;
        break;
      }
      const char* error = dlerror();
      if (!p.error.empty()) p.error += "; ";
      p.error += error != nullptr ? error : candidate;
    }
    if (handle == nullptr) {
      p.error = "cannot load the gRPC transport plugin: " + p.error;
      return p;
    }
    p.error.clear();
    p.create = reinterpret_cast<internal::GrpcCreateFunction>(
        dlsym(handle, PTX_GRPC_PLUGIN_ENTRY_NAME));
    if (p.create == nullptr) p.error = path + " is not a pytracingx gRPC transport plugin";
    return p;
  }();
  return plugin;
}

}  // namespace

Result<std::unique_ptr<OtlpTransport>> OtlpGrpcTransport::Create(
    OtlpGrpcTransportOptions options) {
  Result<Implementation> implementation = ChooseImplementation();
  if (!implementation.ok()) return implementation.status();
  if (Status valid = internal::ValidateGrpcOptions(options); !valid.ok()) return valid;
  if (*implementation == Implementation::kCurl) {
    return internal::CreateCurlGrpcTransport(std::move(options));
  }
  internal::GrpcCreateFunction create = &PTX_GRPC_PLUGIN_ENTRY;
  if (create == nullptr) {
    const Plugin& plugin = LoadPlugin();
    if (plugin.create == nullptr) return Status(StatusCode::kUnavailable, plugin.error);
    create = plugin.create;
  }
  internal::GrpcCreateResult result;
  create(&options, &result);
  if (!result) return Status(StatusCode::kInternal, "gRPC transport plugin returned nothing");
  return std::move(*result);
}

}  // namespace ptx::transport
