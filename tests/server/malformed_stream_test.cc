// Malformed streams each get the right code and a message naming the
// problem, and the server stays healthy afterwards.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kN = 32, kD = 8;

class MalformedStreamTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    ASSERT_TRUE(CreateDataset("ds", kN, kD).ok());
    a_ = TestMatrix(kN, kD, 3, 1);
  }

  v1::LowRankRequest Header(int64_t n = kN, int64_t d = kD, int64_t k = 2,
                            v1::DType dtype = v1::DTYPE_FLOAT64, const std::string& ds = "ds") {
    v1::LowRankRequest r;
    auto* h = r.mutable_header();
    h->set_dataset(ds);
    h->mutable_sketch()->mutable_random()->set_m(6);
    h->set_n(n);
    h->set_d(d);
    h->set_k(k);
    h->set_dtype(dtype);
    return r;
  }
  v1::LowRankRequest Rows(int64_t r0, int64_t rows, int64_t declared = -1) {
    v1::LowRankRequest r;
    r.mutable_rows()->set_rows(declared >= 0 ? declared : rows);
    r.mutable_rows()->set_data(Pack(a_, r0, rows, v1::DTYPE_FLOAT64));
    return r;
  }
  v1::LowRankRequest AllRows() { return Rows(0, kN); }

  grpc::Status RunLowRank(const std::vector<v1::LowRankRequest>& msgs) {
    grpc::ClientContext ctx;
    auto s = stub_->LowRank(&ctx);
    for (const auto& m : msgs) {
      if (!s->Write(m)) break;
    }
    s->WritesDone();
    v1::LowRankResponse resp;
    while (s->Read(&resp)) {
    }
    return s->Finish();
  }

  void Expect(const char* name, grpc::Status s, grpc::StatusCode code, const std::string& needle) {
    EXPECT_EQ(s.error_code(), code) << name << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(needle)) << name;
    ++cases_;
  }

  RowMatrixXd a_;
  int cases_ = 0;
};

