// Owns the unit tests for server/config.h: source precedence, conninfo/URI
// parsing and quoting, database.ini parsing, error messages and password
// redaction. Needs no database; ini files go to testing::TempDir().

#include "server/config.h"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace suppliers {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using Env = std::map<std::string, std::string>;

// Every secret any test feeds in; none may ever show up in an error message
// or in Redacted().
const std::vector<std::string>& Secrets() {
  static const auto* secrets = new std::vector<std::string>{
      "FileSecret1", "PgEnvSecret2", "UrlSecret3", "FlagSecret4",
      "Zq9Xk7",      "Wv4Ty8",       "Hj2Lp6"};
  return *secrets;
}

void ExpectNoSecrets(const std::string& text) {
  for (const std::string& secret : Secrets()) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << "leaked " << secret;
  }
}

std::function<std::optional<std::string>(const std::string&)> FakeEnv(Env env) {
  return [env = std::move(env)](
             const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// Writes `contents` to a fresh file under the test temp dir; returns its path.
std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(testing::TempDir(), "/", name);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr) << path;
  if (file == nullptr) return path;
  std::fwrite(contents.data(), 1, contents.size(), file);
  std::fclose(file);
  return path;
}

// Sources with an empty environment, so the test process's own PG* variables
// cannot leak in.
DatabaseSettingsSources Isolated() {
  DatabaseSettingsSources sources;
  sources.getenv = FakeEnv({});
  return sources;
}

// The parameters libpq itself sees in `conninfo`.
std::map<std::string, std::string> LibpqParse(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
  if (options == nullptr) {
    ADD_FAILURE() << "libpq cannot parse: " << (error ? error : "?");
    PQfreemem(error);
    return {};
  }
  std::map<std::string, std::string> params;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) params[o->keyword] = o->val;
  }
  return params;
}

TEST(ResolveDatabaseSettingsTest, PrecedenceIsPerKey) {
  const std::string path = WriteFile("precedence.ini",
                                     "[postgresql]\n"
                                     "host = filehost\n"
                                     "port = 5000\n"
                                     "database = filedb\n"
                                     "user = fileuser\n"
                                     "password = FileSecret1\n");
  DatabaseSettingsSources sources;
  sources.config_file = path;
  sources.getenv = FakeEnv({{"PGPORT", "6000"},
                            {"PGSSLMODE", "require"},
                            {"DATABASE_URL", "postgresql://urluser@"}});
  sources.flag_database = "dbname=flagdb";

  absl::StatusOr<DatabaseSettings> settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();

  const std::string file_source = absl::StrCat(path, " [postgresql]");
  const std::map<std::string, std::string> expected = {
      {"host", "filehost"},
      {"port", "6000"},
      {"dbname", "flagdb"},
      {"user", "urluser"},
      {"password", "FileSecret1"},
      {"sslmode", "require"},
      {"application_name", "suppliers-server"},
      {"connect_timeout", "5"},
  };
  EXPECT_EQ(settings->params(), expected);
  EXPECT_EQ(settings->SourceOf("host"), file_source);
  EXPECT_EQ(settings->SourceOf("port"), "PGPORT");
  EXPECT_EQ(settings->SourceOf("dbname"), "flag --database");
  EXPECT_EQ(settings->SourceOf("user"), "DATABASE_URL");
  EXPECT_EQ(settings->SourceOf("password"), file_source);
  EXPECT_EQ(settings->SourceOf("sslmode"), "PGSSLMODE");
  EXPECT_EQ(settings->SourceOf("application_name"), "default");
  EXPECT_EQ(settings->SourceOf("connect_timeout"), "default");
}

TEST(ResolveDatabaseSettingsTest, EachSourceBeatsAllLowerOnesForOneKey) {
  const std::string path = WriteFile("chain.ini", "[postgresql]\nhost = f\n");
  DatabaseSettingsSources sources;
  sources.config_file = path;
  Env env = {{"PGHOST", "e"}, {"DATABASE_URL", "host=u"}};
  sources.getenv = FakeEnv(env);
  sources.flag_database = "host=g";

  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "g");
  EXPECT_EQ(settings->SourceOf("host"), "flag --database");

  sources.flag_database.reset();
  settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "u");
  EXPECT_EQ(settings->SourceOf("host"), "DATABASE_URL");

  env.erase("DATABASE_URL");
  sources.getenv = FakeEnv(env);
  settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "e");
  EXPECT_EQ(settings->SourceOf("host"), "PGHOST");

  sources.getenv = FakeEnv({});
  settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "f");
  EXPECT_EQ(settings->SourceOf("host"), absl::StrCat(path, " [postgresql]"));
}

