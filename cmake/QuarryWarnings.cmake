# quarry_target_warnings(target): warnings (and, with QUARRY_WERROR, errors)
# for quarry's own targets only. Never PUBLIC: consumers get none of this.
include_guard(GLOBAL)

function(quarry_target_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
      -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough)
    if(QUARRY_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
