# Finds quarry's dependencies. Every one comes from a Debian package; when one
# is missing, configuration stops and names the package to install.
include_guard(GLOBAL)

function(quarry_missing what debian_package)
  message(FATAL_ERROR
    "quarry needs ${what}, which was not found.\n"
    "On Debian/Ubuntu: sudo apt-get install ${debian_package}")
endfunction()

# Library dependencies (linked privately into quarry).
find_package(ICU 72 COMPONENTS uc i18n data QUIET)
if(NOT ICU_FOUND)
  quarry_missing("ICU (>= 72)" libicu-dev)
endif()
find_package(Stemmer QUIET)
if(NOT Stemmer_FOUND)
  quarry_missing("libstemmer (Snowball stemmers)" libstemmer-dev)
endif()

find_package(zstd QUIET CONFIG)
if(NOT zstd_FOUND OR NOT TARGET zstd::libzstd_shared)
  quarry_missing("zstd" libzstd-dev)
endif()

# xxHash (XXH3), used header-only (XXH_INLINE_ALL): nothing to link, so
# nothing for quarry's own users to find either.
find_path(QUARRY_XXHASH_INCLUDE_DIR xxhash.h)
if(NOT QUARRY_XXHASH_INCLUDE_DIR)
  quarry_missing("xxHash (xxhash.h)" libxxhash-dev)
endif()

# Example programs.
if(QUARRY_BUILD_EXAMPLES)
  find_package(CLI11 QUIET CONFIG)
  if(NOT CLI11_FOUND)
    quarry_missing("CLI11" libcli11-dev)
  endif()
  find_package(nlohmann_json 3 QUIET CONFIG)
  if(NOT nlohmann_json_FOUND)
    quarry_missing("nlohmann-json" nlohmann-json3-dev)
  endif()
endif()

# Tests.
if(QUARRY_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    quarry_missing("GoogleTest" "libgtest-dev libgmock-dev")
  endif()
  find_file(QUARRY_WORD_BREAK_TEST WordBreakTest.txt
    PATHS /usr/share/unicode/auxiliary /usr/share/unicode-data/auxiliary
    NO_DEFAULT_PATH)
  if(NOT QUARRY_WORD_BREAK_TEST)
    quarry_missing("the Unicode WordBreakTest.txt conformance file" unicode-data)
  endif()
endif()

# Xapian (GPL): only tests and benchmarks use it, never the library.
if(QUARRY_BUILD_TESTS OR QUARRY_BUILD_BENCHMARKS)
  find_package(xapian QUIET CONFIG)
  if(NOT xapian_FOUND)
    quarry_missing("Xapian (test oracle and benchmark baseline)" libxapian-dev)
  endif()
  if(NOT TARGET xapian::xapian)
    add_library(xapian::xapian INTERFACE IMPORTED)
    target_include_directories(xapian::xapian INTERFACE ${XAPIAN_INCLUDE_DIR})
    target_link_libraries(xapian::xapian INTERFACE ${XAPIAN_LIBRARIES})
  endif()
endif()

if(QUARRY_BUILD_BENCHMARKS)
  find_package(benchmark QUIET CONFIG)
  if(NOT benchmark_FOUND)
    quarry_missing("Google Benchmark" libbenchmark-dev)
  endif()
endif()
