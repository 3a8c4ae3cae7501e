// Small helpers shared by the emulator's providers: hashes, time formats and the generated
// thumbnail and PDF bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// Base64, percent and form encodings, shared with the services.
#include "runtime/encoding.h"

namespace lc::emulator {

std::string Md5Hex(const std::string& data);
std::string Sha1Hex(const std::string& data);
std::string Sha256Hex(const std::string& data);
// Dropbox content_hash: SHA-256 over the SHA-256 digests of 4 MiB blocks.
std::string DropboxContentHash(const std::string& data);
// Microsoft's QuickXorHash, base64.
std::string QuickXorHashBase64(const std::string& data);

std::string RandomToken(size_t length);  // [A-Za-z0-9]
std::string RandomDigits(size_t length);
std::string RandomHex(size_t length);

// 2024-01-02T03:04:05.678Z (Drive, Graph).
std::string Rfc3339Millis(int64_t epoch_ms);
// 2024-01-02T03:04:05Z (Dropbox).
std::string Rfc3339Seconds(int64_t epoch_ms);
// 2024-01-02T03:04:05-00:00 (Box).
std::string BoxTime(int64_t epoch_ms);

std::string ToLower(std::string s);
bool StartsWith(const std::string& s, const std::string& prefix);
std::vector<std::string> Split(const std::string& s, char sep);

// A small valid PDF whose single page shows `text`.
std::string MakePdf(const std::string& title, const std::string& text);

// The stand-in for a page of a provider's web app (a viewer or editor that
// a browser signed in at the provider would see): a small HTML page naming
// the provider and the item, escaped.
std::string WebAppPage(const std::string& provider, const std::string& item);
// A 1x1 PNG / JPEG image used for every thumbnail.
std::string ThumbnailPng();
std::string ThumbnailJpeg();

std::string GuessMimeType(const std::string& name);

}  // namespace lc::emulator
