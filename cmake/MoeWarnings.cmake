# Project-wide compile settings, applied per target with moe_target_defaults().
function(moe_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(MOE_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
    # GCC 12 reports false maybe-uninitialized warnings inside its AVX-512 intrinsics when
    # Eigen's kernels are inlined; they are not in our code.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
  if(MOE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
