// The PostgreSQL store while its database restarts: calls fail with
// UNAVAILABLE (retryable, never INTERNAL) while it is down and succeed again
// once it is back, with the same store object (no sketchd restart).
#include <gtest/gtest.h>

#include "server/postgres_store.h"
#include "tests/store/test_postgres.h"

namespace sketchd {
namespace {

using ::sketchd::testing::TestPostgres;

TEST(PostgresRecoveryTest, UnavailableWhileDownThenRecoversWithoutRestart) {
  SKETCHD_REQUIRE_TEST_POSTGRES();
  absl::StatusOr<std::string> url = TestPostgres::Get().NewDatabase();
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(*url, /*blob_dir=*/"", 4);
  ASSERT_TRUE(store.ok()) << store.status();
  DatasetRecord ds;
  ds.name = "kept";
  ds.n = 3;
  ASSERT_TRUE((*store)->CreateDataset(ds).ok());
  ASSERT_TRUE((*store)->GetDataset("kept").ok());  // a pooled connection now exists

  ASSERT_TRUE(TestPostgres::Get().Stop().ok());
  absl::StatusOr<DatasetRecord> down = (*store)->GetDataset("kept");
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  EXPECT_EQ((*store)->ListDatasets().status().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE(TestPostgres::Get().StartAgain().ok());
  absl::StatusOr<DatasetRecord> back = (*store)->GetDataset("kept");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->n, 3);
  ds.name = "after";
  EXPECT_TRUE((*store)->CreateDataset(ds).ok());
  EXPECT_EQ((*store)->ListDatasets()->size(), 2u);
}

// A URL that reaches no server is UNAVAILABLE at Open, naming the server
// without its password.
TEST(PostgresRecoveryTest, UnreachableServerIsUnavailable) {
  absl::StatusOr<std::unique_ptr<PostgresStore>> store =
      PostgresStore::Open("postgresql://someone:secret@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("cannot connect to PostgreSQL at "
                                          "postgresql://someone@127.0.0.1:1/none"),
            std::string::npos)
      << store.status();
  EXPECT_EQ(store.status().message().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace sketchd
