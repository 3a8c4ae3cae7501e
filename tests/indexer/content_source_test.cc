// GrpcContentSource against an in-process fake ProviderService: the request
// it sends, the chunk stream, the byte cap and status mapping.
#include "indexer/content_source.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "testing/fake_provider_service.h"

namespace lc::indexer {
namespace {

using ::lc::testing::FakeProviderService;

// `chunks` chunks of 1000 bytes: "aaa...", "bbb...", ...
FakeProviderService::Content Chunks(int chunks) {
  FakeProviderService::Content content;
  for (int i = 0; i < chunks; ++i) content.chunks.push_back(std::string(1000, 'a' + i % 26));
  return content;
}

class ContentSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.SetDefaultContent([](const v1::GetContentRequest&) { return Chunks(5); });
    fake_.FailContent("gone", grpc::Status(grpc::StatusCode::NOT_FOUND, "file not found"));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    source_ = std::make_unique<GrpcContentSource>(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()),
        [] { return std::string("svc-token"); });
  }
  void TearDown() override { server_->Shutdown(); }

  FakeProviderService fake_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcContentSource> source_;
};

TEST_F(ContentSourceTest, StreamsChunksOnBehalfOfTheOwner) {
  v1::BlobRef blob;
  blob.set_provider("box");
  blob.set_account("a@example.com");
  blob.set_file_id("f1");
  auto got = source_->Fetch(blob, v1::CONTENT_FORMAT_TEXT, "alice", 1 << 20, absl::Seconds(5));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->bytes.size(), 5000u);
  EXPECT_EQ(got->mime_type, "text/plain");
  EXPECT_EQ(got->bytes.substr(1000, 3), "bbb");
  auto requests = fake_.content_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].on_behalf_of(), "alice");
  EXPECT_EQ(requests[0].format(), v1::CONTENT_FORMAT_TEXT);
  EXPECT_EQ(requests[0].max_bytes(), 1 << 20);
  EXPECT_EQ(requests[0].blob().file_id(), "f1");
  EXPECT_EQ(fake_.calls().back().authorization, "Bearer svc-token");
}

TEST_F(ContentSourceTest, StopsAtTheByteCap) {
  fake_.SetContent("big", Chunks(100));
  v1::BlobRef blob;
  blob.set_file_id("big");
  auto got = source_->Fetch(blob, v1::CONTENT_FORMAT_ORIGINAL, "alice", 2500, absl::Seconds(5));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(ContentSourceTest, MapsStatuses) {
  v1::BlobRef blob;
  blob.set_file_id("gone");
  auto got = source_->Fetch(blob, v1::CONTENT_FORMAT_ORIGINAL, "alice", 1000, absl::Seconds(5));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(got.status().message()), ::testing::HasSubstr("file not found"));
  server_->Shutdown();
  blob.set_file_id("f");
  got = source_->Fetch(blob, v1::CONTENT_FORMAT_ORIGINAL, "alice", 1000, absl::Seconds(1));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << got.status();
}

}  // namespace
}  // namespace lc::indexer
