#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "fixture_files.h"
#include "indexer/sandboxed_extractor.h"
#include "indexer/text_extractors.h"

namespace lc::indexer {
namespace {

using ::lc::indexer::testing::Fixture;
using ::lc::indexer::testing::ManyPagePdf;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ExtractInProcess(const std::string& name, const std::string& mime = "") {
  std::string bytes = Fixture(name);
  DocumentFormat f = DetectFormat(mime, name, bytes.substr(0, 1024));
  auto out = ExtractText(f, bytes, ExtractLimits{});
  EXPECT_TRUE(out.ok()) << name << ": " << out.status();
  return out.ok() ? out->text : "";
}

TEST(DetectFormat, ByMimeNameAndMagic) {
  EXPECT_EQ(DetectFormat("application/pdf", "x", ""), DocumentFormat::kPdf);
  EXPECT_EQ(DetectFormat("", "x.bin", "%PDF-1.7 ..."), DocumentFormat::kPdf);
  EXPECT_EQ(DetectFormat("", "a.DOCX", "PK\x03\x04"), DocumentFormat::kDocx);
  EXPECT_EQ(DetectFormat("application/vnd.oasis.opendocument.spreadsheet", "a", ""),
            DocumentFormat::kOpenDocument);
  EXPECT_EQ(DetectFormat("text/html; charset=utf-8", "a", ""), DocumentFormat::kHtml);
  EXPECT_EQ(DetectFormat("text/plain", "a", ""), DocumentFormat::kPlainText);
  EXPECT_EQ(DetectFormat("image/png", "a.png", "\x89PNG"), DocumentFormat::kUnsupported);
  EXPECT_EQ(DetectFormat("", "a.zip", std::string("PK\x03\x04", 4)), DocumentFormat::kUnsupported);
}

TEST(Extractors, Pdf) {
  EXPECT_THAT(ExtractInProcess("report.pdf"),
              AllOf(HasSubstr("Annual report"), HasSubstr("Octopus Research Station")));
}

TEST(Extractors, Docx) {
  std::string text = ExtractInProcess("budget.docx");
  EXPECT_THAT(text, HasSubstr("Quarterly budget for the lighthouse project"));
  EXPECT_THAT(text, HasSubstr("\nApproved by the harbour committee"));
}

TEST(Extractors, Xlsx) {
  EXPECT_THAT(ExtractInProcess("invoice.xlsx"),
              AllOf(HasSubstr("Invoice"), HasSubstr("Marmalade shipment"), HasSubstr("4217"),
                    HasSubstr("zanzibar")));
}

TEST(Extractors, Pptx) {
  std::string text = ExtractInProcess("slides.pptx");
  EXPECT_THAT(text, HasSubstr("Welcome aboard"));
  EXPECT_THAT(text, HasSubstr("Pelican migration routes"));
  EXPECT_LT(text.find("Welcome"), text.find("Pelican"));
}

TEST(Extractors, OpenDocument) {
  EXPECT_THAT(ExtractInProcess("log.odt"),
              AllOf(HasSubstr("Expedition log"), HasSubstr("The glacier retreated quickly.")));
}

TEST(Extractors, HtmlDropsScriptsStylesCommentsAndDecodesEntities) {
  std::string text = ExtractInProcess("tides.html");
  EXPECT_THAT(text, HasSubstr("Tide tables & moon phases"));
  EXPECT_THAT(text, HasSubstr("caf\xC3\xA9 opens at 6 am"));
  EXPECT_THAT(text, HasSubstr("Saint\xE2\x80\x91Malo"));
  EXPECT_THAT(text, AllOf(Not(HasSubstr("hiddenscriptword")), Not(HasSubstr("secretstyle")),
                          Not(HasSubstr("commentword")), Not(HasSubstr("<"))));
}

TEST(Extractors, Utf16TextWithBom) {
  EXPECT_THAT(ExtractInProcess("notes-utf16.txt"),
              HasSubstr("Cr\xC3\xA8me br\xC3\xBBl\xC3\xA9\x65 recipe with a pinch of saffron"));
}

TEST(DecodeText, Charsets) {
  EXPECT_EQ(DecodeText("plain"), "plain");
  EXPECT_EQ(DecodeText("\xEF\xBB\xBFna\xC3\xAFve"), "na\xC3\xAFve");
  EXPECT_EQ(DecodeText(std::string("\xFE\xFF\x00h\x00i", 6)), "hi");
  EXPECT_EQ(DecodeText(std::string("h\x00i\x00!\x00", 6)), "hi!");  // UTF-16 LE, no BOM
  EXPECT_EQ(DecodeText("caf\xE9"), "caf\xC3\xA9");                  // Latin-1 fallback
  // A surrogate pair: U+1F600.
  EXPECT_EQ(DecodeText(std::string("\xFF\xFE\x3D\xD8\x00\xDE", 6)), "\xF0\x9F\x98\x80");
}

TEST(Extractors, CharacterCapKeepsWholeCharacters) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "\xC3\xA9";
  auto out = ExtractText(DocumentFormat::kPlainText, text, ExtractLimits{.max_chars = 101});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->truncated);
  EXPECT_EQ(out->text.size(), 100u);
}

