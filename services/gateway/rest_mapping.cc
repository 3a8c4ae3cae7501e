#include "gateway/rest_mapping.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/query.h"
#include "runtime/status.h"

namespace lc::gateway {
namespace {

namespace pb = google::protobuf;

const pb::FieldDescriptor* FindField(const pb::Descriptor& d, absl::string_view name) {
  for (int i = 0; i < d.field_count(); ++i) {
    const pb::FieldDescriptor* f = d.field(i);
    if (f->name() == name || f->json_name() == name) return f;
  }
  return nullptr;
}

absl::Status Bad(absl::string_view display, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("parameter ", display, ": ", why));
}

const pb::EnumValueDescriptor* FindEnumValue(const pb::EnumDescriptor& e, absl::string_view text) {
  if (const auto* v = e.FindValueByName(std::string(text))) return v;
  const std::string suffix = absl::StrCat("_", absl::AsciiStrToUpper(text));
  const pb::EnumValueDescriptor* found = nullptr;
  for (int i = 0; i < e.value_count(); ++i) {
    const pb::EnumValueDescriptor* v = e.value(i);
    if (absl::EndsWith(v->name(), suffix)) {
      if (found != nullptr) return nullptr;  // ambiguous
      found = v;
    }
  }
  if (found != nullptr) return found;
  int number = 0;
  if (absl::SimpleAtoi(text, &number)) return e.FindValueByNumber(number);
  return nullptr;
}

template <typename T>
absl::Status ParseNumber(absl::string_view text, T* out, absl::string_view display) {
  if (!absl::SimpleAtoi(text, out)) return Bad(display, absl::StrCat("not a number: ", text));
  return absl::OkStatus();
}

absl::Status SetLeaf(pb::Message& m, const pb::FieldDescriptor& f, absl::string_view text,
                     absl::string_view display) {
  const pb::Reflection& r = *m.GetReflection();
  const bool rep = f.is_repeated();
  switch (f.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      rep ? r.AddString(&m, &f, std::string(text)) : r.SetString(&m, &f, std::string(text));
      return absl::OkStatus();
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      LC_RETURN_IF_ERROR(ParseNumber(text, &v, display));
      rep ? r.AddInt32(&m, &f, v) : r.SetInt32(&m, &f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      LC_RETURN_IF_ERROR(ParseNumber(text, &v, display));
      rep ? r.AddInt64(&m, &f, v) : r.SetInt64(&m, &f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      LC_RETURN_IF_ERROR(ParseNumber(text, &v, display));
      rep ? r.AddUInt32(&m, &f, v) : r.SetUInt32(&m, &f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      LC_RETURN_IF_ERROR(ParseNumber(text, &v, display));
      rep ? r.AddUInt64(&m, &f, v) : r.SetUInt64(&m, &f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double v = 0;
      if (!absl::SimpleAtod(text, &v)) return Bad(display, absl::StrCat("not a number: ", text));
      if (f.cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT) {
        rep ? r.AddFloat(&m, &f, static_cast<float>(v)) : r.SetFloat(&m, &f, static_cast<float>(v));
      } else {
        rep ? r.AddDouble(&m, &f, v) : r.SetDouble(&m, &f, v);
      }
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (text.empty() || text == "1" || absl::EqualsIgnoreCase(text, "true")) {
        v = true;  // "?allUsers" alone means true
      } else if (text == "0" || absl::EqualsIgnoreCase(text, "false")) {
        v = false;
      } else {
        return Bad(display, absl::StrCat("expected true or false, got ", text));
      }
      rep ? r.AddBool(&m, &f, v) : r.SetBool(&m, &f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v = FindEnumValue(*f.enum_type(), text);
      if (v == nullptr) {
        std::string names;
        for (int i = 0; i < f.enum_type()->value_count(); ++i) {
          if (f.enum_type()->value(i)->number() == 0) continue;
          absl::StrAppend(&names, names.empty() ? "" : ", ", f.enum_type()->value(i)->name());
        }
        return Bad(display, absl::StrCat("unknown value ", text, " (one of ", names, ")"));
      }
      rep ? r.AddEnum(&m, &f, v) : r.SetEnum(&m, &f, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      // Well-known types (Timestamp, FieldMask, Duration) have a JSON
      // string form; other messages are not settable from one value.
      pb::Message* sub = rep ? r.AddMessage(&m, &f) : r.MutableMessage(&m, &f);
      auto s = pb::util::JsonStringToMessage(nlohmann::json(std::string(text)).dump(), sub);
      if (!s.ok()) {
        if (rep) r.RemoveLast(&m, &f);
        return Bad(display, absl::StrCat("not a valid ", f.message_type()->name(), ": ", text));
      }
      return absl::OkStatus();
    }
  }
  return Bad(display, "unsupported field type");
}

}  // namespace

absl::Status SetFieldFromText(pb::Message& message, absl::string_view path, absl::string_view value,
                              absl::string_view display) {
  pb::Message* m = &message;
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::FieldDescriptor* f = FindField(*m->GetDescriptor(), parts[i]);
    if (f == nullptr || f->is_map()) return Bad(display, "unknown parameter");
    if (i + 1 == parts.size()) return SetLeaf(*m, *f, value, display);
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
      return Bad(display, "unknown parameter");
    }
    m = m->GetReflection()->MutableMessage(m, f);
  }
  return Bad(display, "empty parameter name");
}

absl::Status MergeJsonBody(absl::string_view body, pb::Message& message) {
  if (absl::StripAsciiWhitespace(body).empty()) return absl::OkStatus();
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pb::util::JsonStringToMessage(std::string(body), &message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request body is not a valid ",
                                                   message.GetDescriptor()->name(),
                                                   " in JSON: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

absl::Status BuildRequest(const httplib::Request& req, const RequestMapping& mapping,
                          pb::Message& message) {
  if (mapping.body) {
    const std::string content_type = req.get_header_value("Content-Type");
    if (!req.body.empty() && !content_type.empty() &&
        !absl::StartsWithIgnoreCase(content_type, "application/json")) {
      return absl::InvalidArgumentError(
          absl::StrCat("request body must be application/json, not ", content_type));
    }
    LC_RETURN_IF_ERROR(MergeJsonBody(req.body, message));
  } else if (!req.body.empty()) {
    return absl::InvalidArgumentError("this request takes no body");
  }
  for (const auto& [name, value] : QueryParams(req)) {
    auto alias = mapping.query_aliases.find(name);
    const std::string& field = alias == mapping.query_aliases.end() ? name : alias->second;
    LC_RETURN_IF_ERROR(SetFieldFromText(message, field, value, name));
  }
  for (const auto& [header, field] : mapping.header_fields) {
    if (!req.has_header(header)) continue;
    std::string value = req.get_header_value(header);
    // An entity tag is quoted on the wire (RFC 9110); ours are opaque.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    LC_RETURN_IF_ERROR(SetFieldFromText(message, field, value, header));
  }
  for (size_t i = 0; i < mapping.path_fields.size(); ++i) {
    if (i + 1 >= req.matches.size()) break;
    const std::string captured = req.matches[static_cast<int>(i + 1)];
    if (auto s =
            SetFieldFromText(message, mapping.path_fields[i], captured, mapping.path_fields[i]);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

std::string ToJson(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!pb::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

}  // namespace lc::gateway