TEST(ResolveDatabaseSettingsTest, MapsEveryPgVariableToItsKeyword) {
  const std::map<std::string, std::string> variable_to_keyword = {
      {"PGHOST", "host"},
      {"PGHOSTADDR", "hostaddr"},
      {"PGPORT", "port"},
      {"PGDATABASE", "dbname"},
      {"PGUSER", "user"},
      {"PGPASSWORD", "password"},
      {"PGSSLMODE", "sslmode"},
      {"PGSSLROOTCERT", "sslrootcert"},
      {"PGSSLCERT", "sslcert"},
      {"PGSSLKEY", "sslkey"},
      {"PGAPPNAME", "application_name"},
      {"PGCONNECT_TIMEOUT", "connect_timeout"},
      {"PGOPTIONS", "options"},
      {"PGPASSFILE", "passfile"},
  };
  for (const auto& [variable, keyword] : variable_to_keyword) {
    DatabaseSettingsSources sources;
    // The port is checked to be a number; everything else is passed on.
    const std::string value =
        keyword == std::string("port") ? "6543" : "value-of-" + variable;
    sources.getenv = FakeEnv({{variable, value}});
    auto settings = ResolveDatabaseSettings(sources);
    ASSERT_TRUE(settings.ok()) << settings.status();
    EXPECT_EQ(settings->params().at(keyword), value);
    EXPECT_EQ(settings->SourceOf(keyword), variable);
  }
}

TEST(ResolveDatabaseSettingsTest, EmptyEnvironmentVariablesCountAsUnset) {
  const std::string path =
      WriteFile("empty_env.ini", "[postgresql]\nport = 5433\n");
  DatabaseSettingsSources sources;
  sources.config_file = path;
  sources.getenv = FakeEnv({{"PGPORT", ""}, {"DATABASE_URL", ""}});
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("port"), "5433");
}

TEST(ResolveDatabaseSettingsTest, ParsesUri) {
  DatabaseSettingsSources sources = Isolated();
  sources.flag_database = "postgresql://u:p@h:5433/db";
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  const std::map<std::string, std::string> expected = {
      {"user", "u"},
      {"password", "p"},
      {"host", "h"},
      {"port", "5433"},
      {"dbname", "db"},
      {"application_name", "suppliers-server"},
      {"connect_timeout", "5"},
  };
  EXPECT_EQ(settings->params(), expected);
  for (const char* key : {"user", "password", "host", "port", "dbname"}) {
    EXPECT_EQ(settings->SourceOf(key), "flag --database") << key;
  }
}

TEST(ResolveDatabaseSettingsTest, ParsesDatabaseUrlWithQueryAndEscapes) {
  DatabaseSettingsSources sources;
  sources.getenv = FakeEnv(
      {{"DATABASE_URL",
        "postgres://us%40r:p%20w@db.example:6543/inv?sslmode=verify-full&"
        "application_name=my%20app"}});
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("user"), "us@r");
  EXPECT_EQ(settings->params().at("password"), "p w");
  EXPECT_EQ(settings->params().at("host"), "db.example");
  EXPECT_EQ(settings->params().at("port"), "6543");
  EXPECT_EQ(settings->params().at("dbname"), "inv");
  EXPECT_EQ(settings->params().at("sslmode"), "verify-full");
  EXPECT_EQ(settings->params().at("application_name"), "my app");
  EXPECT_EQ(settings->SourceOf("application_name"), "DATABASE_URL");
}

