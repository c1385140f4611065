# lookalike_embed_file(OUT NAMESPACE SYMBOL FILE): writes OUT, a C++ source defining
# `const unsigned char SYMBOL[]` (the bytes of FILE plus a NUL) and `const std::size_t SYMBOL##Size`
# in NAMESPACE, so an installed binary carries the data file and needs nothing beside it. The
# project is re-configured when FILE changes.
function(lookalike_embed_file out namespace symbol file)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  file(READ ${file} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n"
         bytes "${bytes}")
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${file})
  file(CONFIGURE OUTPUT ${out} CONTENT
"// Generated from @rel@ by cmake/embed_file.cmake: do not edit.
#include <cstddef>
namespace @namespace@ {
extern const unsigned char @symbol@[];
extern const std::size_t @symbol@Size;
const unsigned char @symbol@[] = {
@bytes@0};
const std::size_t @symbol@Size = sizeof(@symbol@) - 1;
}  // namespace @namespace@
" @ONLY)
endfunction()
