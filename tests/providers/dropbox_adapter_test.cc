// The Dropbox adapter against scripted HTTP answers: the requests it builds
// (content calls without a Content-Type, header-safe arguments, encoded web
// preview paths) and its answers where Dropbox refuses (thumbnails of images
// only, PDF previews of the documented types only, revisions that expired).
#include "providers/dropbox_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/fake_http_client.h"
#include "testing/scripted_api_session.h"

namespace lc::providers {
namespace {

using ::lc::testing::FakeHttpClient;
using ::lc::testing::ScriptedApiSession;
using ::lc::testing::StringSink;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kBase[] = "http://dropbox.test";

json FileMetadata(const std::string& name, int64_t size = 5,
                  const std::string& rev = "5aaaaaaaa1") {
  return {{".tag", "file"},       {"id", "id:abc"},
          {"name", name},         {"path_display", "/Docs/" + name},
          {"rev", rev},           {"size", size},
          {"content_hash", "ff"}, {"server_modified", "2024-05-01T10:00:00Z"}};
}

std::string RouteError(const std::string& summary, const json& error) {
  return json{{"error_summary", summary + "/.."}, {"error", error}}.dump();
}

v1::BlobRef Ref(const std::string& id = "id:abc", const std::string& revision = "") {
  v1::BlobRef ref;
  ref.set_provider("dropbox");
  ref.set_account("a@example.com");
  ref.set_file_id(id);
  ref.set_revision(revision);
  return ref;
}

class DropboxAdapterTest : public ::testing::Test {
 protected:
  // The route a request went to ("files/download").
  static std::string Route(const HttpRequest& r) {
    return r.url.substr(std::string(kBase).size() + 3);
  }
  static std::string Header(const HttpRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "<absent>";
  }