TEST(ResolveDatabaseSettingsTest, ParsesQuotedKeywordValueAndRoundTrips) {
  DatabaseSettingsSources sources = Isolated();
  sources.flag_database = R"(host=h dbname='my db' user = 'o\'brien' )"
                          R"(password='a b\\c\'d' options='-c search_path=x')";
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "h");
  EXPECT_EQ(settings->params().at("dbname"), "my db");
  EXPECT_EQ(settings->params().at("user"), "o'brien");
  EXPECT_EQ(settings->params().at("password"), R"(a b\c'd)");
  EXPECT_EQ(settings->params().at("options"), "-c search_path=x");

  EXPECT_EQ(LibpqParse(settings->ConnInfo()), settings->params());
}

TEST(ResolveDatabaseSettingsTest, ConnInfoRoundTripsAwkwardFileValues) {
  const std::string path =
      WriteFile("awkward.ini",
                "[postgresql]\n"
                "host = \n"  // Empty: must render as '' and survive.
                "user = it's \\ me\n"
                "password = #;= \"q\" 'x' \\\\\n"
                "options = -c a=b   -c c=d\n");
  DatabaseSettingsSources sources = Isolated();
  sources.config_file = path;
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "");
  EXPECT_EQ(settings->params().at("user"), R"(it's \ me)");
  EXPECT_EQ(settings->params().at("password"), R"(#;= "q" 'x' \\)");
  EXPECT_EQ(settings->params().at("options"), "-c a=b   -c c=d");
  EXPECT_EQ(LibpqParse(settings->ConnInfo()), settings->params());
}

TEST(ResolveDatabaseSettingsTest, ConnInfoQuotesEveryValue) {
  DatabaseSettingsSources sources = Isolated();
  sources.flag_database = "host=h port=5432";
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->ConnInfo(),
            "application_name='suppliers-server' connect_timeout='5' "
            "host='h' port='5432'");
}

TEST(ResolveDatabaseSettingsTest, FileDatabaseKeyBecomesDbname) {
  const std::string path =
      WriteFile("alias.ini", "[postgresql]\ndatabase = inventory\n");
  DatabaseSettingsSources sources = Isolated();
  sources.config_file = path;
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("dbname"), "inventory");
  EXPECT_EQ(settings->params().count("database"), 0u);
  EXPECT_EQ(settings->SourceOf("dbname"), absl::StrCat(path, " [postgresql]"));
}

TEST(ResolveDatabaseSettingsTest, FileWithBothDatabaseAndDbnameIsAnError) {
  const std::string path = WriteFile(
      "both.ini",
      "[postgresql]\ndatabase = a\ndbname = b\npassword = FileSecret1\n");
  DatabaseSettingsSources sources = Isolated();
  sources.config_file = path;
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(settings.status().message(), HasSubstr(path));
  EXPECT_THAT(settings.status().message(), HasSubstr("[postgresql]"));
  ExpectNoSecrets(std::string(settings.status().message()));
}

TEST(ResolveDatabaseSettingsTest, FileAcceptsOtherLibpqKeywordsAnyCase) {
  const std::string path = WriteFile(
      "extra.ini",
      "[postgresql]\nHost = h\nsslmode = require\nkeepalives_idle = 30\n");
  DatabaseSettingsSources sources = Isolated();
  sources.config_file = path;
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "h");
  EXPECT_EQ(settings->params().at("sslmode"), "require");
  EXPECT_EQ(settings->params().at("keepalives_idle"), "30");
}

TEST(ResolveDatabaseSettingsTest, ReadsNonDefaultSection) {
  const std::string path = WriteFile("sections.ini",
                                     "[postgresql]\nhost = prod\n"
                                     "[staging]\nhost = stage\n");
  DatabaseSettingsSources sources = Isolated();
  sources.config_file = path;
  sources.config_section = "staging";
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("host"), "stage");
  EXPECT_EQ(settings->SourceOf("host"), absl::StrCat(path, " [staging]"));
}

// A fixture whose environment and flag all carry passwords, so each failure
// test checks that none of them leaks into the error.
class ResolveErrorTest : public testing::Test {
 protected:
  ResolveErrorTest() {
    sources_.getenv =
        FakeEnv({{"PGPASSWORD", "PgEnvSecret2"},
                 {"DATABASE_URL", "postgresql://u:UrlSecret3@h/db"}});
    sources_.flag_database = "password=FlagSecret4";
  }

