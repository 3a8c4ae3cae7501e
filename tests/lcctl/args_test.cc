#include "args.h"

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lcctl.h"
#include "providers_commands.h"
#include "repository_commands.h"

namespace lc::lcctl {
namespace v1 = ::liveconnect::v1;
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
namespace v1 = ::liveconnect::v1;

const Command& FindCommand(const std::string& name) {
  static const std::vector<Command>* commands = new std::vector<Command>(AllCommands());
  for (const Command& command : *commands) {
    if (command.name == name) return command;
  }
  ADD_FAILURE() << "no command " << name;
  return commands->front();
}

absl::StatusOr<ParsedArgs> Parse(const std::string& command, std::vector<std::string> args) {
  return ParseArgs(FindCommand(command).args, args);
}

EnvLookup NoEnv() {
  return [](const std::string&) { return std::nullopt; };
}

TEST(ParseArgsTest, ReadsFlagsBothFormsAndPositionals) {
  auto args = Parse("docs update", {"doc-1", "--title", "New", "--description=About", "--prop",
                                    "a=1", "--prop", "b=2=3"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->positionals(), ElementsAre("doc-1"));
  EXPECT_EQ(args->Value("title"), "New");
  EXPECT_EQ(args->Value("description"), "About");
  auto props = args->KeyValues("prop");
  ASSERT_TRUE(props.ok());
  EXPECT_THAT(*props, ElementsAre(Pair("a", "1"), Pair("b", "2=3")));
}

TEST(ParseArgsTest, DoubleDashEndsFlags) {
  auto args = Parse("docs get", {"--", "-odd-id"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->positionals(), ElementsAre("-odd-id"));
}

TEST(ParseArgsTest, UnknownFlagIsNamed) {
  auto args = Parse("docs get", {"doc-1", "--colour", "red"});
  EXPECT_EQ(args.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(args.status().message(), "unknown flag --colour");
}

TEST(ParseArgsTest, MissingRequiredFlagIsNamed) {
  auto args = Parse("docs create", {"--provider", "dropbox", "--account", "a@x"});
  EXPECT_EQ(args.status().message(), "missing required flag --file-id");
}

TEST(ParseArgsTest, FlagWithoutValueIsNamed) {
  auto args = Parse("docs create", {"--provider"});
  EXPECT_EQ(args.status().message(), "--provider needs a value (P)");
}

TEST(ParseArgsTest, RepeatingASingleFlagIsAnError) {
  auto args = Parse("docs get", {"a", "--help", "--help"});
  EXPECT_THAT(args.status().message(), HasSubstr("--help given more than once"));
}

TEST(ParseArgsTest, MissingAndExtraPositionals) {
  EXPECT_EQ(Parse("versions get", {"doc-1"}).status().message(), "missing argument VERSION_ID");
  EXPECT_EQ(Parse("history", {"doc-1", "doc-2"}).status().message(),
            "unexpected argument \"doc-2\"");
}

TEST(ParseArgsTest, HelpNeedsNothingElse) {
  auto args = Parse("docs create", {"-h"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_TRUE(args->Has("help"));
}

TEST(BuildRequestTest, BadTypeValueNamesTheFlag) {
  auto args = Parse("docs create",
                    {"--provider", "dropbox", "--account", "a", "--file-id", "f", "--type", "doc"});
  ASSERT_TRUE(args.ok());
  auto request = BuildCreateDocumentRequest(*args);
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(request.status().message(),
            "--type: invalid value \"doc\" (want file|picture|video|audio)");
}

TEST(BuildRequestTest, BadPropertyAndSizeNameTheFlag) {
  auto args = Parse("docs create",
                    {"--provider", "p", "--account", "a", "--file-id", "f", "--prop", "novalue"});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(BuildCreateDocumentRequest(*args).status().message(), HasSubstr("--prop"));
  args =
      Parse("docs create", {"--provider", "p", "--account", "a", "--file-id", "f", "--size", "-3"});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(BuildCreateDocumentRequest(*args).status().message(), HasSubstr("--size"));
}

TEST(BuildRequestTest, CreateFillsBlobAndMetadata) {
  auto args =
      Parse("docs create", {"--provider", "dropbox", "--account",  "a@x",        "--file-id",
                            "id:1",       "--type",  "picture",    "--title",    "Cat",
                            "--prop",     "k=v",     "--filename", "cat.png",    "--mime",
                            "image/png",  "--size",  "2048",       "--revision", "r1"});
  ASSERT_TRUE(args.ok()) << args.status();
  auto request = BuildCreateDocumentRequest(*args);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->blob().provider(), "dropbox");
  EXPECT_EQ(request->blob().account(), "a@x");
  EXPECT_EQ(request->blob().file_id(), "id:1");
  EXPECT_EQ(request->blob().revision(), "");
  EXPECT_EQ(request->type(), v1::DOCUMENT_TYPE_PICTURE);
  EXPECT_EQ(request->title(), "Cat");
  EXPECT_THAT(request->properties(), UnorderedElementsAre(Pair("k", "v")));
  EXPECT_EQ(request->blob_metadata().filename(), "cat.png");
  EXPECT_EQ(request->blob_metadata().mime_type(), "image/png");
  EXPECT_TRUE(request->blob_metadata().has_size());
  EXPECT_EQ(request->blob_metadata().size(), 2048);
  EXPECT_EQ(request->blob_metadata().revision(), "r1");
}

TEST(BuildRequestTest, CreateWithoutMetadataFlagsLeavesMetadataUnset) {
  auto args = Parse("docs create", {"--provider", "p", "--account", "a", "--file-id", "f"});
  ASSERT_TRUE(args.ok());
  auto request = BuildCreateDocumentRequest(*args);
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->has_blob_metadata());
  EXPECT_EQ(request->type(), v1::DOCUMENT_TYPE_UNSPECIFIED);
}

TEST(BuildRequestTest, UpdateMaskNamesOnlyTheGivenFlags) {
  auto args = Parse("docs update", {"doc-1", "--description", "", "--type", "video"});
  ASSERT_TRUE(args.ok());
  auto request = BuildUpdateDocumentRequest(*args);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->document().id(), "doc-1");
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("description", "type"));
  EXPECT_EQ(request->document().description(), "");
  EXPECT_EQ(request->document().type(), v1::DOCUMENT_TYPE_VIDEO);
  EXPECT_EQ(request->etag(), "");
}

TEST(BuildRequestTest, UpdatePropertiesReplaceTheMap) {
  auto args = Parse("docs update",
                    {"doc-1", "--title", "T", "--prop", "a=1", "--prop", "b=2", "--etag", "e7"});
  ASSERT_TRUE(args.ok());
  auto request = BuildUpdateDocumentRequest(*args);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("title", "properties"));
  EXPECT_THAT(request->document().properties(),
              UnorderedElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_EQ(request->etag(), "e7");

  args = Parse("docs update", {"doc-1", "--clear-props"});
  ASSERT_TRUE(args.ok());
  request = BuildUpdateDocumentRequest(*args);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("properties"));
  EXPECT_TRUE(request->document().properties().empty());
}

TEST(BuildRequestTest, UpdateWithNothingToChangeIsAUsageError) {
  auto args = Parse("docs update", {"doc-1", "--etag", "e"});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(BuildUpdateDocumentRequest(*args).status().message(), HasSubstr("nothing to update"));
}

TEST(BuildRequestTest, ListAndLink) {
  auto args = Parse("docs list",
                    {"--type", "audio", "--provider", "box", "--page-size", "20", "--all-users"});
  ASSERT_TRUE(args.ok());
  auto list = BuildListDocumentsRequest(*args);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->type(), v1::DOCUMENT_TYPE_AUDIO);
  EXPECT_EQ(list->provider(), "box");
  EXPECT_EQ(list->page_size(), 20);
  EXPECT_TRUE(list->all_users());

