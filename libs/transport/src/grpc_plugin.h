// Internal: the one entry point of ptx-grpc-transport.so, the plugin holding everything that
// links gRPC (otlp_grpc_transport.cc). The loader (otlp_grpc_loader.cc) finds it with dlsym,
// or calls it directly when the objects are linked in. Both sides are built from this tree by
// the same compiler, so C++ types cross the boundary; the name carries a version all the same.
#pragma once

#include <memory>
#include <optional>

#include "ptx/base/status.h"
#include "ptx/transport/otlp_grpc_transport.h"
#include "ptx/transport/otlp_transport.h"

#define PTX_GRPC_PLUGIN_ENTRY ptx_grpc_transport_create_v1
#define PTX_GRPC_PLUGIN_ENTRY_NAME "ptx_grpc_transport_create_v1"

namespace ptx::transport::internal {

using GrpcCreateResult = std::optional<Result<std::unique_ptr<OtlpTransport>>>;
using GrpcCreateFunction = void (*)(OtlpGrpcTransportOptions* options, GrpcCreateResult* out);

}  // namespace ptx::transport::internal

// The entry, defined in otlp_grpc_transport.cc as
//   extern "C" void PTX_GRPC_PLUGIN_ENTRY(OtlpGrpcTransportOptions* options, GrpcCreateResult* out)
// validates *options (moving from it) and builds a transport into *out.
