#include "sync_stack.h"

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "repository/migrations.h"
#include "runtime/jwt.h"
#include "runtime/status.h"
#include "sync/migrations.h"
#include "testing/pg_fixture.h"

namespace lc::testing {
namespace {

void Check(const grpc::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.error_message());
}

}  // namespace

SyncStack::SyncStack() {
  emulator_ = std::make_unique<EmulatorProcess>(LC_CLOUD_EMULATOR_BIN);
  conninfo_ = CreateTestDatabase();
  oauth_ = std::make_unique<OAuthHarness>(conninfo_, kKeyK1, emulator_->ca_file());
  ProvidersHarness::Options o;
  o.ca_file = emulator_->ca_file();
  o.reliability.initial_backoff = absl::Milliseconds(20);
  o.reliability.max_backoff = absl::Milliseconds(200);
  o.reliability.http_timeout = absl::Seconds(5);
  o.reliability.breaker_threshold = 1000000;
  providers_ = std::make_unique<ProvidersHarness>(oauth_->port(), kJwtSecret, o);

  repository_pool_ = std::make_unique<PgPool>(
      PgOptions{.conninfo = conninfo_, .schema = "repository", .pool_size = 12});
  if (auto s = ApplyMigrations(*repository_pool_, repository::Migrations()); !s.ok()) {
    throw std::runtime_error("repository migrations: " + s.ToString());
  }
  repository_store_ = std::make_unique<repository::PgDocumentStore>(*repository_pool_);
  // As deployed: the repository reads files and pins versions through the
  // providers service.
  repository_cloud_ = repository::NewGrpcCloudFiles(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(providers_->port()),
                          grpc::InsecureChannelCredentials()),
      [] {
        const absl::Time now = absl::Now();
        return MintHs256(kJwtSecret, Principal{"service:repository", {"service"}}, now,
                         now + absl::Minutes(5));
      });
  repository_ = std::make_unique<repository::Repository>(
      *repository_store_, [] { return absl::Now(); }, repository_cloud_.get());
  edge_ = std::make_unique<RpcEdge>(
      std::make_shared<Hs256Verifier>(Hs256Verifier::Options{.secret = kJwtSecret}));
  repository_service_ = std::make_unique<repository::RepositoryServiceImpl>(*repository_, *edge_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &repository_port_);
  builder.RegisterService(repository_service_.get());
  repository_server_ = builder.BuildAndStart();
  if (!repository_server_) throw std::runtime_error("cannot start the repository");
  repository_stub_ = v1::RepositoryService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(repository_port_), grpc::InsecureChannelCredentials()));

  sync_pool_ =
      std::make_unique<PgPool>(PgOptions{.conninfo = conninfo_, .schema = "sync", .pool_size = 8});
  if (auto s = ApplyMigrations(*sync_pool_, sync::Migrations()); !s.ok()) {
    throw std::runtime_error("sync migrations: " + s.ToString());
  }
  store_ = std::make_unique<sync::PgSyncStore>(*sync_pool_);
  auto token = [this] { return ServiceToken(); };
  documents_ = sync::NewGrpcDocumentsClient(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(repository_port_),
                          grpc::InsecureChannelCredentials()),
      token, absl::Seconds(60));
  cloud_ = sync::NewGrpcCloudClient(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(providers_->port()),
                          grpc::InsecureChannelCredentials()),
      token, absl::Seconds(60));
}

SyncStack::~SyncStack() {
  repository_server_->Shutdown();
  repository_server_->Wait();
}

std::string SyncStack::ServiceToken() const {
  absl::Time now = absl::Now();
  return MintHs256(kJwtSecret, Principal{"service:sync", {"service"}}, now, now + absl::Minutes(5));
}

std::unique_ptr<grpc::ClientContext> SyncStack::As(const std::string& user,
                                                   std::vector<std::string> roles) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  absl::Time now = absl::Now();
  ctx->AddMetadata("authorization",
                   "Bearer " + MintHs256(kJwtSecret, Principal{user, std::move(roles)}, now,
                                         now + absl::Minutes(5)));
  ctx->set_deadline(absl::ToChronoTime(now + absl::Seconds(60)));
  return ctx;
}

void SyncStack::ConfigureProvider(const std::string& p) {
  Check(ConfigureEmulatorProvider(*oauth_, *emulator_, p), "UpdateServiceProvider");
}

void SyncStack::Connect(const std::string& user, const std::string& p, const std::string& email) {
  Check(ConnectEmulatorAccount(*oauth_, *emulator_, user, p, email), "connect " + p);
}

std::map<std::string, std::string> SyncStack::Seed(const std::string& provider,
                                                   const std::string& email, const json& files) {
  json out =
      emulator_->Admin(provider, "POST", "/_emulator/files", {{"user", email}, {"files", files}});
  std::map<std::string, std::string> ids;
  for (const json& f : out["files"]) ids[f["path"].get<std::string>()] = f["id"].get<std::string>();
  return ids;
}

void SyncStack::Outside(const std::string& provider, const json& change) {
  emulator_->Admin(provider, "POST", "/_emulator/changes", change);
}

