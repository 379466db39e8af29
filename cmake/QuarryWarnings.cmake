# quarry_target_warnings(target): warnings (and, with QUARRY_WERROR, errors)
# for quarry's own targets only. Never PUBLIC: consumers get none of this.
include_guard(GLOBAL)

function(quarry_target_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
      -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough)
    # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string
    # operator+ (GCC bug 105329, fixed in 13): a false positive that broke
    # `cmake --build --preset release` of the tests.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND
       CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      target_compile_options(${target} PRIVATE -Wno-restrict)
    endif()
    if(QUARRY_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
