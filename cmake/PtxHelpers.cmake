# ptx_library(NAME SRCS ... [DEPS ...] [PRIVATE_DEPS ...])
#   Static library ptx_<NAME> with alias ptx::<NAME>; public headers in libs/<NAME>/include.
#   DEPS are linked PUBLIC (their headers appear in ours), PRIVATE_DEPS stay private.
function(ptx_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ptx_${name} STATIC ${ARG_SRCS})
  add_library(ptx::${name} ALIAS ptx_${name})
  target_include_directories(ptx_${name}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(ptx_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_options(ptx_${name} PRIVATE ${PTX_WARNINGS})
endfunction()

# ptx_test(NAME SRCS ... DEPS ...)
#   GoogleTest executable test_<NAME> registered with CTest, one CTest entry per test case.
function(ptx_test name)
  if(NOT PTX_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(test_${name} ${ARG_SRCS})
  target_link_libraries(test_${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_options(test_${name} PRIVATE ${PTX_WARNINGS})
  gtest_discover_tests(test_${name} DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
endfunction()
