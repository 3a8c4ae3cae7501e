// What Dropbox's API accepts before a route runs, and which files its
// conversions take: the argument patterns and unions of its Stone spec
// (files.stone), the header encoding of developers/reference/json-encoding,
// and the extension lists of get_preview and get_thumbnail(_v2).
#pragma once

#include <cstddef>
#include <string>

#include "nlohmann/json.hpp"

namespace lc::emulator::dropbox {

// get_preview (files.stone): PDF for .ai .doc .docm .docx .eps .gdoc
// .gslides .odp .odt .pps .ppsm .ppsx .ppt .pptm .pptx .rtf, HTML for .csv
// .ods .xls .xlsm .gsheet .xlsx, unsupported_extension for anything else (a
// .pdf included).
enum class Preview { kPdf, kHtml, kNone };
Preview PreviewOf(const std::string& name);

// get_thumbnail, get_thumbnail:2, get_thumbnail_batch (files.stone): jpg
// jpeg png tiff tif gif webp ppm bmp only, and no photo over 20 MB.
bool ThumbnailExtension(const std::string& name);
inline constexpr size_t kThumbnailMaxBytes = 20 * 1024 * 1024;
// The ThumbnailFormat, ThumbnailSize and ThumbnailMode unions.
bool ThumbnailFormat(const std::string& tag);
bool ThumbnailSize(const std::string& tag);
bool ThumbnailMode(const std::string& tag);

// files.stone's path aliases: ReadPath (also rev:), PathOrId, PathROrId
// (also "" for the root).
enum class PathKind { kRead, kPathOrId, kPathROrId };
const char* PathPattern(PathKind kind);
bool PathMatches(const std::string& path, PathKind kind);
// alias Rev: 9 or more lower-case hex digits.
bool RevMatches(const std::string& rev);

// A Dropbox-API-Arg header must be "HTTP header safe": 0x7F and every
// non-ASCII character \u-escaped.
bool HeaderSafe(const std::string& value);
// JSON as Dropbox writes Dropbox-API-Result: ASCII, \u-escaped.
std::string HeaderSafeJson(const nlohmann::json& j);

// The tag of a union member in an argument: {".tag": "x"} or, for a Void
// member, "x"; `fallback` when absent, "" when it is neither.
std::string Tag(const nlohmann::json& arg, const char* key, const std::string& fallback);

}  // namespace lc::emulator::dropbox