  args = Parse("docs list", {"--page-size", "501"});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(BuildListDocumentsRequest(*args).status().message(), HasSubstr("--page-size"));

  args = Parse("link", {"doc-1", "--kind", "pdf", "--version", "v-2"});
  ASSERT_TRUE(args.ok());
  auto link = BuildGetBlobLinkRequest(*args);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->kind(), v1::LINK_KIND_PDF);
  EXPECT_EQ(link->version_id(), "v-2");

  args = Parse("link", {"doc-1", "--kind", "share"});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(BuildGetBlobLinkRequest(*args).status().message(), HasSubstr("--kind"));
}

TEST(PinDurabilityLineTest, SaysHowLongAPinLasts) {
  liveconnect::v1::PinDurability d;
  d.set_kind(liveconnect::v1::PIN_DURABILITY_KIND_FOREVER);
  d.set_max_pinned_per_file(200);
  d.set_note("keepForever.");
  EXPECT_EQ(PinDurabilityLine(d),
            "kept until the file is deleted (at most 200 pinned per file). keepForever.");
  d.Clear();
  d.set_kind(liveconnect::v1::PIN_DURABILITY_KIND_DAYS);
  d.set_days(30);
  EXPECT_EQ(PinDurabilityLine(d), "kept at least 30 days after a newer revision");
  d.set_kind(liveconnect::v1::PIN_DURABILITY_KIND_VERSION_COUNT);
  d.set_max_versions(25);
  EXPECT_EQ(PinDurabilityLine(d), "kept while among the newest 25 versions");
}

