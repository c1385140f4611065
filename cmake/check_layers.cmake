# The layers of the source tree, and a check that no folder includes a header of a folder it may
# not depend on (a stage including cli/, report/ including pipeline/, ...).
#   cmake -DLOOKALIKE_ROOT=<tree> -P cmake/check_layers.cmake
# Run by ctest (label `architecture`); exits non-zero, naming the file and the include, on a violation.
cmake_minimum_required(VERSION 3.25)
#
# One row per folder: what it may include besides itself. Lower layers first. Every top-level
# folder with a CMakeLists.txt (but tests/ and bench/) must have a row.
set(lookalike_layers
  "util:"
  "domain:util"
  "net:"
  "generator:domain util"
  "resolver:domain util"
  "ctlog:domain util net"
  "index:domain util"
  "scoring:domain util net resolver"
  "rdap:domain util net index"
  "ingest:domain util generator index"
  "telemetry:domain util"
  "queue:domain util"
  "posture:domain util net resolver index scoring"
  "report:domain util index scoring resolver rdap posture"
  "alerts:domain util net index scoring report telemetry posture"
  "pipeline:domain util net generator resolver ctlog index scoring rdap ingest report telemetry alerts posture queue"
  "cli:domain util net generator resolver ctlog index scoring rdap ingest report telemetry alerts pipeline posture queue"
)

if(NOT LOOKALIKE_ROOT)
  get_filename_component(LOOKALIKE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

set(known)
set(problems)
foreach(row ${lookalike_layers})
  string(REPLACE ":" ";" parts "${row}")
  list(GET parts 0 folder)
  list(LENGTH parts n)
  set(allowed)
  if(n GREATER 1)
    list(GET parts 1 deps)
    string(REPLACE " " ";" allowed "${deps}")
  endif()
  list(APPEND known ${folder})
  if(NOT IS_DIRECTORY "${LOOKALIKE_ROOT}/${folder}")
    continue()
  endif()
  file(GLOB_RECURSE sources "${LOOKALIKE_ROOT}/${folder}/*.hpp" "${LOOKALIKE_ROOT}/${folder}/*.cpp"
       "${LOOKALIKE_ROOT}/${folder}/*.h" "${LOOKALIKE_ROOT}/${folder}/*.in")
  foreach(source ${sources})
    file(STRINGS "${source}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[A-Za-z0-9_]+/")
    foreach(line ${lines})
      string(REGEX MATCH "\"([A-Za-z0-9_]+)/[^\"]*\"" include "${line}")
      set(target "${CMAKE_MATCH_1}")
      if(target STREQUAL folder OR target IN_LIST allowed)
        continue()
      endif()
      file(RELATIVE_PATH rel "${LOOKALIKE_ROOT}" "${source}")
      list(JOIN allowed " " allowed_text)
      list(APPEND problems "${rel}: ${folder}/ may not include ${include} (allowed: ${allowed_text})")
    endforeach()
  endforeach()
endforeach()

# A new folder states its layer before it can depend on anything.
file(GLOB entries RELATIVE "${LOOKALIKE_ROOT}" "${LOOKALIKE_ROOT}/*")
foreach(entry ${entries})
  if(IS_DIRECTORY "${LOOKALIKE_ROOT}/${entry}" AND EXISTS "${LOOKALIKE_ROOT}/${entry}/CMakeLists.txt"
     AND NOT entry MATCHES "^(tests|bench)$" AND NOT entry IN_LIST known)
    list(APPEND problems "${entry}/: no row in the layer table of cmake/check_layers.cmake")
  endif()
endforeach()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "layer violations:\n  ${text}")
endif()
list(LENGTH known count)
message(STATUS "layers: ${count} folders, no include of a higher or unrelated layer")