  absl::Status Resolve() {
    absl::StatusOr<DatabaseSettings> settings =
        ResolveDatabaseSettings(sources_);
    if (settings.ok()) ExpectNoSecrets(settings->Redacted());
    return settings.status();
  }

  DatabaseSettingsSources sources_;
};

TEST_F(ResolveErrorTest, MissingFileNamesFileAndSection) {
  sources_.config_file = testing::TempDir() + "/does_not_exist.ini";
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            absl::StrCat("config file \"", *sources_.config_file,
                         "\" (section [postgresql]) cannot be read: No such "
                         "file or directory"));
  ExpectNoSecrets(std::string(status.message()));
}

TEST_F(ResolveErrorTest, UnreadableFileNamesFileAndSection) {
  sources_.config_file = testing::TempDir();  // A directory: open ok, read not.
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(*sources_.config_file));
  EXPECT_THAT(status.message(), HasSubstr("[postgresql]"));
  EXPECT_THAT(status.message(), HasSubstr("Is a directory"));
  ExpectNoSecrets(std::string(status.message()));
}

TEST_F(ResolveErrorTest, MissingSectionNamesFileAndSection) {
  sources_.config_file = WriteFile(
      "no_section.ini", "[other]\nhost = h\npassword = FileSecret1\n");
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            absl::StrCat("section [postgresql] not found in config file \"",
                         *sources_.config_file, "\""));
  ExpectNoSecrets(std::string(status.message()));
}

TEST_F(ResolveErrorTest, UnknownKeyNamesFileSectionAndKey) {
  sources_.config_file =
      WriteFile("unknown_key.ini",
                "[postgresql]\npassword = FileSecret1\nhots = localhost\n");
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(*sources_.config_file));
  EXPECT_THAT(status.message(), HasSubstr("[postgresql]"));
  EXPECT_THAT(status.message(), HasSubstr("\"hots\""));
  ExpectNoSecrets(std::string(status.message()));
}

TEST_F(ResolveErrorTest, MalformedLineNamesLineNumberOnly) {
  sources_.config_file = WriteFile("malformed.ini",
                                   "# comment\n"
                                   "[postgresql]\n"
                                   "host = h\n"
                                   "password FileSecret1\n");
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(*sources_.config_file));
  EXPECT_THAT(status.message(), HasSubstr("[postgresql]"));
  EXPECT_THAT(status.message(), HasSubstr("line 4"));
  ExpectNoSecrets(std::string(status.message()));
}

TEST_F(ResolveErrorTest, FlagParseErrorNamesFlagAndHidesPassword) {
  // libpq would report `missing "=" after "Wv4Ty8"`.
  sources_.flag_database = "host=h password=Zq9Xk7 Wv4Ty8";
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--database"));
  EXPECT_THAT(status.message(), HasSubstr("missing \"=\""));
  ExpectNoSecrets(std::string(status.message()));
}

TEST_F(ResolveErrorTest, DatabaseUrlParseErrorNamesVariableAndHidesPassword) {
  // libpq would echo the whole percent-encoded token, i.e. the password.
  sources_.flag_database.reset();
  sources_.getenv =
      FakeEnv({{"DATABASE_URL", "postgresql://u:Zq9Xk7%zzWv4Ty8@h/db"}});
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("DATABASE_URL"));
  ExpectNoSecrets(std::string(status.message()));
}

TEST_F(ResolveErrorTest, UriEchoedWholeIsWithheld) {
  // libpq echoes the entire URI here, quote characters and all.
  sources_.flag_database = "postgresql://u:Hj2\"Lp6@[::1/db";
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--database"));
  ExpectNoSecrets(std::string(status.message()));
  EXPECT_THAT(status.message(), Not(HasSubstr("Hj2")));
}

TEST_F(ResolveErrorTest, UnterminatedQuoteHidesPassword) {
  sources_.flag_database = "host=h password='Zq9Xk7";
  const absl::Status status = Resolve();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--database"));
  ExpectNoSecrets(std::string(status.message()));
}

