// Owns the implementation of database connection settings resolution: libpq
// conninfo parsing with password-safe error messages, PG* environment
// mapping, database.ini parsing and conninfo rendering.

#include "server/config.h"

#include <libpq-fe.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace suppliers {
namespace {

constexpr char kRedactedPassword[] = "********";
constexpr char kFlagSource[] = "flag --database";
constexpr char kDatabaseUrl[] = "DATABASE_URL";
constexpr char kDefaultSource[] = "default";

// The PG* variables this module resolves itself, so that they take part in
// the per-key precedence instead of being applied behind our back by libpq.
constexpr std::pair<const char*, const char*> kPgEnvironment[] = {
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

// Named connections show up in pg_stat_activity; the short timeout keeps an
// unreachable host from stalling startup (libpq's default is to wait forever).
constexpr std::pair<const char*, const char*> kDefaults[] = {
    {"application_name", "suppliers-server"},
    {"connect_timeout", "5"},
};

using Params = std::map<std::string, std::string>;
using ConninfoOptions =
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

// Debian builds Abseil with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is a distinct type that std::string_view does not convert
// to implicitly.
absl::string_view ToAbsl(std::string_view view) {
  return absl::string_view(view.data(), view.size());
}

bool IsSecretKey(absl::string_view key) {
  return key == "password" || key == "sslpassword";
}

std::optional<std::string> StdGetenv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Whether libpq might echo a secret from `conninfo` in a parse error. Secrets
// can only arrive via the (ssl)password keyword, URI userinfo ("u:p@"), or a
// percent-encoded URI query key, so anything else is safe to echo verbatim,
// which keeps messages like `invalid connection option "hots"` intact.
bool MayContainSecret(absl::string_view conninfo) {
  return absl::StrContains(absl::AsciiStrToLower(conninfo), "password") ||
         absl::StrContains(conninfo, '@') || absl::StrContains(conninfo, '%');
}

// libpq's conninfo parse errors quote fragments of the input (for a URI,
// often the whole URI including the password), so when the input may hold a
// secret, everything from the first quoted input fragment on is withheld.
// The quoted literals in libpq's own templates ("=", ":", "/", "]") are kept.
std::string SanitizeLibpqError(absl::string_view message,
                               bool may_hold_secret) {
  message = absl::StripAsciiWhitespace(message);
  if (!may_hold_secret) return std::string(message);
  std::string out;
  size_t pos = 0;
  while (pos < message.size()) {
    const size_t open = message.find('"', pos);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, message.substr(pos));
      break;
    }
    const size_t close = message.find('"', open + 1);
    if (close != absl::string_view::npos) {
      const absl::string_view inner =
          message.substr(open + 1, close - open - 1);
      if (inner == "=" || inner == ":" || inner == "/" || inner == "]") {
        absl::StrAppend(&out, message.substr(pos, close + 1 - pos));
        pos = close + 1;
        continue;
      }
    }
    absl::StrAppend(
        &out, message.substr(pos, open - pos),
        "\"...\" (rest withheld: the input may contain a password)");
    break;
  }
  return out;
}

// Parses a libpq keyword/value string or URI into the options it sets.
absl::StatusOr<Params> ParseConninfo(const std::string& conninfo,
                                     absl::string_view source_name) {
  char* raw_error = nullptr;
  ConninfoOptions options(PQconninfoParse(conninfo.c_str(), &raw_error),
                          &PQconninfoFree);
  if (options == nullptr) {
    std::string libpq_message =
        raw_error != nullptr ? raw_error : "out of memory";
    if (raw_error != nullptr) PQfreemem(raw_error);
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": cannot parse connection string: ",
        SanitizeLibpqError(libpq_message, MayContainSecret(conninfo))));
  }
  Params params;
  for (const PQconninfoOption* option = options.get();
       option->keyword != nullptr; ++option) {
    // PQconninfoParse reports every legal keyword; null means "not given".
    if (option->val != nullptr) params[option->keyword] = option->val;
  }
  return params;
}

// Asks libpq rather than hard-coding the list, so keywords added by newer
// libpq versions are accepted without a code change.
absl::StatusOr<std::set<std::string>> LibpqKeywords() {
  ConninfoOptions defaults(PQconndefaults(), &PQconninfoFree);
  if (defaults == nullptr) {
    return absl::InternalError(
        "libpq could not list its connection keywords (out of memory)");
  }
  std::set<std::string> keywords;
  for (const PQconninfoOption* option = defaults.get();
       option->keyword != nullptr; ++option) {
    keywords.insert(option->keyword);
  }
  return keywords;
}

