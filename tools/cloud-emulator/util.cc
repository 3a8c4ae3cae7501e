#include "util.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>

#include "absl/strings/escaping.h"
#include "runtime/encoding.h"

namespace lc::emulator {
namespace {

std::string Digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string RandomFrom(const char* alphabet, size_t n, size_t length) {
  thread_local std::mt19937_64 rng([] {
    uint64_t seed = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof(seed));
    return seed;
  }());
  std::string out(length, ' ');
  for (auto& c : out) c = alphabet[rng() % n];
  return out;
}

std::string FormatTime(int64_t epoch_ms, const char* suffix_fmt, bool millis) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (millis) {
    char ms[8];
    std::snprintf(ms, sizeof(ms), ".%03d", static_cast<int>(epoch_ms % 1000));
    out += ms;
  }
  return out + suffix_fmt;
}

std::string PngChunk(const std::string& type, const std::string& data) {
  std::string out;
  uint32_t len = data.size();
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(len >> (8 * i)));
  std::string body = type + data;
  out += body;
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

}  // namespace

std::string Md5Hex(const std::string& data) {
  return absl::BytesToHexString(Digest(EVP_md5(), data));
}
std::string Sha1Hex(const std::string& data) {
  return absl::BytesToHexString(Digest(EVP_sha1(), data));
}
std::string Sha256Hex(const std::string& data) {
  return absl::BytesToHexString(Digest(EVP_sha256(), data));
}

std::string DropboxContentHash(const std::string& data) {
  constexpr size_t kBlock = 4 * 1024 * 1024;
  std::string concatenated;
  for (size_t off = 0; off < data.size(); off += kBlock) {
    concatenated += Digest(EVP_sha256(), data.substr(off, kBlock));
  }
  return absl::BytesToHexString(Digest(EVP_sha256(), concatenated));
}

std::string QuickXorHashBase64(const std::string& data) {
  constexpr size_t kWidthBits = 160;
  constexpr size_t kShift = 11;
  unsigned char cells[20] = {0};
  size_t bit = 0;
  for (unsigned char c : data) {
    size_t byte = bit / 8;
    size_t offset = bit % 8;
    uint16_t v = static_cast<uint16_t>(c) << offset;
    cells[byte] ^= static_cast<unsigned char>(v & 0xff);
    cells[(byte + 1) % 20] ^= static_cast<unsigned char>(v >> 8);
    bit = (bit + kShift) % kWidthBits;
  }
  uint64_t length = data.size();
  for (int i = 0; i < 8; ++i) {
    cells[12 + i] ^= static_cast<unsigned char>(length >> (8 * i));
  }
  return Base64Encode(std::string(reinterpret_cast<char*>(cells), 20));
}

std::string RandomToken(size_t length) {
  static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return RandomFrom(kAlnum, 62, length);
}
std::string RandomDigits(size_t length) { return RandomFrom("0123456789", 10, length); }
std::string RandomHex(size_t length) { return RandomFrom("0123456789abcdef", 16, length); }

std::string Rfc3339Millis(int64_t epoch_ms) { return FormatTime(epoch_ms, "Z", true); }
std::string Rfc3339Seconds(int64_t epoch_ms) { return FormatTime(epoch_ms, "Z", false); }
std::string BoxTime(int64_t epoch_ms) { return FormatTime(epoch_ms, "-00:00", false); }

std::string ToLower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string MakePdf(const std::string& title, const std::string& text) {
  std::string escaped;
  for (char c : text.substr(0, 2000)) {
    if (c == '(' || c == ')' || c == '\\') escaped.push_back('\\');
    if (c == '\n' || c == '\r') {
      escaped += ") Tj T* (";
      continue;
    }
    escaped.push_back(c);
  }
  std::string stream = "BT /F1 12 Tf 14 TL 72 720 Td (" + escaped + ") Tj ET";
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      "<< /Title (" + title + ") /Producer (lc cloud-emulator) >>",
  };
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[32];
    std::snprintf(line, sizeof(line), "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R /Info 6 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::string ThumbnailPng() {
  static const std::string png = [] {
    std::string ihdr;
    auto be32 = [&](uint32_t v) {
      for (int i = 3; i >= 0; --i) ihdr.push_back(static_cast<char>(v >> (8 * i)));
    };
    be32(1);
    be32(1);
    ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
    std::string raw("\x00\x3c\x78\xb4", 4);          // filter + one pixel
    uLongf len = compressBound(raw.size());
    std::string z(len, '\0');
    compress(reinterpret_cast<Bytef*>(z.data()), &len, reinterpret_cast<const Bytef*>(raw.data()),
             raw.size());
    z.resize(len);
    return std::string("\x89PNG\r\n\x1a\n", 8) + PngChunk("IHDR", ihdr) + PngChunk("IDAT", z) +
           PngChunk("IEND", "");
  }();
  return png;
}

std::string ThumbnailJpeg() {
  static const std::string jpeg = [] {
    std::string bytes;
    // A fixed literal in canonical base64: it always decodes.
    Base64Decode(
        "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP////////////////////////////////////"
        "//////////////////////////////////////////////////wgALCAABAAEBAREA/"
        "8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
        &bytes);
    return bytes;
  }();
  return jpeg;
}

std::string GuessMimeType(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {"txt", "text/plain"},
      {"md", "text/markdown"},
      {"html", "text/html"},
      {"csv", "text/csv"},
      {"json", "application/json"},
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"pptx",
       "application/"
       "vnd.openxmlformats-officedocument.presentationml.presentation"},
  };
  auto dot = name.rfind('.');
  if (dot == std::string::npos) return "application/octet-stream";
  auto it = kTypes.find(ToLower(name.substr(dot + 1)));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::string WebAppPage(const std::string& provider, const std::string& item) {
  const std::string name = HtmlEscape(item);
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + name + " - " + provider +
         "</title></head><body><h1>" + name + "</h1><p>" + provider +
         " (emulated web app)</p></body></html>";
}

}  // namespace lc::emulator
