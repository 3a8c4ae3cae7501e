// Box representations (pdf, extracted_text, jpg, png): which file types have
// which, from Box's "Supported File Types" table, and the state a
// representation is in while Box generates it after an upload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lc::emulator::box {

// The representations the emulator makes.
inline constexpr std::string_view kRepresentations[] = {"pdf", "extracted_text", "jpg", "png"};

// Whether Box makes `representation` for a file named `name` (by its
// extension, case-insensitive). An unknown representation is never made.
bool Supports(std::string_view representation, std::string_view name);

// The representation names of an x-rep-hints header, in order, without
// their query ("[pdf][jpg?dimensions=94x94]" -> pdf, jpg). Empty when the
// header is empty or holds no well-formed hint.
std::vector<std::string> ParseRepHints(std::string_view header);

enum class RepState { kPending, kSuccess, kError };

// Box generates representations on upload: a revision's are pending for
// `delay_ms` after it was made, then ready. `readable` is false when the
// emulator cannot make this representation from the bytes (text of a ZIP
// container): generation fails.
RepState StateAt(int64_t now_ms, int64_t uploaded_ms, int64_t delay_ms, bool readable);
std::string_view StateName(RepState state);

}  // namespace lc::emulator::box