TEST(Extractors, ZipBombDocxIsRefused) {
  auto out = ExtractText(DocumentFormat::kDocx, Fixture("bomb.docx"),
                         ExtractLimits{.max_chars = 1 << 20, .max_unzipped_bytes = 8 << 20});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("zip bomb"));
}

TEST(Extractors, GarbageNamedPdfIsRefused) {
  std::string bytes = Fixture("garbage.pdf");
  DocumentFormat f = DetectFormat("application/pdf", "garbage.pdf", bytes.substr(0, 1024));
  auto out = ExtractText(f, bytes, ExtractLimits{});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("not a PDF"));
}

TEST(Extractors, MalformedPackagesAreErrorsNotCrashes) {
  EXPECT_FALSE(ExtractText(DocumentFormat::kDocx, "PK\x03\x04 truncated", ExtractLimits{}).ok());
  EXPECT_FALSE(ExtractText(DocumentFormat::kXlsx, "not a zip", ExtractLimits{}).ok());
  EXPECT_FALSE(ExtractText(DocumentFormat::kPdf, "%PDF-1.4\n1 0 obj <<", ExtractLimits{}).ok());
}

SandboxLimits Limits(absl::Duration timeout = absl::Seconds(20)) {
  SandboxLimits limits;
  limits.timeout = timeout;
  limits.extract.max_unzipped_bytes = 8 << 20;
  limits.extract.max_chars = 1 << 20;
  return limits;
}

TEST(SandboxedExtractor, ExtractsInAChildProcess) {
  SandboxedExtractor sandbox(LC_EXTRACT_HELPER, Limits());
  auto out = sandbox.Extract(DocumentFormat::kPdf, Fixture("report.pdf"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->text, HasSubstr("Octopus Research Station"));
  auto docx = sandbox.Extract(DocumentFormat::kDocx, Fixture("budget.docx"));
  ASSERT_TRUE(docx.ok()) << docx.status();
  EXPECT_THAT(docx->text, HasSubstr("lighthouse"));
}

TEST(SandboxedExtractor, PassesErrorsThrough) {
  SandboxedExtractor sandbox(LC_EXTRACT_HELPER, Limits());
  auto bomb = sandbox.Extract(DocumentFormat::kDocx, Fixture("bomb.docx"));
  EXPECT_EQ(bomb.status().code(), absl::StatusCode::kResourceExhausted) << bomb.status();
  auto garbage = sandbox.Extract(DocumentFormat::kPdf, Fixture("garbage.pdf"));
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument) << garbage.status();
}

TEST(SandboxedExtractor, KillsAnExtractionOverTheTimeCap) {
  SandboxedExtractor sandbox(LC_EXTRACT_HELPER, Limits(absl::Milliseconds(300)));
  const std::string pdf = ManyPagePdf(3000);
  absl::Time start = absl::Now();
  auto out = sandbox.Extract(DocumentFormat::kPdf, pdf);
  absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded) << out.status();
  EXPECT_LT(took, absl::Seconds(3));
  // The same extractor still works afterwards.
  EXPECT_TRUE(sandbox.Extract(DocumentFormat::kPlainText, "after").ok());
}

TEST(SandboxedExtractor, MemoryCapStopsTheChildNotTheService) {
  SandboxLimits limits = Limits();
  limits.max_memory_bytes = 96 << 20;
  limits.extract.max_unzipped_bytes = int64_t{1} << 30;  // let the bomb try
  SandboxedExtractor sandbox(LC_EXTRACT_HELPER, limits);
  auto out = sandbox.Extract(DocumentFormat::kDocx, Fixture("bomb.docx"));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().code(),
              ::testing::AnyOf(absl::StatusCode::kResourceExhausted, absl::StatusCode::kInternal))
      << out.status();
}

TEST(SandboxedExtractor, MissingHelperIsAnError) {
  SandboxedExtractor sandbox("/nonexistent/indexer-extract", Limits());
  auto out = sandbox.Extract(DocumentFormat::kPlainText, "x");
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("cannot run the extractor"));
}

}  // namespace
}  // namespace lc::indexer
