// Tests the error values (server/base/errors.h), the database error
// classifier (server/db/database_errors.h) and the wire mapping
// (server/rpc/grpc_status.h).
#include "server/base/errors.h"

#include <grpcpp/grpcpp.h>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "pqxx/except"
#include "server/db/database_errors.h"
#include "server/rpc/grpc_status.h"

namespace suppliers {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusCode CodeFor(const char* sqlstate, bool cancelled = false) {
  const pqxx::sql_error error("ERROR:  secret detail",
                              "SELECT password FROM users", sqlstate);
  return FromDatabaseException(error, cancelled, false).code();
}

TEST(ErrorsTest, SqlStatesMapToTheDocumentedCodes) {
  EXPECT_EQ(CodeFor("23505"), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeFor("23503"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor("23502"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeFor("23514"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeFor("22001"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeFor("40001"), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeFor("40P01"), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeFor("57014"), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(CodeFor("57014", /*cancelled=*/true), absl::StatusCode::kCancelled);
  EXPECT_EQ(CodeFor("57P01"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor("08006"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor("42601"), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeFor("42501"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeFor("42P01"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor("42883"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor("42703"), absl::StatusCode::kFailedPrecondition);
}

// The ErrorInfo reason a status carries on the wire.
std::string ReasonOf(const absl::Status& status) {
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(ToGrpcStatus(status).error_details()));
  google::rpc::ErrorInfo info;
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

TEST(ErrorsTest, AMissingTableOrFunctionSaysNotMigratedAndNamesNothing) {
  const pqxx::sql_error error(
      "ERROR:  relation \"vendors\" does not exist\nLINE 1: INSERT INTO "
      "vendors",
      "INSERT INTO vendors (vendor_name) VALUES ($1)", "42P01");
  const absl::Status status = FromDatabaseException(error, false, false);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(status), "SCHEMA_NOT_MIGRATED");
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("vendors")));
  EXPECT_THAT(ToGrpcStatus(status).error_details(), Not(HasSubstr("vendors")));
}

TEST(ErrorsTest, TypedErrorsWithoutTheirSqlStateAreStillClassified) {
  // libpqxx 6.4 throws these without passing the SQLSTATE on.
  const pqxx::insufficient_privilege denied("ERROR:  permission denied");
  EXPECT_EQ(FromDatabaseException(denied, false, false).code(),
            absl::StatusCode::kPermissionDenied);
  const pqxx::undefined_table missing("ERROR:  relation does not exist");
  EXPECT_EQ(ReasonOf(FromDatabaseException(missing, false, false)),
            "SCHEMA_NOT_MIGRATED");
}

TEST(ErrorsTest, MissingPrivilegeIsPermissionDenied) {
  const pqxx::insufficient_privilege error(
      "ERROR:  permission denied for table vendors", "UPDATE vendors", "42501");
  const absl::Status status = FromDatabaseException(error, false, false);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(status), "DATABASE_PERMISSION_DENIED");
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("vendors")));
}

TEST(ErrorsTest, OnlyWritesCanHaveAnUnknownOutcome) {
  const pqxx::in_doubt_error lost("commit lost");
  const absl::Status write = FromDatabaseException(lost, false, false);
  EXPECT_EQ(write.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(write), "COMMIT_OUTCOME_UNKNOWN");
  const absl::Status read =
      FromDatabaseException(lost, false, /*read_only=*/true);
  EXPECT_EQ(read.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(read), "DATABASE_UNAVAILABLE");
  const pqxx::statement_completion_unknown unknown("unknown");
  EXPECT_EQ(ReasonOf(FromDatabaseException(unknown, false, true)),
            "DATABASE_UNAVAILABLE");
}

TEST(ErrorsTest, ConnectionLossAndUnknownCommitAreUnavailable) {
  EXPECT_EQ(FromDatabaseException(pqxx::broken_connection("gone"), false, false)
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      FromDatabaseException(pqxx::in_doubt_error("commit lost"), false, false)
          .code(),
      absl::StatusCode::kUnavailable);
}

TEST(ErrorsTest, OnlyConflictsAreRetryable) {
  // libpqxx 6.4 throws these without a SQLSTATE.
  const pqxx::serialization_failure conflict("conflict");
  const pqxx::deadlock_detected deadlock("deadlock");
  EXPECT_TRUE(IsRetryable(FromDatabaseException(conflict, false, false)));
  EXPECT_TRUE(IsRetryable(FromDatabaseException(deadlock, false, false)));
  EXPECT_FALSE(IsRetryable(
      FromDatabaseException(pqxx::broken_connection("gone"), false, false)));
  const pqxx::statement_completion_unknown unknown("unknown");
  EXPECT_EQ(FromDatabaseException(unknown, false, false).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(IsRetryable(FromDatabaseException(unknown, false, false)));
  EXPECT_FALSE(IsRetryable(absl::AbortedError("etag")));
}

TEST(ErrorsTest, MessagesNeverCarrySqlOrServerDetail) {
  for (const char* state : {"23505", "23503", "22001", "40001", "57014",
                            "57P01", "42601", "42501", "42P01", "42883"}) {
    const pqxx::sql_error error("ERROR:  secret detail",
                                "SELECT password FROM users", state);
    const absl::Status status = FromDatabaseException(error, false, false);
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("SELECT")));
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("secret")));
    EXPECT_THAT(ToGrpcStatus(status).error_details(),
                Not(HasSubstr("password")));
  }
}

TEST(ErrorsTest, InvalidFieldCarriesBadRequestAndErrorInfo) {
  const grpc::Status status =
      ToGrpcStatus(InvalidField("vendor.vendor_name", "must not be empty"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "vendor.vendor_name: must not be empty");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(details.details_size(), 2);
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
  for (const auto& any : details.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) {
      ASSERT_TRUE(any.UnpackTo(&info));
    }
    if (any.Is<google::rpc::BadRequest>()) {
      ASSERT_TRUE(any.UnpackTo(&bad_request));
    }
  }
  EXPECT_EQ(info.reason(), "INVALID_FIELD");
  EXPECT_EQ(info.domain(), "suppliers.v1");
  EXPECT_EQ(info.metadata().at("field"), "vendor.vendor_name");
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "vendor.vendor_name");
  EXPECT_EQ(bad_request.field_violations(0).description(), "must not be empty");
}

TEST(ErrorsTest, EveryErrorGetsAnErrorInfo) {
  const grpc::Status status =
      ToGrpcStatus(absl::ResourceExhaustedError("pool busy"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(info.domain(), "suppliers.v1");
}

TEST(ErrorsTest, NotFoundNamesTheResourceAndId) {
  const absl::Status status = NotFound("vendor", 42);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "vendor 42 does not exist");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(ToGrpcStatus(status).error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  EXPECT_EQ(info.metadata().at("vendor_id"), "42");
}

TEST(ErrorsTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace suppliers
