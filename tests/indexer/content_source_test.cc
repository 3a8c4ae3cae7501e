// GrpcContentSource against an in-process fake ProviderService: the request
// it sends, the chunk stream, the byte cap and status mapping.
#include "indexer/content_source.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>

#include "absl/strings/str_cat.h"

namespace lc::indexer {
namespace {

class FakeProviders final : public v1::ProviderService::Service {
 public:
  grpc::Status GetContent(grpc::ServerContext* ctx, const v1::GetContentRequest* req,
                          grpc::ServerWriter<v1::ContentChunk>* writer) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      last = *req;
      auto md = ctx->client_metadata().find("authorization");
      auth = md == ctx->client_metadata().end() ? ""
                                                : std::string(md->second.data(), md->second.size());
    }
    if (req->blob().file_id() == "gone") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "file not found");
    }
    for (int i = 0; i < chunks; ++i) {
      v1::ContentChunk c;
      if (i == 0) c.set_mime_type("text/plain");
      c.set_data(std::string(1000, 'a' + i % 26));
      if (!writer->Write(c)) break;
    }
    return grpc::Status::OK;
  }
  std::mutex mu;
  v1::GetContentRequest last;
  std::string auth;
  int chunks = 5;
};

class ContentSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
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

  FakeProviders fake_;
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
  std::lock_guard<std::mutex> lock(fake_.mu);
  EXPECT_EQ(fake_.last.on_behalf_of(), "alice");
  EXPECT_EQ(fake_.last.format(), v1::CONTENT_FORMAT_TEXT);
  EXPECT_EQ(fake_.last.max_bytes(), 1 << 20);
  EXPECT_EQ(fake_.last.blob().file_id(), "f1");
  EXPECT_EQ(fake_.auth, "Bearer svc-token");
}

TEST_F(ContentSourceTest, StopsAtTheByteCap) {
  fake_.chunks = 100;
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