TEST(ResolveDatabaseSettingsTest, ParseErrorWithoutPasswordKeepsDetail) {
  DatabaseSettingsSources sources = Isolated();
  sources.flag_database = "host=h hots=x";
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(settings.status().message(),
              HasSubstr("invalid connection option \"hots\""));
}

TEST(ResolveDatabaseSettingsTest, RedactedHidesPasswordsOnly) {
  DatabaseSettingsSources sources = Isolated();
  sources.flag_database =
      "host=h user=u password=Zq9Xk7 sslpassword=Wv4Ty8 dbname=d";
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  const std::string redacted = settings->Redacted();
  ExpectNoSecrets(redacted);
  EXPECT_THAT(redacted, HasSubstr("password='********'"));
  EXPECT_THAT(redacted, HasSubstr("sslpassword='********'"));
  EXPECT_THAT(redacted, HasSubstr("host='h'"));
  EXPECT_THAT(redacted, HasSubstr("user='u'"));
  EXPECT_THAT(redacted, HasSubstr("dbname='d'"));
  EXPECT_THAT(settings->ConnInfo(), HasSubstr("password='Zq9Xk7'"));
}

TEST(ResolveDatabaseSettingsTest, RedactedEqualsConnInfoWithoutPassword) {
  DatabaseSettingsSources sources = Isolated();
  sources.flag_database = "host=h user=u";
  auto settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->Redacted(), settings->ConnInfo());
}

TEST(ResolveDatabaseSettingsTest, DefaultsOnlyWhenNothingElseSetsThem) {
  auto settings = ResolveDatabaseSettings(Isolated());
  ASSERT_TRUE(settings.ok()) << settings.status();
  const std::map<std::string, std::string> expected = {
      {"application_name", "suppliers-server"}, {"connect_timeout", "5"}};
  EXPECT_EQ(settings->params(), expected);
  EXPECT_EQ(settings->SourceOf("application_name"), "default");
  EXPECT_EQ(settings->SourceOf("connect_timeout"), "default");
  EXPECT_EQ(settings->SourceOf("host"), "");

  DatabaseSettingsSources sources;
  sources.getenv = FakeEnv({{"PGAPPNAME", "batch"}});
  sources.flag_database = "connect_timeout=30";
  settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("application_name"), "batch");
  EXPECT_EQ(settings->SourceOf("application_name"), "PGAPPNAME");
  EXPECT_EQ(settings->params().at("connect_timeout"), "30");
  EXPECT_EQ(settings->SourceOf("connect_timeout"), "flag --database");
}

TEST(ResolveDatabaseSettingsTest, ConfigFileIgnoredUnlessSet) {
  DatabaseSettingsSources sources = Isolated();
  sources.config_section = "no-such-section";
  EXPECT_TRUE(ResolveDatabaseSettings(sources).ok());
}

TEST(ResolveDatabaseSettingsTest, DefaultGetenvReadsProcessEnvironment) {
  // Skipped rather than clobbered if the developer's shell sets these.
  if (std::getenv("DATABASE_URL") != nullptr ||
      std::getenv("PGOPTIONS") != nullptr) {
    GTEST_SKIP() << "DATABASE_URL or PGOPTIONS set in the test environment";
  }
  ASSERT_EQ(setenv("PGOPTIONS", "-c work_mem=64MB", 1), 0);
  DatabaseSettingsSources sources;  // getenv left empty on purpose.
  auto settings = ResolveDatabaseSettings(sources);
  unsetenv("PGOPTIONS");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("options"), "-c work_mem=64MB");
  EXPECT_EQ(settings->SourceOf("options"), "PGOPTIONS");
}

TEST(ParseIniSectionTest, HandlesCommentsBlanksWhitespaceAndCrlf) {
  auto section = ParseIniSection(
      "\xEF\xBB\xBF; leading comment\r\n"
      "\r\n"
      "[other]\r\n"
      "host = elsewhere\r\n"
      "  [ postgresql ]  \r\n"
      "\t host\t=  localhost  \r\n"
      "# port = 1\r\n"
      "password = a#b;c=d\r\n"
      "[third]\n"
      "port = 2\n"
      "[postgresql]\n"
      "port = 5432",  // No trailing newline.
      "postgresql", "db.ini");
  ASSERT_TRUE(section.ok()) << section.status();
  const std::map<std::string, std::string> expected = {
      {"host", "localhost"}, {"password", "a#b;c=d"}, {"port", "5432"}};
  EXPECT_EQ(*section, expected);
}

