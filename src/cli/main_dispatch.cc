#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/commands.h"
#include "common/error.h"

namespace nmtd::cli {

namespace {

struct Command {
  const char* name;
  int (*fn)(const Args&);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"translate", cmd_translate, "translate text with a model (arguments, stdin lines or JSONL)"},
    {"score", cmd_score, "teacher-forced log-probabilities of given translations (JSONL)"},
    {"inspect", cmd_inspect, "describe a CTranslate2 model directory"},
    {"convert", cmd_convert, "convert a Hugging Face NLLB/M2M100 checkpoint to CTranslate2 format"},
    {"make-test-model", cmd_make_test_model, "generate a random-weight NLLB-shaped model"},
    {"bench", cmd_bench, "measure latency, throughput, load time and memory"},
    {"serve", cmd_serve, "the server: supervises workers, serves gRPC and HTTP (what users run)"},
    {"worker", cmd_worker, "serve one model over gRPC (nmt.v1.Translator, health, reflection)"},
    {"soak", cmd_soak, "drive a server with load and chaos; report what was lost or grew"},
    {"client", cmd_client, "talk to a worker: translate, languages, status, health"},
};

void print_usage(std::FILE* to) {
  std::fprintf(to, "nmtd %s — offline neural machine translation for NLLB-200 models\n\n",
               NMTD_VERSION);
  std::fprintf(to, "Usage: nmtd COMMAND [OPTIONS]   (nmtd COMMAND --help for its options)\n\n");
  std::fprintf(to, "Commands:\n");
  for (const auto& c : kCommands) std::fprintf(to, "  %-16s %s\n", c.name, c.summary);
}

}  // namespace

int run(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::printf("nmtd %s\n", NMTD_VERSION);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    Args args(argv + 2, argv + argc);
    try {
      return c.fn(args);
    } catch (const InvalidArgument& e) {
      std::fprintf(stderr, "nmtd %s: %s\n", c.name, e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nmtd %s: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "nmtd: unknown command '%s'\n\n", name.c_str());
  print_usage(stderr);
  return 2;
}

}  // namespace nmtd::cli
