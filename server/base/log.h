// Owns structured logging: one JSON object per line on stderr, so that log
// shippers can parse every line without regexes.
#ifndef SUPPLIERS_SERVER_BASE_LOG_H_
#define SUPPLIERS_SERVER_BASE_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"

namespace suppliers {

enum class LogLevel { kInfo, kWarning, kError };

// One key/value of a log line. Numbers are written as JSON numbers, text as
// JSON strings. Never pass secrets (connection strings with passwords).
struct LogField {
  LogField(std::string_view k, std::string_view v)
      : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const char* v)
      : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const std::string& v)
      : key(k), value(v), quoted(true) {}
  template <typename Number,
            typename = std::enable_if_t<std::is_arithmetic_v<Number>>>
  LogField(std::string_view k, Number v)
      : key(k), value(absl::StrCat(v)), quoted(false) {}

  std::string_view key;
  std::string value;
  bool quoted;
};

// Formats one line: {"ts":"...","level":"info","msg":"...",<fields>}.
std::string FormatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields);

// Writes FormatLogLine(...) and a newline to stderr in one write, so lines
// from different threads never interleave. Thread-safe.
void Log(LogLevel level, std::string_view message,
         std::initializer_list<LogField> fields = {});

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_BASE_LOG_H_