TEST(DefaultAddressTest, EnvironmentElseLocalDefault) {
  EXPECT_EQ(DefaultAddress(Service::kRepository, NoEnv()), "127.0.0.1:50051");
  EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "LC_REPOSITORY_ADDR") return "repo:9000";
    return std::nullopt;
  };
  EXPECT_EQ(DefaultAddress(Service::kRepository, env), "repo:9000");
}

// Usage errors happen before any connection: exit 2, message and usage line.
int RunWithoutServer(std::vector<std::string> args, std::string* err_text) {
  std::ostringstream out, err;
  const int code = RunLcctl(args, NoEnv(), out, err);
  *err_text = err.str();
  return code;
}

TEST(RunLcctlUsageTest, UsageErrorsExitTwoWithUsage) {
  std::string err;
  EXPECT_EQ(RunWithoutServer({"--token", "t", "docs", "get", "x", "--bogus"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("error: unknown flag --bogus"));
  EXPECT_THAT(err, HasSubstr("usage: lcctl docs get ID"));

  EXPECT_EQ(RunWithoutServer({"docs", "create", "--token", "t", "--provider", "p", "--account", "a",
                              "--file-id", "f", "--type", "doc"},
                             &err),
            2);
  EXPECT_THAT(err, HasSubstr("error: --type: invalid value \"doc\""));
  EXPECT_THAT(err, HasSubstr("usage: lcctl docs create"));

  EXPECT_EQ(RunWithoutServer({"docs", "create", "--token", "t"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("missing required flag --provider"));

  EXPECT_EQ(RunWithoutServer({"docs", "get", "x"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("no token"));

  EXPECT_EQ(RunWithoutServer({"docs", "get", "x", "--token", "t", "--timeout", "soon"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--timeout"));

  EXPECT_EQ(RunWithoutServer({"documents", "list"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("unknown command \"documents\""));

  EXPECT_EQ(RunWithoutServer({}, &err), 2);
  EXPECT_THAT(err, HasSubstr("missing command"));
}

TEST(RunLcctlUsageTest, HelpGoesToStdoutAndExitsZero) {
  std::ostringstream out, err;
  EXPECT_EQ(RunLcctl({"docs", "update", "--help"}, NoEnv(), out, err), 0);
  EXPECT_THAT(out.str(), HasSubstr("usage: lcctl docs update ID"));
  EXPECT_THAT(out.str(), HasSubstr("--etag E"));
  EXPECT_EQ(err.str(), "");

  std::ostringstream top;
  EXPECT_EQ(RunLcctl({"--help"}, NoEnv(), top, err), 0);
  EXPECT_THAT(top.str(), HasSubstr("versions create"));
}

}  // namespace
}  // namespace lc::lcctl