  FakeHttpClient http_;
  ScriptedApiSession session_{http_, kBase};
  DropboxAdapter adapter_;
  StringSink sink_;
};

TEST_F(DropboxAdapterTest, ContentCallsSendNoContentTypeAndAHeaderSafeArgument) {
  // The id carries a non-ASCII character and 0x7F, which must be \u-escaped.
  const std::string id = "id:\xC3\xA9\x7F";
  http_.Answer(200, FileMetadata("Résumé.txt").dump());
  http_.Answer(200, "bytes");
  absl::Status st =
      adapter_.GetContent(session_, Ref(id), v1::CONTENT_FORMAT_ORIGINAL, 1 << 20, sink_);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(http_.requests.size(), 2u);
  const HttpRequest& download = http_.requests[1];
  EXPECT_EQ(Route(download), "files/download");
  EXPECT_EQ(download.method, "POST");
  EXPECT_TRUE(download.body.empty());
  // Present and empty: libcurl sends no form Content-Type of its own.
  EXPECT_THAT(download.headers, Contains(Pair("Content-Type", "")));
  EXPECT_EQ(Header(download, "Dropbox-API-Arg"), R"({"path":"id:\u00e9\u007f"})");
  EXPECT_EQ(sink_.bytes(), "bytes");
}

TEST_F(DropboxAdapterTest, ThumbnailsOnlyForTheDocumentedImageTypes) {
  for (const char* name :
       {"a.jpg", "b.JPEG", "c.png", "d.tiff", "e.tif", "f.gif", "g.webp", "h.ppm", "i.bmp"}) {
    EXPECT_TRUE(dropbox::ParseMetadata(FileMetadata(name)).has_thumbnail()) << name;
  }
  for (const char* name : {"report.pdf", "letter.doc", "letter.docx", "slides.ppt", "slides.pptx",
                           "sheet.xls", "sheet.xlsx", "notes.txt", "README"}) {
    EXPECT_FALSE(dropbox::ParseMetadata(FileMetadata(name)).has_thumbnail()) << name;
  }
  EXPECT_FALSE(
      dropbox::ParseMetadata(FileMetadata("huge.jpg", 20 * 1024 * 1024 + 1)).has_thumbnail())
      << "Dropbox converts no photo over 20 MB";

  // No thumbnail call for a document: FAILED_PRECONDITION naming the types.
  http_.Answer(200, FileMetadata("letter.docx").dump());
  absl::Status st =
      adapter_.GetContent(session_, Ref(), v1::CONTENT_FORMAT_THUMBNAIL, 1 << 20, sink_);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_THAT(st.message(), HasSubstr("images only"));
  EXPECT_EQ(http_.requests.size(), 1u);
  http_.Answer(200, FileMetadata("letter.docx").dump());
  auto link = adapter_.GetLink(session_, Ref(), v1::LINK_KIND_THUMBNAIL);
  EXPECT_EQ(link.status().code(), absl::StatusCode::kFailedPrecondition) << link.status();

  http_.Answer(200, FileMetadata("photo.png").dump());
  http_.Answer(200, "\xFF\xD8jpeg");
  st = adapter_.GetContent(session_, Ref(), v1::CONTENT_FORMAT_THUMBNAIL, 1 << 20, sink_);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(Route(http_.requests.back()), "files/get_thumbnail_v2");
  EXPECT_EQ(sink_.mime_type(), "image/jpeg");
}

TEST_F(DropboxAdapterTest, PdfOnlyWhereGetPreviewRendersOne) {
  // Office formats: get_preview.
  http_.Answer(200, FileMetadata("letter.docx").dump());
  http_.Answer(200, "%PDF-1.4");
  absl::Status st = adapter_.GetContent(session_, Ref(), v1::CONTENT_FORMAT_PDF, 1 << 20, sink_);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(Route(http_.requests.back()), "files/get_preview");
  EXPECT_EQ(sink_.mime_type(), "application/pdf");
  // A PDF file is its own bytes (get_preview refuses .pdf).
  http_.Answer(200, FileMetadata("paper.pdf").dump());
  http_.Answer(200, "%PDF-1.7");
  st = adapter_.GetContent(session_, Ref(), v1::CONTENT_FORMAT_PDF, 1 << 20, sink_);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(Route(http_.requests.back()), "files/download");

  // Spreadsheets preview as HTML: never called a PDF, and no call made.
  for (const char* name : {"sheet.xlsx", "data.csv", "old.xls", "calc.ods"}) {
    SCOPED_TRACE(name);
    const size_t before = http_.requests.size();
    http_.Answer(200, FileMetadata(name).dump());
    st = adapter_.GetContent(session_, Ref(), v1::CONTENT_FORMAT_PDF, 1 << 20, sink_);
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
    EXPECT_THAT(st.message(), HasSubstr("as HTML, not PDF"));
    EXPECT_EQ(http_.requests.size(), before + 1) << "only the metadata was read";
    http_.Answer(200, FileMetadata(name).dump());
    auto link = adapter_.GetLink(session_, Ref(), v1::LINK_KIND_PDF);
    EXPECT_EQ(link.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(link.status().message(), HasSubstr("as HTML, not PDF"));
  }
  // Anything else: no PDF at all.
  for (const char* name : {"notes.txt", "photo.png", "slides.key"}) {
    http_.Answer(200, FileMetadata(name).dump());
    st = adapter_.GetContent(session_, Ref(), v1::CONTENT_FORMAT_PDF, 1 << 20, sink_);
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << name;
    EXPECT_THAT(st.message(), HasSubstr("makes no PDF")) << name;
  }
}

TEST_F(DropboxAdapterTest, CapabilitiesNameTheDocumentedTypes) {
  std::map<v1::Capability, std::string> notes;
  for (const auto& e : adapter_.capabilities()) notes[e.capability()] = e.note();
  EXPECT_THAT(notes[v1::CAPABILITY_THUMBNAIL], HasSubstr("jpg jpeg png tiff tif gif webp ppm bmp"));
  EXPECT_THAT(notes[v1::CAPABILITY_PDF], HasSubstr(".docx"));
  EXPECT_THAT(notes[v1::CAPABILITY_PDF], HasSubstr("as HTML, not PDF"));
  EXPECT_THAT(notes[v1::CAPABILITY_PDF], Not(HasSubstr("office formats")));
}

TEST_F(DropboxAdapterTest, PreviewLinkEncodesEachPathSegment) {
  for (int i = 0; i < 2; ++i) http_.Answer(200, FileMetadata("Résumé #1?.docx").dump());
  auto link = adapter_.GetLink(session_, Ref(), v1::LINK_KIND_PREVIEW);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->url(), std::string(kBase) + "/preview/Docs/R%C3%A9sum%C3%A9%20%231%3F.docx");
  EXPECT_FALSE(link->requires_token());
}

TEST_F(DropboxAdapterTest, AnExpiredRevisionIsNotFoundNamingIt) {
  const v1::BlobRef pinned = Ref("id:abc", "5aaaaaaaa0");
  // The file is there (its head is another rev); the pinned rev is gone.
  http_.Answer(200, FileMetadata("a.txt").dump());
  http_.Answer(409,
               RouteError("path/not_found", {{".tag", "path"}, {"path", {{".tag", "not_found"}}}}));
  auto file = adapter_.GetFile(session_, pinned);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound) << file.status();
  EXPECT_THAT(file.status().message(), HasSubstr("revision 5aaaaaaaa0 of id:abc"));
  EXPECT_THAT(file.status().message(), HasSubstr("no longer exists"));
  EXPECT_EQ(http_.requests.back().body, R"({"path":"rev:5aaaaaaaa0"})");

