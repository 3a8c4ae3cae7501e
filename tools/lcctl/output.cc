#include "output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/proto_time.h"

namespace lc::lcctl {
namespace {

// Code points, so that accented titles do not break the alignment.
size_t DisplayWidth(absl::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

void PrintPadded(std::ostream& out, const std::string& text, size_t width) {
  out << text << std::string(width - DisplayWidth(text), ' ');
}

}  // namespace

Table::Table(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(rows_.front().size(), 0);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        out << row[i];
      } else {
        PrintPadded(out, row[i], widths[i] + 2);
      }
    }
    out << "\n";
  }
}

void KeyValueBlock::Add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

void KeyValueBlock::Print(std::ostream& out) const {
  size_t width = 0;
  for (const auto& entry : entries_) width = std::max(width, DisplayWidth(entry.first) + 1);
  for (const auto& [key, value] : entries_) {
    PrintPadded(out, key + ":", width + 1);
    // Continuation lines of a multi-line value stay in the value column.
    out << absl::StrReplaceAll(value, {{"\n", "\n" + std::string(width + 1, ' ')}}) << "\n";
  }
}

absl::Status PrintJson(const google::protobuf::Message& message, std::ostream& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print as JSON: ", status.ToString()));
  }
  out << json;
  if (!absl::EndsWith(json, "\n")) out << "\n";
  return absl::OkStatus();
}

std::string EnumLabel(const std::string& full_name, absl::string_view prefix) {
  absl::string_view name = full_name;
  absl::ConsumePrefix(&name, prefix);
  if (name.empty() || name == "UNSPECIFIED") return "-";
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", "-"}});
}

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTimestamp(time), absl::UTCTimeZone());
}

std::string FormatSize(std::optional<int64_t> bytes) {
  if (!bytes) return "-";
  if (*bytes < 1024) return absl::StrFormat("%d B", *bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(*bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, units[unit]);
}

std::string Truncate(const std::string& text, size_t max_chars) {
  if (DisplayWidth(text) <= max_chars) return text;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars - 3) return text.substr(0, i) + "...";
    ++chars;
  }
  return text;
}

}  // namespace lc::lcctl
