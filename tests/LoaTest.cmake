# loa_add_test(NAME SOURCES file.c... LIBS lib... [TIMEOUT s] [LABELS l...])
# Builds one GTest executable and registers it with CTest. Exit code 77 = skipped.
# Tests find the source tree and the build tree through LOA_SOURCE_DIR / LOA_BUILD_DIR
# and the `loa` binary through LOA_BIN.
function(loa_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::GLIB)
  target_compile_definitions(${name} PRIVATE
    LOA_SOURCE_DIR="${PROJECT_SOURCE_DIR}" LOA_BUILD_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "LOA_BIN=$<TARGET_FILE:loa>;LOA_SOURCE_DIR=${PROJECT_SOURCE_DIR};LOA_BUILD_DIR=${PROJECT_BINARY_DIR};SDL_VIDEODRIVER=dummy;SDL_AUDIODRIVER=dummy;G_DEBUG=fatal-criticals")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