  // Still there when read, gone when downloaded: the same answer.
  http_.Answer(200, FileMetadata("a.txt").dump());
  http_.Answer(200, FileMetadata("a.txt", 3, "5aaaaaaaa0").dump());
  http_.Answer(409,
               RouteError("path/not_found", {{".tag", "path"}, {"path", {{".tag", "not_found"}}}}));
  absl::Status st =
      adapter_.GetContent(session_, pinned, v1::CONTENT_FORMAT_ORIGINAL, 1 << 20, sink_);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound) << st;
  EXPECT_THAT(st.message(), HasSubstr("revision 5aaaaaaaa0"));

  // A live revision: its own size and digest.
  http_.Answer(200, FileMetadata("a.txt").dump());
  http_.Answer(200, FileMetadata("a.txt", 3, "5aaaaaaaa0").dump());
  file = adapter_.GetFile(session_, pinned);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->metadata().revision(), "5aaaaaaaa0");
  EXPECT_EQ(file->metadata().size(), 3);

  // A rev of another file is not this file's revision.
  http_.Answer(200, FileMetadata("a.txt").dump());
  json other = FileMetadata("b.txt", 3, "5aaaaaaaa0");
  other["id"] = "id:other";
  http_.Answer(200, other.dump());
  file = adapter_.GetFile(session_, pinned);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound) << file.status();

  // Not a Dropbox rev at all: refused before any call.
  const size_t before = http_.requests.size();
  file = adapter_.GetFile(session_, Ref("id:abc", "bogus-revision"));
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument) << file.status();
  EXPECT_EQ(http_.requests.size(), before);
}

TEST_F(DropboxAdapterTest, AResetCursorIsAnAnswerOtherRouteErrorsAreStatuses) {
  http_.Answer(409, RouteError("reset", {{".tag", "reset"}}));
  auto page = adapter_.ListChanges(session_, "AAcursor");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->reset);
  http_.Answer(409,
               RouteError("path/not_found", {{".tag", "path"}, {"path", {{".tag", "not_found"}}}}));
  page = adapter_.ListChanges(session_, "AAcursor");
  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound) << page.status();
  http_.Answer(400, "Error in call to API function \"files/list_folder/continue\": bad cursor");
  page = adapter_.ListChanges(session_, "AAcursor");
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << page.status();
  EXPECT_THAT(page.status().message(), HasSubstr("bad cursor"));
}

}  // namespace
}  // namespace lc::providers