TEST(ParseIniSectionTest, EmptySectionIsFound) {
  auto section = ParseIniSection("[postgresql]\n", "postgresql", "db.ini");
  ASSERT_TRUE(section.ok()) << section.status();
  EXPECT_TRUE(section->empty());
}

TEST(ParseIniSectionTest, SectionNamesAreCaseSensitive) {
  auto section =
      ParseIniSection("[PostgreSQL]\nhost = h\n", "postgresql", "db.ini");
  EXPECT_EQ(section.status().code(), absl::StatusCode::kNotFound);
}

TEST(ParseIniSectionTest, SyntaxErrorsNameFileSectionAndLine) {
  struct Case {
    const char* contents;
    int line;
  };
  const Case cases[] = {
      {"[postgresql]\nhost = h\nZq9Xk7\n", 3},         // No '='.
      {"[postgresql\npassword = Zq9Xk7\n", 1},         // Unterminated header.
      {"[]\n", 1},                                     // Empty section name.
      {"password = Zq9Xk7\n[postgresql]\n", 1},        // Key before a header.
      {"[postgresql]\n = Zq9Xk7\n", 2},                // Empty key.
      {"[postgresql]\n[other]\nWv4Ty8 Zq9Xk7\n", 3},   // Other sections too.
      {"[postgresql]\nuser = a\nUSER = Zq9Xk7\n", 3},  // Duplicate key.
  };
  for (const Case& c : cases) {
    auto section = ParseIniSection(c.contents, "postgresql", "db.ini");
    ASSERT_EQ(section.status().code(), absl::StatusCode::kInvalidArgument)
        << c.contents;
    const std::string message(section.status().message());
    EXPECT_THAT(message, HasSubstr("\"db.ini\"")) << c.contents;
    EXPECT_THAT(message, HasSubstr("[postgresql]")) << c.contents;
    EXPECT_THAT(message, HasSubstr(absl::StrCat("line ", c.line, ":")))
        << c.contents;
    ExpectNoSecrets(message);
  }
}

TEST_F(ResolveErrorTest, ANonNumericPortIsRefusedNamingItsSource) {
  sources_.flag_database = "host=db port=54x32 password=FlagSecret4";
  const absl::Status status = Resolve();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("54x32"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--database"));
  ExpectNoSecrets(std::string(status.message()));
}

TEST(ResolveDatabaseSettingsTest, PortListsOfSeveralHostsAreAccepted) {
  DatabaseSettingsSources sources = Isolated();
  sources.flag_database = "host=a,b port=5432,5433";
  EXPECT_TRUE(ResolveDatabaseSettings(sources).ok());
  sources.flag_database = "host=a,b port=5432,0";
  EXPECT_FALSE(ResolveDatabaseSettings(sources).ok());
}

TEST(ResolveDatabaseSettingsTest, APasswordFileWinsAndStaysOutOfLogs) {
  DatabaseSettingsSources sources = Isolated();
  sources.getenv = FakeEnv({{"PGPASSWORD", "PgEnvSecret2"}});
  sources.flag_database = "host=db user=app";
  sources.password_file = WriteFile("password", "  Zq9Xk7\n");
  absl::StatusOr<DatabaseSettings> settings = ResolveDatabaseSettings(sources);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->params().at("password"), "Zq9Xk7");
  EXPECT_EQ(LibpqParse(settings->ConnInfo()).at("password"), "Zq9Xk7");
  ExpectNoSecrets(settings->Redacted());
}

TEST(ResolveDatabaseSettingsTest, AMissingOrEmptyPasswordFileIsAnError) {
  DatabaseSettingsSources sources = Isolated();
  sources.password_file = "/nonexistent/password";
  EXPECT_EQ(ResolveDatabaseSettings(sources).status().code(),
            absl::StatusCode::kNotFound);
  sources.password_file = WriteFile("empty-password", "\n");
  EXPECT_EQ(ResolveDatabaseSettings(sources).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace suppliers
