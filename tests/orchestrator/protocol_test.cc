#include "orchestrator/protocol.h"

#include <gtest/gtest.h>

#include <csignal>

#include "common/error.h"
#include "orchestrator/trial_runner.h"

namespace dts::orchestrator {
namespace {

TEST(ProtocolTest, HelloRoundTrips) {
  Hello m;
  m.host = "node7";
  m.pid = 4242;
  m.local_rank = 3;
  m.device_count = 4;
  const Hello back = Hello::Decode(m.Encode());
  EXPECT_EQ(back.version, kProtocolVersion);
  EXPECT_EQ(back.host, "node7");
  EXPECT_EQ(back.pid, 4242);
  EXPECT_EQ(back.local_rank, 3);
  EXPECT_EQ(back.device_count, 4);
}

TEST(ProtocolTest, AssignRoundTrips) {
  Assign m;
  m.trial_id = "0123456789abcdef";
  m.command = "/bin/dts-train";
  m.config_ini = "[model]\nshared_layers = 2\n\"quoted\" \\ text\n";
  m.config_path = "d/trials/x.ini";
  m.trial_path = "d/trials/x.h5";
  m.log_path = "d/trials/x.log";
  m.resume = true;
  m.threads = 6;
  m.use_gpu = true;
  m.attempt = 3;
  m.timeout_s = 12.5;
  m.max_epochs = 9;
  m.environment = {{"OPENBLAS_CORETYPE", "Haswell"}, {"OMP_PROC_BIND", "false"}};
  m.rank = 7;
  m.lease_s = 2.5;
  m.trials_per_gpu = 4;
  const Assign b = Assign::Decode(m.Encode());
  EXPECT_EQ(b.trial_id, m.trial_id);
  EXPECT_EQ(b.command, m.command);
  EXPECT_EQ(b.config_ini, m.config_ini);
  EXPECT_EQ(b.config_path, m.config_path);
  EXPECT_EQ(b.trial_path, m.trial_path);
  EXPECT_EQ(b.log_path, m.log_path);
  EXPECT_TRUE(b.resume);
  EXPECT_EQ(b.threads, 6);
  EXPECT_TRUE(b.use_gpu);
  EXPECT_EQ(b.attempt, 3);
  EXPECT_DOUBLE_EQ(b.timeout_s, 12.5);
  EXPECT_EQ(b.max_epochs, 9);
  EXPECT_EQ(b.environment, m.environment);
  EXPECT_EQ(b.rank, 7);
  EXPECT_DOUBLE_EQ(b.lease_s, 2.5);
  EXPECT_EQ(b.trials_per_gpu, 4);
}

TEST(ProtocolTest, WelcomeSeenAndHeartbeatRoundTrip) {
  Welcome w;
  w.out_dir = "/shared/sweep";
  w.probe_path = "/shared/sweep/.probe-3-x";
  w.token = "3-x";
  w.heartbeat_s = 12;
  const Welcome wb = Welcome::Decode(w.Encode());
  EXPECT_EQ(wb.out_dir, w.out_dir);
  EXPECT_EQ(wb.probe_path, w.probe_path);
  EXPECT_EQ(wb.token, w.token);
  EXPECT_DOUBLE_EQ(wb.heartbeat_s, 12);
  const Seen seen = Seen::Decode(Seen{false, "no directory /shared/sweep on this host"}.Encode());
  EXPECT_FALSE(seen.ok);
  EXPECT_EQ(seen.message, "no directory /shared/sweep on this host");
  EXPECT_EQ(Heartbeat::Decode(Heartbeat{"abc"}.Encode()).trial_id, "abc");
}

// A worker of an older build says hello without the later fields: the version mismatch is what the
// coordinator reports, not a missing field.
TEST(ProtocolTest, HelloOfAnotherVersionDecodesToItsVersion) {
  const Hello old = Hello::Decode(R"({"version": 4, "host": "n1", "local_rank": 0, "device_count": 0})");
  EXPECT_EQ(old.version, 4);
}

TEST(ProtocolTest, ResultRoundTripsEveryFailureClass) {
  using schema::FailureClass;
  for (auto failure : {FailureClass::kNone, FailureClass::kDiverged, FailureClass::kBadConfig,
                       FailureClass::kInterrupted, FailureClass::kCrashed, FailureClass::kInfrastructure}) {
    Result m;
    m.trial_id = "abc";
    m.failure = failure;
    m.exit_code = 75;
    m.term_signal = 11;
    m.seconds = 1.25;
    m.dev_score = 83.5;
    m.message = "killed by signal 11";
    m.host = "node3";
    m.pid = 99;
    m.started = "2026-12-07T10:00:00Z";
    const Result b = Result::Decode(m.Encode());
    EXPECT_EQ(b.failure, failure) << schema::Name(failure);
    EXPECT_EQ(b.trial_id, "abc");
    EXPECT_EQ(b.exit_code, 75);
    EXPECT_EQ(b.term_signal, 11);
    EXPECT_DOUBLE_EQ(b.seconds, 1.25);
    EXPECT_DOUBLE_EQ(b.dev_score, 83.5);
    EXPECT_EQ(b.message, m.message);
    EXPECT_EQ(b.host, "node3");
    EXPECT_EQ(b.pid, 99);
    EXPECT_EQ(b.started, m.started);
  }
}

TEST(ProtocolTest, StopRoundTrips) {
  EXPECT_EQ(Stop::Decode(Stop{"interrupted"}.Encode()).reason, "interrupted");
}

TEST(ProtocolTest, MalformedMessagesThrowNamingTheMessage) {
  EXPECT_THROW(Assign::Decode("{not json"), Error);
  try {
    Result::Decode(R"({"trial_id":"x"})");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("result"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Result::Decode(R"({"trial_id":"x","failure":"exploded","exit_code":1,"term_signal":0,)"
                              R"("seconds":1,"dev_score":1,"message":""})"),
               Error);
}

TEST(FailureClassOfExitTest, MapsExitCodesAndSignalsToFailureClasses) {
  using schema::FailureClass;
  using schema::FailureClassOfExit;
  EXPECT_EQ(FailureClassOfExit(0, 0), FailureClass::kNone);
  EXPECT_EQ(FailureClassOfExit(6, 0), FailureClass::kDiverged);
  EXPECT_EQ(FailureClassOfExit(3, 0), FailureClass::kBadConfig);
  EXPECT_EQ(FailureClassOfExit(2, 0), FailureClass::kBadConfig);
  EXPECT_EQ(FailureClassOfExit(4, 0), FailureClass::kBadConfig);
  EXPECT_EQ(FailureClassOfExit(75, 0), FailureClass::kInterrupted);
  EXPECT_EQ(FailureClassOfExit(5, 0), FailureClass::kInfrastructure);
  EXPECT_EQ(FailureClassOfExit(127, 0), FailureClass::kInfrastructure);
  EXPECT_EQ(FailureClassOfExit(1, 0), FailureClass::kCrashed);
  EXPECT_EQ(FailureClassOfExit(42, 0), FailureClass::kCrashed);
  EXPECT_EQ(FailureClassOfExit(-1, 11), FailureClass::kCrashed);
  EXPECT_EQ(FailureClassOfExit(-1, 9), FailureClass::kCrashed);
  EXPECT_EQ(FailureClassOfExit(-1, SIGTERM),
            FailureClass::kInterrupted);  // stopped before its handler was set
  EXPECT_EQ(FailureClassOfExit(-1, SIGUSR1), FailureClass::kInterrupted);
}

TEST(TrialArgvTest, PassesTheContractsOptions) {
  Assign a;
  a.command = "dts-train";
  a.config_path = "c.ini";
  a.trial_path = "t.h5";
  a.threads = 4;
  auto argv = [&](int local_rank, int devices) {
    return schema::TrialArgv(a.command, InvocationOf(a, local_rank, devices));
  };
  EXPECT_EQ(argv(5, 0), (std::vector<std::string>{"dts-train", "--config", "c.ini", "--out", "t.h5",
                                                  "--threads", "4", "--device", "cpu"}));
  a.trial_id = "0123abcd";
  a.config_id = "cafe";
  EXPECT_EQ(argv(5, 0), (std::vector<std::string>{"dts-train", "--config", "c.ini", "--out", "t.h5",
                                                  "--trial-id", "0123abcd", "--config-id", "cafe",
                                                  "--threads", "4", "--device", "cpu"}));
  a.trial_id.clear();
  a.config_id.clear();
  a.resume = true;
  a.use_gpu = true;
  a.trials_per_gpu = 3;  // worker 5 of a host with 2 GPUs shares GPU 1 (DeviceFor)
  EXPECT_EQ(argv(5, 2), (std::vector<std::string>{"dts-train", "--config", "c.ini", "--out", "t.h5",
                                                  "--resume", "--threads", "4", "--device", "cuda:1"}));
  a.use_gpu = false;
  a.max_epochs = 9;  // an ASHA rung: the same INI, the budget as an override
  EXPECT_EQ(argv(5, 0),
            (std::vector<std::string>{"dts-train", "--config", "c.ini", "--out", "t.h5", "--resume",
                                      "--train.max_epochs", "9", "--threads", "4", "--device", "cpu"}));
  EXPECT_EQ(schema::CountParametersArgv("dts-train", "c.ini", "c.json"),
            (std::vector<std::string>{"dts-train", "--config", "c.ini", "--count-parameters", "c.json"}));
}

}  // namespace
}  // namespace dts::orchestrator