absl::StatusOr<v1::CloudFile> SyncStack::GetFile(const std::string& user,
                                                 const std::string& provider,
                                                 const std::string& email,
                                                 const std::string& file_id) {
  v1::GetFileRequest req;
  req.mutable_blob()->set_provider(provider);
  req.mutable_blob()->set_account(email);
  req.mutable_blob()->set_file_id(file_id);
  req.set_no_cache(true);
  v1::CloudFile out;
  auto ctx = providers_->As(user);
  grpc::Status s = providers_->stub().GetFile(ctx.get(), req, &out);
  if (!s.ok()) return FromGrpcStatus(s);
  return out;
}

v1::Document SyncStack::CreateDocument(const std::string& user, const std::string& provider,
                                       const std::string& email, const std::string& file_id) {
  auto file = GetFile(user, provider, email, file_id);
  if (!file.ok()) throw std::runtime_error("GetFile: " + file.status().ToString());
  v1::CreateDocumentRequest req;
  req.mutable_blob()->set_provider(provider);
  req.mutable_blob()->set_account(email);
  req.mutable_blob()->set_file_id(file_id);
  *req.mutable_blob_metadata() = file->metadata();
  v1::Document doc;
  auto ctx = As(user);
  Check(repository_stub_->CreateDocument(ctx.get(), req, &doc), "CreateDocument");
  return doc;
}

v1::Document SyncStack::GetDocument(const std::string& user, const std::string& id) {
  v1::GetDocumentRequest req;
  req.set_id(id);
  v1::Document doc;
  auto ctx = As(user);
  Check(repository_stub_->GetDocument(ctx.get(), req, &doc), "GetDocument");
  return doc;
}

v1::Version SyncStack::CreateVersion(const std::string& user, const std::string& document_id) {
  v1::CreateVersionRequest req;
  req.set_document_id(document_id);
  v1::Version version;
  auto ctx = As(user);
  Check(repository_stub_->CreateVersion(ctx.get(), req, &version), "CreateVersion");
  return version;
}

v1::Version SyncStack::GetVersion(const std::string& user, const std::string& document_id,
                                  const std::string& version_id) {
  v1::GetVersionRequest req;
  req.set_document_id(document_id);
  req.set_version_id(version_id);
  v1::Version version;
  auto ctx = As(user);
  Check(repository_stub_->GetVersion(ctx.get(), req, &version), "GetVersion");
  return version;
}

grpc::Status SyncStack::VersionLink(const std::string& user, const v1::Version& version,
                                    v1::Link* link) {
  v1::GetBlobLinkRequest req;
  req.set_document_id(version.document_id());
  req.set_version_id(version.id());
  req.set_kind(v1::LINK_KIND_DOWNLOAD);
  auto ctx = As(user);
  return repository_stub_->GetBlobLink(ctx.get(), req, link);
}

std::vector<v1::HistoryEvent> SyncStack::History(const std::string& user, const std::string& id) {
  std::vector<v1::HistoryEvent> out;
  std::string token;
  do {
    v1::GetHistoryRequest req;
    req.set_document_id(id);
    req.set_page_size(500);
    req.set_page_token(token);
    v1::GetHistoryResponse resp;
    auto ctx = As(user);
    Check(repository_stub_->GetHistory(ctx.get(), req, &resp), "GetHistory");
    out.insert(out.end(), resp.events().begin(), resp.events().end());
    token = resp.next_page_token();
  } while (!token.empty());
  return out;
}

int SyncStack::CountHistory(const std::string& user, const std::string& id,
                            v1::HistoryEventKind kind) {
  int n = 0;
  for (const auto& e : History(user, id)) n += e.kind() == kind ? 1 : 0;
  return n;
}

std::string SyncStack::DiffWithCloud(const std::string& user, const std::string& id) {
  v1::Document doc = GetDocument(user, id);
  auto file = GetFile(user, doc.blob().provider(), doc.blob().account(), doc.blob().file_id());
  if (!file.ok()) {
    if (absl::IsNotFound(file.status())) {
      return doc.reference_state() == v1::REFERENCE_STATE_FILE_DELETED
                 ? ""
                 : absl::StrCat("file gone but document state ",
                                v1::ReferenceState_Name(doc.reference_state()));
    }
    return "cloud: " + file.status().ToString();
  }
  if (file->trashed() || file->deleted()) {
    return doc.reference_state() == v1::REFERENCE_STATE_FILE_DELETED ? "" : "file trashed, doc not";
  }
  if (doc.reference_state() != v1::REFERENCE_STATE_OK) {
    return "document marked " + v1::ReferenceState_Name(doc.reference_state());
  }
  google::protobuf::util::MessageDifferencer diff;
  std::string report;
  diff.ReportDifferencesToString(&report);
  if (!doc.title_locked() && doc.title() != file->metadata().filename()) {
    return "title \"" + doc.title() + "\" does not follow the name \"" +
           file->metadata().filename() + "\"";
  }
  if (diff.Compare(file->metadata(), doc.blob_metadata())) return "";
  return "metadata differs: " + report;
}

std::unique_ptr<sync::SyncRunner> SyncStack::NewRunner(sync::SyncOptions options,
                                                       std::function<absl::Time()> now) {
  return std::make_unique<sync::SyncRunner>(*store_, *documents_, *cloud_, nullptr, std::move(now),
                                            std::move(options));
}

}  // namespace lc::testing
