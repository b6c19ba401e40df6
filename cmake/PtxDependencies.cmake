# Every third-party dependency comes from Debian packages (ci/setup.sh installs them).
set(PTX_WARNINGS -Wall -Wextra -Wno-unused-parameter)

find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)  # with gRPC; the emulator's tables use its hash map
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_program(PTX_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

if(PTX_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
