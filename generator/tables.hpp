// The glyph tables generation draws from: dnstwist's homoglyphs and Cyrillic letters, UTS #39
// confusables and accented Latin letters (both computed from ICU at build time by generator/tools),
// and ASCII look-alike sequences. Internal to the generator.
#pragma once

#include <string_view>
#include <utility>

namespace lookalike::generator::detail {

// dnstwist's homoglyph table (dnstwist 20221213, Fuzzer.glyphs), kept verbatim so that our output
// contains dnstwist's; the TR39 confusables fuzzer adds what Unicode itself calls confusable.
struct Glyphs {
  char from;
  std::u32string_view to[18];
};
inline constexpr Glyphs kGlyphs[] = {
    {'0', {U"o"}},
    {'1', {U"l", U"i"}},
    {'2', {U"ƻ"}},
    {'3', {U"8"}},
    {'5', {U"ƽ"}},
    {'6', {U"9"}},
    {'8', {U"3"}},
    {'9', {U"6"}},
    {'a', {U"à", U"á", U"à", U"â", U"ã", U"ä", U"å", U"ɑ", U"ạ", U"ǎ", U"ă", U"ȧ", U"ą", U"ə"}},
    {'b', {U"d", U"lb", U"ʙ", U"ɓ", U"ḃ", U"ḅ", U"ḇ", U"ƅ"}},
    {'c', {U"e", U"ƈ", U"ċ", U"ć", U"ç", U"č", U"ĉ", U"ᴄ"}},
    {'d', {U"b", U"cl", U"dl", U"ɗ", U"đ", U"ď", U"ɖ", U"ḑ", U"ḋ", U"ḍ", U"ḏ", U"ḓ"}},
    {'e', {U"c", U"é", U"è", U"ê", U"ë", U"ē", U"ĕ", U"ě", U"ė", U"ẹ", U"ę", U"ȩ", U"ɇ", U"ḛ"}},
    {'f', {U"ƒ", U"ḟ"}},
    {'g', {U"q", U"ɢ", U"ɡ", U"ġ", U"ğ", U"ǵ", U"ģ", U"ĝ", U"ǧ", U"ǥ"}},
    {'h', {U"lh", U"ĥ", U"ȟ", U"ħ", U"ɦ", U"ḧ", U"ḩ", U"ⱨ", U"ḣ", U"ḥ", U"ḫ", U"ẖ"}},
    {'i', {U"1", U"l", U"í", U"ì", U"ï", U"ı", U"ɩ", U"ǐ", U"ĭ", U"ỉ", U"ị", U"ɨ", U"ȋ", U"ī", U"ɪ"}},
    {'j', {U"ʝ", U"ǰ", U"ɉ", U"ĵ"}},
    {'k', {U"lk", U"ik", U"lc", U"ḳ", U"ḵ", U"ⱪ", U"ķ", U"ᴋ"}},
    {'l', {U"1", U"i", U"ɫ", U"ł"}},
    {'m', {U"n", U"nn", U"rn", U"rr", U"ṁ", U"ṃ", U"ᴍ", U"ɱ", U"ḿ"}},
    {'n', {U"m", U"r", U"ń", U"ṅ", U"ṇ", U"ṉ", U"ñ", U"ņ", U"ǹ", U"ň", U"ꞑ"}},
    {'o', {U"0", U"ȯ", U"ọ", U"ỏ", U"ơ", U"ó", U"ö", U"ᴏ"}},
    {'p', {U"ƿ", U"ƥ", U"ṕ", U"ṗ"}},
    {'q', {U"g", U"ʠ"}},
    {'r', {U"ʀ", U"ɼ", U"ɽ", U"ŕ", U"ŗ", U"ř", U"ɍ", U"ɾ", U"ȓ", U"ȑ", U"ṙ", U"ṛ", U"ṟ"}},
    {'s', {U"ʂ", U"ś", U"ṣ", U"ṡ", U"ș", U"ŝ", U"š", U"ꜱ"}},
    {'t', {U"ţ", U"ŧ", U"ṫ", U"ṭ", U"ț", U"ƫ"}},
    {'u', {U"ᴜ", U"ǔ", U"ŭ", U"ü", U"ʉ", U"ù", U"ú", U"û", U"ũ", U"ū", U"ų", U"ư", U"ů", U"ű", U"ȕ", U"ȗ", U"ụ"}},
    {'v', {U"ṿ", U"ⱱ", U"ᶌ", U"ṽ", U"ⱴ", U"ᴠ"}},
    {'w', {U"vv", U"ŵ", U"ẁ", U"ẃ", U"ẅ", U"ⱳ", U"ẇ", U"ẉ", U"ẘ", U"ᴡ"}},
    {'x', {U"ẋ", U"ẍ"}},
    {'y', {U"ʏ", U"ý", U"ÿ", U"ŷ", U"ƴ", U"ȳ", U"ɏ", U"ỿ", U"ẏ", U"ỵ"}},
    {'z', {U"ʐ", U"ż", U"ź", U"ᴢ", U"ƶ", U"ẓ", U"ẕ", U"ⱬ"}},
};

// dnstwist's latin_to_cyrillic table.
inline constexpr std::pair<char32_t, char32_t> kCyrillic[] = {
    {'a', U'а'}, {'b', U'ь'}, {'c', U'с'}, {'d', U'ԁ'}, {'e', U'е'}, {'g', U'ԍ'}, {'h', U'һ'},
    {'i', U'і'}, {'j', U'ј'}, {'k', U'к'}, {'l', U'ӏ'}, {'m', U'м'}, {'o', U'о'}, {'p', U'р'},
    {'q', U'ԛ'}, {'s', U'ѕ'}, {'t', U'т'}, {'v', U'ѵ'}, {'w', U'ԝ'}, {'x', U'х'}, {'y', U'у'}};

// UTS #39 confusables of ASCII letters and digits, inverted from ICU's skeletons at build time.
struct Confusable {
  char ascii;
  char32_t cp;
  int script;  // ICU UScriptCode
};
inline constexpr Confusable kConfusables[] = {
#include "confusables_table.inc"
};
inline constexpr int kScriptCommon = 0, kScriptInherited = 1, kScriptLatin = 25;

// ASCII sequences that read as each other in most fonts.
inline constexpr std::pair<std::u32string_view, std::u32string_view> kAsciiLookalikes[] = {
    {U"m", U"rn"}, {U"rn", U"m"}, {U"m", U"nn"}, {U"nn", U"m"}, {U"d", U"cl"}, {U"cl", U"d"}, {U"w", U"vv"},
    {U"vv", U"w"}, {U"o", U"0"},  {U"0", U"o"},  {U"l", U"1"},  {U"1", U"l"},  {U"i", U"1"},  {U"1", U"i"},
    {U"l", U"i"},  {U"i", U"l"},  {U"s", U"5"},  {U"5", U"s"},  {U"b", U"8"},  {U"g", U"9"},  {U"q", U"g"},
    {U"u", U"v"},  {U"v", U"u"},  {U"e", U"3"},  {U"a", U"4"},  {U"ri", U"n"}, {U"in", U"m"}, {U"lj", U"y"}};

// Accented Latin letters: precomposed lower-case letters whose decomposition is one ASCII letter
// plus combining marks (tools/gen_confusables.cpp). Tier 1: Latin-1 Supplement and Latin Extended-A;
// 2: other letters with one mark; 3: two or more marks.
struct Accent {
  char ascii;
  char32_t cp;
  int tier;
  char32_t mark;  // the first combining mark of its decomposition (U+0301 for á): "the same accent"
};
inline constexpr Accent kAccents[] = {
#include "accents_table.inc"
};

}  // namespace lookalike::generator::detail
