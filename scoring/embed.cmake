# Writes a C++ header with the text of each data file as a raw string constant, so the binary
# carries the shipped tables and works without data/ beside it.
# Usage: cmake -DOUT=<header> -DINPUTS="<name>=<file>;..." -P embed.cmake
set(text "// Generated from data/ by scoring/embed.cmake: do not edit.\n#pragma once\n#include <string_view>\n")
string(APPEND text "namespace lookalike::scoring {\n")
foreach(pair IN LISTS INPUTS)
  string(REPLACE "=" ";" parts "${pair}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  file(READ "${file}" content)
  string(FIND "${content}" ")lookalike_data\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw-string delimiter")
  endif()
  string(APPEND text "inline constexpr std::string_view ${name} = R\"lookalike_data(${content})lookalike_data\";\n")
endforeach()
string(APPEND text "}  // namespace lookalike::scoring\n")
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
