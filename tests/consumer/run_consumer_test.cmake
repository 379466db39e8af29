# Installs a quarry build into a scratch prefix, then builds and runs the
# consumer program against the installed tree twice: with find_package(quarry)
# and with pkg-config. Run by ctest as `packaging.consumer`.
#
# Inputs: QUARRY_BUILD_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, CMAKE_GENERATOR,
#         CXX_COMPILER, CXX_FLAGS, LINKER_FLAGS.
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(JOIN " " cmd ${ARGN})
    message(FATAL_ERROR "command failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
run(${CMAKE_COMMAND} --install "${QUARRY_BUILD_DIR}" --prefix "${prefix}")

# 1. CMake: find_package(quarry) from the installed tree only.
run(${CMAKE_COMMAND} -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/cmake-build"
    -G "${CMAKE_GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/cmake-build")
run("${WORK_DIR}/cmake-build/consumer")

# 2. pkg-config, static linking.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB pcdirs "${prefix}/lib*/pkgconfig" "${prefix}/lib/*/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "${pcdirs}")
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs --static quarry
                RESULT_VARIABLE rc OUTPUT_VARIABLE flags
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config cannot find the installed quarry.pc")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(cxxflags UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(ldflags UNIX_COMMAND "${LINKER_FLAGS}")
run(${CXX_COMPILER} -std=c++20 ${cxxflags} "${CONSUMER_SOURCE_DIR}/consumer.cc"
    -o "${WORK_DIR}/consumer-pkgconfig" ${flags} ${ldflags})
run("${WORK_DIR}/consumer-pkgconfig")
