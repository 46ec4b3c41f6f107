// Bearer tokens and TLS (server-side and mutual) accept the right
// credentials and refuse wrong ones; health stays open without a token.
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

class SecurityTest : public ServerFixture {
 protected:
  void SetUp() override {}  // each test starts its own server
};

grpc::Status List(v1::SketchService::Stub* stub, const std::string& token) {
  grpc::ClientContext ctx;
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::ListDatasetsResponse resp;
  return stub->ListDatasets(&ctx, v1::ListDatasetsRequest(), &resp);
}

TEST_F(SecurityTest, BearerTokens) {
  ServerOptions o = DefaultOptions();
  const std::string token_file = data_dir_ + "/tokens";
  std::ofstream(token_file) << "# team tokens\nsecret-one\n\nsecret-two\n";
  o.auth_token_file = token_file;
  StartServer(o);
  EXPECT_TRUE(List(stub_.get(), "secret-one").ok());
  EXPECT_TRUE(List(stub_.get(), "secret-two").ok());
  grpc::Status s = List(stub_.get(), "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(s.error_message().find("authorization"), std::string::npos);
  EXPECT_EQ(List(stub_.get(), "secret-on").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(List(stub_.get(), "secret-one2").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Streams are checked too.
  LowRankResult r = LowRankCall("x", Random(4, 1), TestMatrix(8, 4, 2, 1), 2);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(HealthServing(channel_));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TlsTest : public SecurityTest {
 protected:
  // A self-signed CA-capable cert for 127.0.0.1 / localhost.
  bool MakeCert(const std::string& name) {
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " + data_dir_ + "/" + name +
        ".key -out " + data_dir_ + "/" + name + ".crt >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  std::unique_ptr<v1::SketchService::Stub> Stub(const grpc::SslCredentialsOptions& ssl) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto ch = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->port()),
                                        grpc::SslCredentials(ssl), args);
    return v1::SketchService::NewStub(ch);
  }
};

TEST_F(TlsTest, ServerTlsAndMutualTls) {
  if (std::system("test -x /usr/bin/openssl") != 0) GTEST_SKIP() << "no /usr/bin/openssl";
  ServerOptions o = DefaultOptions();
  ASSERT_TRUE(MakeCert("server"));
  ASSERT_TRUE(MakeCert("client"));
  ASSERT_TRUE(MakeCert("stranger"));
  o.tls_cert = data_dir_ + "/server.crt";
  o.tls_key = data_dir_ + "/server.key";
  StartServer(o);
  grpc::SslCredentialsOptions good;
  good.pem_root_certs = ReadAll(o.tls_cert);
  EXPECT_TRUE(List(Stub(good).get(), "").ok());
  // A client that trusts another CA refuses the server.
  grpc::SslCredentialsOptions wrong_ca;
  wrong_ca.pem_root_certs = ReadAll(data_dir_ + "/stranger.crt");
  EXPECT_EQ(List(Stub(wrong_ca).get(), "").error_code(), grpc::StatusCode::UNAVAILABLE);
  // Plaintext client against a TLS server fails.
  auto plain = v1::SketchService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  EXPECT_FALSE(List(plain.get(), "").ok());
  server_->Shutdown(1);
  server_.reset();

  // Mutual TLS: the client must present a cert signed by tls_client_ca.
  o.tls_client_ca = data_dir_ + "/client.crt";
  StartServer(o);
  grpc::SslCredentialsOptions with_cert = good;
  with_cert.pem_private_key = ReadAll(data_dir_ + "/client.key");
  with_cert.pem_cert_chain = ReadAll(data_dir_ + "/client.crt");
  EXPECT_TRUE(List(Stub(with_cert).get(), "").ok());
  EXPECT_FALSE(List(Stub(good).get(), "").ok());  // no client cert
  grpc::SslCredentialsOptions stranger = good;
  stranger.pem_private_key = ReadAll(data_dir_ + "/stranger.key");
  stranger.pem_cert_chain = ReadAll(data_dir_ + "/stranger.crt");
  EXPECT_FALSE(List(Stub(stranger).get(), "").ok());
}

}  // namespace
}  // namespace sketchd::testing