std::string FileDescription(absl::string_view file_name,
                            absl::string_view section) {
  return absl::StrCat("config file \"", file_name, "\" (section [", section,
                      "])");
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path,
                                           absl::string_view section) {
  auto read_error = [&](int error_number) {
    return absl::NotFoundError(absl::StrCat(
        FileDescription(path, section),
        " cannot be read: ", std::generic_category().message(error_number)));
  };
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return read_error(errno);
  std::string contents;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    contents.append(buffer, n);
  }
  // Capture errno before fclose can overwrite it; a directory, for example,
  // opens fine and only fails here with EISDIR.
  const bool failed = std::ferror(file) != 0;
  const int error_number = failed && errno != 0 ? errno : EIO;
  std::fclose(file);
  if (failed) return read_error(error_number);
  return contents;
}

// Validates the file's keys against libpq and applies the "database" alias
// used by the tutorial's database.ini.
absl::StatusOr<Params> IniToLibpqParams(const Params& ini,
                                        absl::string_view file_name,
                                        absl::string_view section) {
  absl::StatusOr<std::set<std::string>> keywords = LibpqKeywords();
  if (!keywords.ok()) return keywords.status();
  Params params;
  for (const auto& [key, value] : ini) {
    const std::string keyword = key == "database" ? "dbname" : key;
    if (keywords->count(keyword) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          FileDescription(file_name, section), ": unknown key \"", key,
          "\" (expected a libpq connection keyword such as host, port, "
          "database, user, password)"));
    }
    if (!params.emplace(keyword, value).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(FileDescription(file_name, section),
                       ": both \"database\" and \"dbname\" are set"));
    }
  }
  return params;
}

void Overlay(const Params& layer, const std::string& source, Params* params,
             Params* sources) {
  for (const auto& [key, value] : layer) {
    (*params)[key] = value;
    (*sources)[key] = source;
  }
}