TEST_F(MalformedStreamTest, EachGetsTheRightCodeAndServerStaysHealthy) {
  using C = grpc::StatusCode;
  Expect("no header", RunLowRank({AllRows()}), C::INVALID_ARGUMENT, "first message must be");
  Expect("empty stream", RunLowRank({}), C::INVALID_ARGUMENT, "empty stream");
  Expect("header twice", RunLowRank({Header(), Header(), AllRows()}), C::INVALID_ARGUMENT,
         "second header");
  Expect("wrong n", RunLowRank({Header(kN + 1), AllRows()}), C::INVALID_ARGUMENT, "n = 33");
  Expect("short stream", RunLowRank({Header(), Rows(0, 10)}), C::INVALID_ARGUMENT,
         "ended after 10 of the declared 32 rows");
  Expect("long chunk", RunLowRank({Header(), Rows(0, 20), Rows(0, 20)}), C::INVALID_ARGUMENT,
         "reaches past");
  Expect("rows/bytes disagree", RunLowRank({Header(), Rows(0, 10, 11)}), C::INVALID_ARGUMENT,
         "row block at row 0 has 640 bytes");
  {
    v1::LowRankRequest bad = Rows(0, kN);
    std::string data = bad.rows().data();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::memcpy(data.data() + 8 * (5 * kD + 3), &nan, 8);
    bad.mutable_rows()->set_data(data);
    Expect("NaN", RunLowRank({Header(), bad}), C::INVALID_ARGUMENT, "row 5, column 3 is NaN");
    const double inf = std::numeric_limits<double>::infinity();
    std::memcpy(data.data() + 8 * (5 * kD + 3), &inf, 8);
    bad.mutable_rows()->set_data(data);
    Expect("Inf", RunLowRank({Header(), bad}), C::INVALID_ARGUMENT, "infinite");
  }
  Expect("huge declared shape", RunLowRank({Header(kN, int64_t{1} << 40)}), C::RESOURCE_EXHAUSTED,
         "--max_matrix_bytes");
  Expect("unknown dataset", RunLowRank({Header(kN, kD, 2, v1::DTYPE_FLOAT64, "nope"), AllRows()}),
         C::NOT_FOUND, "'nope' not found");
  Expect("bad name", RunLowRank({Header(kN, kD, 2, v1::DTYPE_FLOAT64, "a/b"), AllRows()}),
         C::INVALID_ARGUMENT, "invalid dataset name");
  Expect("bad dtype", RunLowRank({Header(kN, kD, 2, v1::DTYPE_UNSPECIFIED), AllRows()}),
         C::INVALID_ARGUMENT, "dtype 0 is not supported");
  {
    v1::LowRankRequest truncated = AllRows();
    truncated.mutable_rows()->mutable_data()->resize(kN * kD * 8 - 3);
    Expect("truncated bytes", RunLowRank({Header(), truncated}), C::INVALID_ARGUMENT,
           "need 2048");
  }
  Expect("zero-row block", RunLowRank({Header(), Rows(0, 0)}), C::INVALID_ARGUMENT,
         "at least 1");
  Expect("d mismatch", RunLowRank({Header(kN, kD + 1), AllRows()}), C::INVALID_ARGUMENT,
         "has d = 8");
  Expect("k > min(n, d)", RunLowRank({Header(kN, kD, kD + 1), AllRows()}), C::INVALID_ARGUMENT,
         "k = 9 must be in [1, min(n, d)]");
  {
    v1::LowRankRequest h = Header();
    h.mutable_header()->mutable_sketch()->set_version(42);
    Expect("unknown sketch version", RunLowRank({h, AllRows()}), C::NOT_FOUND,
           "no sketch version 42");
  }
  {
    v1::LowRankRequest h = Header();
    h.mutable_header()->mutable_sketch()->mutable_random()->set_m(0);
    Expect("random m = 0", RunLowRank({h, AllRows()}), C::INVALID_ARGUMENT, "sketch.random.m");
  }

  // Upload streams.
  auto upload = [&](const std::vector<v1::UploadTrainingMatricesRequest>& msgs) {
    grpc::ClientContext ctx;
    v1::UploadTrainingMatricesResponse resp;
    auto w = stub_->UploadTrainingMatrices(&ctx, &resp);
    for (const auto& m : msgs) {
      if (!w->Write(m)) break;
    }
    w->WritesDone();
    return w->Finish();
  };
  auto uh = [&](int64_t rows, int64_t cols, const std::string& ds = "ds") {
    v1::UploadTrainingMatricesRequest r;
    r.mutable_header()->set_dataset(ds);
    r.mutable_header()->set_rows(rows);
    r.mutable_header()->set_cols(cols);
    r.mutable_header()->set_dtype(v1::DTYPE_FLOAT64);
    return r;
  };
  auto ur = [&](int64_t rows) {
    v1::UploadTrainingMatricesRequest r;
    r.mutable_rows()->set_rows(rows);
    r.mutable_rows()->set_data(Pack(a_, 0, rows, v1::DTYPE_FLOAT64));
    return r;
  };
  Expect("upload: chunk before header", upload({ur(kN)}), C::INVALID_ARGUMENT, "before any header");
  Expect("upload: no matrix", upload({}), C::INVALID_ARGUMENT, "no matrix");
  Expect("upload: wrong rows", upload({uh(kN - 1, kD), ur(kN - 1)}), C::INVALID_ARGUMENT,
         "rows = 31");
  Expect("upload: header mid-matrix", upload({uh(kN, kD), ur(4), uh(kN, kD)}),
         C::INVALID_ARGUMENT, "after 4 of the 32 rows");
  Expect("upload: two datasets", upload({uh(kN, kD), ur(kN), uh(kN, kD, "other")}),
         C::INVALID_ARGUMENT, "one dataset per stream");
  // Partly valid uploads leave nothing behind.
  Expect("upload: cols ≠ d", upload({uh(kN, kD), ur(kN), uh(kN, 3)}), C::INVALID_ARGUMENT,
         "cols = 3");
  grpc::ClientContext gc;
  v1::GetDatasetRequest g;
  g.set_name("ds");
  v1::Dataset ds;
  ASSERT_TRUE(stub_->GetDataset(&gc, g, &ds).ok());
  EXPECT_EQ(ds.num_training_matrices(), 0);

  EXPECT_GE(cases_, 15);
  EXPECT_TRUE(HealthServing(channel_));
  // And it still answers correctly.
  LowRankResult ok = LowRankCall("ds", Random(6, 1), a_, 2);
  EXPECT_TRUE(ok.status.ok()) << ok.status.error_message();
}

TEST_F(MalformedStreamTest, ClientCancellationMidStream) {
  grpc::ClientContext ctx;
  auto s = stub_->LowRank(&ctx);
  ASSERT_TRUE(s->Write(Header()));
  ASSERT_TRUE(s->Write(Rows(0, 8)));
  ctx.TryCancel();
  v1::LowRankResponse resp;
  while (s->Read(&resp)) {
  }
  EXPECT_EQ(s->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(HealthServing(channel_));
}

}  // namespace
}  // namespace sketchd::testing
