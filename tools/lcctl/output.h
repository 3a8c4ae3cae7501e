// Human-readable output of lcctl: aligned tables for lists, "key: value"
// blocks for single objects, and the value formats both share.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace lc::lcctl {

// Columns padded to the widest cell (counted in UTF-8 code points).
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines with the values aligned; a key may hold several lines.
class KeyValueBlock {
 public:
  void Add(std::string key, std::string value);
  void Print(std::ostream& out) const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// The message as one JSON object (proto3 JSON mapping, indented).
absl::Status PrintJson(const google::protobuf::Message& message, std::ostream& out);

// "DOCUMENT_TYPE_FILE" with prefix "DOCUMENT_TYPE_" gives "file";
// the UNSPECIFIED value gives "-".
std::string EnumLabel(const std::string& full_name, absl::string_view prefix);
// RFC 3339 in UTC to the second, "-" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& time);
// "512 B", "1.5 KiB", "3.0 MiB"; "-" when unknown.
std::string FormatSize(std::optional<int64_t> bytes);
// At most max_chars code points, the rest replaced by "...".
std::string Truncate(const std::string& text, size_t max_chars);

}  // namespace lc::lcctl