void AppendQuoted(absl::string_view value, std::string* out) {
  out->push_back('\'');
  for (char c : value) {
    if (c == '\'' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('\'');
}

// libpq accepts any text as the port and only fails at connect time, so a
// typo would make the server answer UNAVAILABLE forever: refuse it at start.
absl::Status ValidatePorts(const DatabaseSettings& settings) {
  auto it = settings.params().find("port");
  if (it == settings.params().end()) return absl::OkStatus();
  for (absl::string_view port : absl::StrSplit(it->second, ',')) {
    int number = 0;
    if (!port.empty() &&
        (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "port \"", it->second, "\" (from ", settings.SourceOf("port"),
          ") is not a port number (1 to 65535; several hosts take a "
          "comma-separated list)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the password file ", path));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  // The file's bytes, surrounding white space (a final newline) trimmed.
  std::string password(absl::StripAsciiWhitespace(contents.str()));
  if (password.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the password file ", path, " is empty"));
  }
  return password;
}

}  // namespace

std::string DatabaseSettings::SourceOf(const std::string& key) const {
  auto it = sources_.find(key);
  return it == sources_.end() ? std::string() : it->second;
}

std::string DatabaseSettings::ConnInfo() const { return Render(false); }

std::string DatabaseSettings::Redacted() const { return Render(true); }

std::string DatabaseSettings::Render(bool redact) const {
  std::string out;
  for (const auto& [key, value] : params_) {
    if (!out.empty()) out.push_back(' ');
    absl::StrAppend(&out, key, "=");
    AppendQuoted(redact && IsSecretKey(key) ? kRedactedPassword : value, &out);
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseIniSection(
    std::string_view std_contents, std::string_view std_section,
    std::string_view std_file_name) {
  absl::string_view contents = ToAbsl(std_contents);
  const absl::string_view section = ToAbsl(std_section);
  const absl::string_view file_name = ToAbsl(std_file_name);
  auto line_error = [&](int line_number, absl::string_view problem) {
    return absl::InvalidArgumentError(
        absl::StrCat(FileDescription(file_name, section), " line ", line_number,
                     ": ", problem));
  };
  // Editors on Windows like to prepend a UTF-8 byte order mark.
  absl::ConsumePrefix(&contents, "\xEF\xBB\xBF");

  Params result;
  bool section_found = false;
  bool in_any_section = false;
  bool in_target = false;
  int line_number = 0;
  while (!contents.empty()) {
    ++line_number;
    const size_t newline = contents.find('\n');
    absl::string_view line = contents.substr(0, newline);
    contents.remove_prefix(newline == absl::string_view::npos ? contents.size()
                                                              : newline + 1);
    line = absl::StripAsciiWhitespace(line);  // Also drops CR of CRLF.
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      if (line.back() != ']') {
        return line_error(line_number, "section header is missing ']'");
      }
      const absl::string_view name =
          absl::StripAsciiWhitespace(line.substr(1, line.size() - 2));
      if (name.empty()) return line_error(line_number, "empty section name");
      in_any_section = true;
      in_target = name == section;
      section_found = section_found || in_target;
      continue;
    }

    // The line's text is never echoed: it may be "password = ...".
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos) {
      return line_error(line_number,
                        "expected \"[section]\" or \"key = value\"");
    }
    std::string key = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(line.substr(0, equals)));
    if (key.empty()) return line_error(line_number, "missing key before '='");
    if (!in_any_section) {
      return line_error(line_number, "key outside any [section]");
    }
    if (!in_target) continue;
    const absl::string_view value =
        absl::StripAsciiWhitespace(line.substr(equals + 1));
    if (!result.emplace(key, std::string(value)).second) {
      return line_error(line_number,
                        absl::StrCat("duplicate key \"", key, "\""));
    }
  }
  if (!section_found) {
    return absl::NotFoundError(absl::StrCat("section [", section,
                                            "] not found in config file \"",
                                            file_name, "\""));
  }
  return result;
}

absl::StatusOr<DatabaseSettings> ResolveDatabaseSettings(
    const DatabaseSettingsSources& sources) {
  const std::function<std::optional<std::string>(const std::string&)> getenv =
      sources.getenv ? sources.getenv : StdGetenv;
  // Empty counts as unset: an exported-but-empty variable should not blank
  // out a value from a lower-precedence source.
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    std::optional<std::string> value = getenv(name);
    if (value.has_value() && value->empty()) return std::nullopt;
    return value;
  };

  DatabaseSettings settings;
  Params& params = settings.params_;
  Params& origin = settings.sources_;

  // Layers are applied lowest precedence first so later ones win per key.
  if (sources.config_file.has_value()) {
    absl::StatusOr<std::string> contents =
        ReadConfigFile(*sources.config_file, sources.config_section);
    if (!contents.ok()) return contents.status();
    absl::StatusOr<Params> ini = ParseIniSection(
        *contents, sources.config_section, *sources.config_file);
    if (!ini.ok()) return ini.status();
    absl::StatusOr<Params> file_params =
        IniToLibpqParams(*ini, *sources.config_file, sources.config_section);
    if (!file_params.ok()) return file_params.status();
    Overlay(
        *file_params,
        absl::StrCat(*sources.config_file, " [", sources.config_section, "]"),
        &params, &origin);
  }

  for (const auto& [variable, keyword] : kPgEnvironment) {
    if (std::optional<std::string> value = env(variable)) {
      params[keyword] = *std::move(value);
      origin[keyword] = variable;
    }
  }

  if (std::optional<std::string> url = env(kDatabaseUrl)) {
    absl::StatusOr<Params> url_params = ParseConninfo(*url, kDatabaseUrl);
    if (!url_params.ok()) return url_params.status();
    Overlay(*url_params, kDatabaseUrl, &params, &origin);
  }

  if (sources.flag_database.has_value()) {
    absl::StatusOr<Params> flag_params =
        ParseConninfo(*sources.flag_database, "--database");
    if (!flag_params.ok()) return flag_params.status();
    Overlay(*flag_params, kFlagSource, &params, &origin);
  }

  if (sources.password_file.has_value()) {
    absl::StatusOr<std::string> password =
        ReadPasswordFile(*sources.password_file);
    if (!password.ok()) return password.status();
    params["password"] = *std::move(password);
    origin["password"] =
        absl::StrCat("--database_password_file ", *sources.password_file);
  }

  for (const auto& [key, value] : kDefaults) {
    if (params.emplace(key, value).second) origin[key] = kDefaultSource;
  }
  if (absl::Status s = ValidatePorts(settings); !s.ok()) return s;
  return settings;
}

}  // namespace suppliers
