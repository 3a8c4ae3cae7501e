// What a person sees right after ./scripts/up (run_e2e.sh starts the stack
// the same way, sample data included): the sample user's four clouds are
// connected, each sample file of tools/cloud-emulator/sample-seed.json is one
// document (scripts/lib/seed.py marks them sample=<path>), search finds them
// by their words, and the download link of LC_SAMPLE_DOC_ID (what the README
// tells to try) leads to the file's bytes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "e2e_client.h"

namespace lc::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class SeededStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(env_.Missing(), IsEmpty()) << "run this test through tests/e2e/run_e2e.sh";
    ASSERT_FALSE(sample_doc_.empty()) << "scripts/up wrote no LC_SAMPLE_DOC_ID to stack.env";
  }

  // sample path -> the ids of the documents marked with it.
  std::map<std::string, std::set<std::string>> SampleDocuments() {
    Exchange x = user_.Get("/api/v1/documents?pageSize=500");
    EXPECT_EQ(x.status, 200) << x;
    std::map<std::string, std::set<std::string>> out;
    for (const json& d : Array(x.Json(), "documents")) {
      const std::string path = Str(Member(d, "properties"), "sample");
      if (!path.empty()) out[path].insert(Str(d, "id"));
    }
    return out;
  }

  StackEnv env_ = StackEnv::FromEnvironment();
  std::string sample_doc_ = StackEnv::Var("LC_SAMPLE_DOC_ID");
  Api user_{env_.gateway, env_.user_token, env_.ca_file};
};

TEST_F(SeededStackTest, FourCloudsAreConnected) {
  Exchange x = user_.Get("/api/v1/accounts");
  ASSERT_EQ(x.status, 200) << x;
  std::set<std::string> connected;
  for (const json& a : Array(x.Json(), "accounts")) {
    if (Str(a, "status") == "ACCOUNT_STATUS_OK") connected.insert(Str(a, "provider"));
  }
  for (const char* p : {"googledrive", "dropbox", "box", "onedrive"}) {
    EXPECT_TRUE(connected.count(p)) << p << " is not connected: " << x;
  }
}

TEST_F(SeededStackTest, EachSampleFileIsOneDocument) {
  const auto docs = SampleDocuments();
  for (const char* path :
       {"/Documents/welcome.txt", "/Documents/Project plan", "/Documents/report.pdf",
        "/Documents/budget.docx", "/Documents/notes.md", "/Photos/harbour.png"}) {
    auto it = docs.find(path);
    ASSERT_NE(it, docs.end()) << "no sample document for " << path;
    EXPECT_EQ(it->second.size(), 1u) << path << " is referenced by several sample documents";
  }
  EXPECT_TRUE(docs.at("/Documents/welcome.txt").count(sample_doc_))
      << "LC_SAMPLE_DOC_ID is not the welcome text's document";
}

TEST_F(SeededStackTest, SearchFindsTheSamplesByTheirWords) {
  const auto docs = SampleDocuments();
  // The .docx on Box and the PDF on Dropbox: text the indexer extracted.
  for (const auto& [word, path] : std::map<std::string, std::string>{
           {"lighthouse", "/Documents/budget.docx"}, {"octopus", "/Documents/report.pdf"}}) {
    Exchange x = user_.Get("/api/v1/search?q=" + word);
    ASSERT_EQ(x.status, 200) << x;
    std::set<std::string> hits;
    for (const json& h : Array(x.Json(), "hits")) hits.insert(Str(h, "documentId"));
    ASSERT_TRUE(docs.count(path)) << path;
    EXPECT_EQ(hits, docs.at(path)) << "search " << word << ": " << x;
  }
}

TEST_F(SeededStackTest, DownloadLinkOfTheSampleDocumentServesItsBytes) {
  Exchange link = user_.Get("/api/v1/documents/" + sample_doc_ + "/download");
  ASSERT_EQ(link.status, 302) << link;
  ASSERT_THAT(link.location, StartsWith(env_.emulator.at("googledrive"))) << link;
  Browser browser(env_.ca_file);
  Exchange bytes = browser.Get(link.location);
  ASSERT_EQ(bytes.status, 200) << bytes;
  EXPECT_THAT(bytes.body, HasSubstr("Welcome to Live Connect.")) << bytes;
}

}  // namespace
}  // namespace lc::e2e
