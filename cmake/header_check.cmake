# suppliers_check_headers(TARGET HEADER...): compiles each HEADER on its own
# (a generated source that includes only it, twice, so a missing include
# guard fails too) with TARGET's include paths and libraries. A header that
# compiles only thanks to what its includer included first fails the build.
function(suppliers_check_headers target)
  if(NOT SUPPLIERS_HEADER_CHECKS)
    return()
  endif()
  set(sources)
  foreach(header ${ARGN})
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}
         ${CMAKE_CURRENT_SOURCE_DIR}/${header})
    string(MAKE_C_IDENTIFIER ${rel} id)
    set(source ${CMAKE_CURRENT_BINARY_DIR}/header_check/${id}.cc)
    file(CONFIGURE OUTPUT ${source}
         CONTENT "#include \"${rel}\"\n#include \"${rel}\"\n")
    list(APPEND sources ${source})
  endforeach()
  add_library(${target}_headers OBJECT ${sources})
  target_link_libraries(${target}_headers PRIVATE ${target})
  suppliers_strict_warnings(${target}_headers)
endfunction()
