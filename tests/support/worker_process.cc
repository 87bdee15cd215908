#include "support/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/run_process.h"

extern char** environ;

namespace nmtd::testing {

TempDir::TempDir(const std::string& tag) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("nmtd-" + tag + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

const std::filesystem::path& shared_test_model() {
  static const TempDir dir("model");
  static const std::filesystem::path model = [] {
    const auto out = dir.path() / "m";
    const auto r = run_nmtd({"make-test-model", "--out", out.string(), "--d-model", "64", "--ffn",
                             "128", "--heads", "4", "--seed", "7"});
    if (r.exit_code != 0) throw std::runtime_error("make-test-model failed: " + r.err);
    return out;
  }();
  return model;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

NmtdChild::NmtdChild(const std::vector<std::string>& args, const std::filesystem::path& stderr_file,
                     const std::filesystem::path& stdout_file) {
  std::vector<std::string> all{NMTD_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string err_path = stderr_file.string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  const std::string out_path = stdout_file.string();
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  const int rc = posix_spawn(&pid_, NMTD_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " NMTD_BINARY " " + args.front());
}

NmtdChild::~NmtdChild() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
}

void NmtdChild::signal(int signo) const { ::kill(pid_, signo); }

std::optional<int> NmtdChild::wait_exit(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = status;
      break;
    }
    if (r < 0 || std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

bool NmtdChild::running() {
  if (status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
  return !status_;
}

std::optional<grpc::health::v1::HealthCheckResponse::ServingStatus> check_health(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  if (!stub->Check(&ctx, request, &response).ok()) return std::nullopt;
  return response.status();
}

std::vector<std::string> WorkerProcess::arguments(const TempDir& dir, const std::string& target,
                                                  const std::filesystem::path& model,
                                                  std::vector<std::string> extra_args) {
  std::vector<std::string> args{"worker",
                                "--model",
                                model.string(),
                                "--listen",
                                target,
                                "--state-dir",
                                (dir.path() / "state").string(),
                                "--threads",
                                "1"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return args;
}

WorkerProcess::WorkerProcess(const std::filesystem::path& model,
                             std::vector<std::string> extra_args)
    : dir_("worker"),
      target_("unix:" + (dir_.path() / "w.sock").string()),
      child_(arguments(dir_, target_, model, std::move(extra_args)), dir_.path() / "stderr.txt") {}

std::shared_ptr<grpc::Channel> WorkerProcess::channel(const grpc::ChannelArguments& args) const {
  return grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
}

std::optional<grpc::health::v1::HealthCheckResponse::ServingStatus> WorkerProcess::health(
    const std::string& service) const {
  return check_health(channel(), service);
}

bool WorkerProcess::wait_serving(std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (health() == grpc::health::v1::HealthCheckResponse::SERVING) return true;
    if (::kill(pid(), 0) != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string WorkerProcess::stderr_text() const { return read_file(dir_.path() / "stderr.txt"); }

std::string WorkerProcess::log_text() const { return read_file(state_dir() / "worker.log"); }

}  // namespace nmtd::testing
