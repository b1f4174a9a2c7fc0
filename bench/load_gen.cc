// A load generator for any unary method of the API, in the spirit of ghz:
// N calls in flight over M channels, a warm-up, a fixed duration or count;
// prints calls/s, p50/p90/p99/max latency, counts per status code and its
// own CPU use, as one JSON object (--json) or a line of text. With --rate
// the load is open loop instead: calls are scheduled at that rate (at most
// --in_flight outstanding) and each call's latency counts from its scheduled
// time, so a server (or client) falling behind shows as latency, as with
// `pgbench -R`.
//
// Requests are protobuf text format of the method's request type, either
// one fixed request (--request) or one per line of a file (--request_file),
// used round robin. `{n}` in a request is replaced by a counter (from 1,
// wrapping at --counter_max), `{uuid}` by a fresh UUID, so that reads spread
// over rows and creates are distinct.
//
//   build/bench/load_gen --target 127.0.0.1:50051
//     --method suppliers.v1.VendorService/GetVendor
//     --request 'vendor_id: {n}' --counter_max 10000
//     --in_flight 32 --connections 4 --warmup 2s --duration 10s --json
#include <dirent.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "suppliers/v1/drawing.grpc.pb.h"
#include "suppliers/v1/part.grpc.pb.h"
#include "suppliers/v1/vendor.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "server address");
ABSL_FLAG(std::string, method, "suppliers.v1.VendorService/GetVendor",
          "unary method, Service/Method");
ABSL_FLAG(std::string, request, "", "request in protobuf text format");
ABSL_FLAG(std::string, request_file, "",
          "file of requests, one text-format request per line");
ABSL_FLAG(int64_t, counter_max, 1000000, "{n} runs 1..counter_max");
ABSL_FLAG(int, in_flight, 32, "calls outstanding at once");
ABSL_FLAG(int, connections, 4, "channels (HTTP/2 connections)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "calls in this first window are not counted");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "measured window (ignored with --count)");
ABSL_FLAG(int64_t, count, 0, "stop after this many measured calls");
ABSL_FLAG(double, rate, 0,
          "calls per second, open loop (0: closed loop, --in_flight always "
          "outstanding)");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "deadline per call");
ABSL_FLAG(std::string, token, "", "bearer token to send");
ABSL_FLAG(bool, json, false, "print one JSON object");
ABSL_FLAG(int, server_pid, 0,
          "when set (a server on this machine), also report that process's "
          "CPU time and context switches (all threads) per measured call");
ABSL_FLAG(std::string, label, "", "copied into the output");

namespace suppliers::bench {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "load_gen: %s\n", message.c_str());
  std::exit(2);
}

// The request templates, serialized once per use with {n}/{uuid} filled.
class Requests {
 public:
  Requests(const google::protobuf::Descriptor* type,
           std::vector<std::string> templates)
      : type_(type), templates_(std::move(templates)) {
    for (const std::string& text : templates_) {
      // Parse once with placeholders filled, to fail early on a typo.
      Serialize(text, 1);
    }
    has_placeholders_ = std::any_of(
        templates_.begin(), templates_.end(), [](const std::string& text) {
          return text.find('{') != std::string::npos;
        });
    if (!has_placeholders_) {
      for (const std::string& text : templates_) {
        fixed_.push_back(Serialize(text, 1));
      }
    }
  }

  grpc::ByteBuffer Next() {
    const int64_t n = counter_.fetch_add(1);
    const size_t index = static_cast<size_t>(n) % templates_.size();
    std::string bytes =
        has_placeholders_ ? Serialize(templates_[index], n) : fixed_[index];
    grpc::Slice slice(bytes);
    return grpc::ByteBuffer(&slice, 1);
  }

 private:
  std::string Serialize(const std::string& text, int64_t n) const {
    const int64_t max = absl::GetFlag(FLAGS_counter_max);
    std::string filled = text;
    if (filled.find("{n}") != std::string::npos) {
      filled =
          absl::StrReplaceAll(filled, {{"{n}", absl::StrCat(n % max + 1)}});
    }
    if (filled.find("{uuid}") != std::string::npos) {
      thread_local std::mt19937_64 random(std::random_device{}());
      const uint64_t a = random();
      const uint64_t b = random();
      filled = absl::StrReplaceAll(
          filled,
          {{"{uuid}", absl::StrFormat("%08x-%04x-4%03x-8%03x-%012x", a >> 32,
                                      (a >> 16) & 0xffff, a & 0xfff, b >> 52,
                                      b & 0xffffffffffffULL)}});
    }
    std::unique_ptr<google::protobuf::Message> message(
        factory_.GetPrototype(type_)->New());
    if (!google::protobuf::TextFormat::ParseFromString(filled, message.get())) {
      Die(absl::StrCat("not a text-format ", type_->full_name(), ": ", filled));
    }
    return message->SerializeAsString();
  }

  const google::protobuf::Descriptor* const type_;
  const std::vector<std::string> templates_;
  mutable google::protobuf::DynamicMessageFactory factory_;
  bool has_placeholders_ = false;
  std::vector<std::string> fixed_;
  std::atomic<int64_t> counter_{0};
};

struct Results {
  absl::Mutex mu;
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  // The same for calls answered with any other code than OK: how fast a
  // refusal comes back.
  std::vector<double> not_ok_latencies_ms ABSL_GUARDED_BY(mu);
  std::map<std::string, int64_t> codes ABSL_GUARDED_BY(mu);
  // The first message seen for each code other than OK, to tell refusals
  // of different origins apart.
  std::map<std::string, std::string> first_messages ABSL_GUARDED_BY(mu);
};

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index <= 16 ? kNames[index] : "?";
}

class Slot;

// Open loop: the slots whose call has completed, waiting for the pacer.
struct FreeSlots {
  absl::Mutex mu;
  std::vector<Slot*> slots ABSL_GUARDED_BY(mu);
};

// One in-flight slot: issues a call, and the next when it completes, until
// the run stops. Completions arrive on gRPC's callback threads.
class Slot {
 public:
  Slot(grpc::GenericStub* stub, std::string method, Requests* requests,
       Results* results, const absl::Time* measure_from,
       std::atomic<bool>* stop, std::atomic<int64_t>* measured,
       absl::Notification* all_done, std::atomic<int>* live,
       FreeSlots* free_slots)
      : stub_(stub),
        method_(std::move(method)),
        requests_(requests),
        results_(results),
        measure_from_(measure_from),
        stop_(stop),
        measured_(measured),
        all_done_(all_done),
        live_(live),
        free_slots_(free_slots) {}

  // Closed loop: issues a call now, and the next when it completes.
  void Start() { Issue(absl::Now()); }

  // Issues one call whose latency counts from `scheduled`.
  void Issue(absl::Time scheduled) {
    if (stop_->load()) {
      if (live_->fetch_sub(1) == 1) all_done_->Notify();
      return;
    }
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_deadline)));
    const std::string& token = absl::GetFlag(FLAGS_token);
    if (!token.empty())
      context_->AddMetadata("authorization", "Bearer " + token);
    request_ = requests_->Next();
    started_ = scheduled;
    stub_->UnaryCall(context_.get(), method_, grpc::StubOptions(), &request_,
                     &response_,
                     [this](const grpc::Status& status) { Completed(status); });
  }

 private:
  void Completed(const grpc::Status& status) {
    const absl::Time now = absl::Now();
    if (started_ >= *measure_from_ && !stop_->load()) {
      const int64_t count = absl::GetFlag(FLAGS_count);
      const int64_t n = measured_->fetch_add(1) + 1;
      {
        absl::MutexLock lock(&results_->mu);
        const double ms = absl::ToDoubleMilliseconds(now - started_);
        results_->latencies_ms.push_back(ms);
        ++results_->codes[CodeName(status.error_code())];
        if (!status.ok()) {
          results_->not_ok_latencies_ms.push_back(ms);
          results_->first_messages.emplace(CodeName(status.error_code()),
                                           status.error_message());
        }
      }
      if (count > 0 && n >= count) {
        stop_->store(true);
      }
    }
    if (free_slots_ != nullptr) {
      // Open loop: wait for the pacer, unless the run is over. Checked under
      // the lock the pacer drains with, so that no slot is left behind.
      absl::MutexLock lock(&free_slots_->mu);
      if (!stop_->load()) {
        free_slots_->slots.push_back(this);
        return;
      }
    }
    Start();  // closed loop, or the run is over: Start() counts the slot out
  }

  grpc::GenericStub* const stub_;
  const std::string method_;
  Requests* const requests_;
  Results* const results_;
  const absl::Time* const measure_from_;
  std::atomic<bool>* const stop_;
  std::atomic<int64_t>* const measured_;
  absl::Notification* const all_done_;
  std::atomic<int>* const live_;
  // Open loop: where a finished slot waits for the pacer; else nullptr.
  FreeSlots* const free_slots_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  absl::Time started_;
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

// What a process has used so far, summed over its threads.
struct ProcessUse {
  double cpu_seconds = 0;
  int64_t context_switches = 0;  // voluntary and involuntary
};

ProcessUse ReadProcessUse(int pid) {
  ProcessUse use;
  // utime and stime (fields 14 and 15) of the whole process.
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  const size_t after_name = text.rfind(')');
  if (after_name != std::string::npos) {
    const std::vector<std::string> fields =
        absl::StrSplit(text.substr(after_name + 2), ' ');
    if (fields.size() > 13) {
      use.cpu_seconds =
          static_cast<double>(std::stoll(fields[11]) + std::stoll(fields[12])) /
          static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  // /proc/PID/status counts the main thread only; every task counts here.
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return use;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream status(absl::StrCat(tasks, "/", entry->d_name, "/status"));
    for (std::string line; std::getline(status, line);) {
      if (line.find("ctxt_switches:") != std::string::npos) {
        use.context_switches += std::stoll(line.substr(line.find(':') + 1));
      }
    }
  }
  closedir(dir);
  return use;
}

// A string as the inside of a JSON string literal.
std::string JsonEscape(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      escaped += absl::StrFormat("\\u%04x", static_cast<int>(c));
    } else {
      escaped += c;
    }
  }
  return escaped;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t index =
      std::min(sorted.size() - 1,
               static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[index];
}

int Main() {
  const std::string method = absl::GetFlag(FLAGS_method);
  const std::vector<std::string> parts = absl::StrSplit(method, '/');
  if (parts.size() != 2) Die("--method must be Service/Method");
  // Loads the three services' files into the generated pool.
  v1::GetVendorRequest::descriptor();
  v1::GetPartRequest::descriptor();
  v1::GetDrawingMetadataRequest::descriptor();
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          parts[0]);
  if (service == nullptr) Die(absl::StrCat("unknown service ", parts[0]));
  const google::protobuf::MethodDescriptor* rpc =
      service->FindMethodByName(parts[1]);
  if (rpc == nullptr || rpc->client_streaming() || rpc->server_streaming()) {
    Die(absl::StrCat(method, " is not a unary method of ", parts[0]));
  }
  std::vector<std::string> templates;
  if (!absl::GetFlag(FLAGS_request_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_request_file));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) templates.push_back(line);
    }
    if (templates.empty()) Die("--request_file holds no request");
  } else {
    templates.push_back(absl::GetFlag(FLAGS_request));
  }
  Requests requests(rpc->input_type(), std::move(templates));

  const int connections = std::max(1, absl::GetFlag(FLAGS_connections));
  const int in_flight = std::max(1, absl::GetFlag(FLAGS_in_flight));
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    // Distinct channels get distinct connections.
    args.SetInt("load_gen.channel", i);
    auto channel = grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(
            absl::ToChronoTime(absl::Now() + absl::Seconds(5)))) {
      Die(absl::StrCat("cannot connect to ", absl::GetFlag(FLAGS_target)));
    }
    stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  }

  Results results;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> measured{0};
  absl::Notification all_done;
  std::atomic<int> live{in_flight};
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + absl::GetFlag(FLAGS_warmup);
  const std::string path = absl::StrCat("/", method);
  std::vector<std::unique_ptr<Slot>> slots;
  slots.reserve(static_cast<size_t>(in_flight));
  const double rate = absl::GetFlag(FLAGS_rate);
  FreeSlots free_slots;
  for (int i = 0; i < in_flight; ++i) {
    slots.push_back(std::make_unique<Slot>(
        stubs[i % connections].get(), path, &requests, &results, &measure_from,
        &stop, &measured, &all_done, &live, rate > 0 ? &free_slots : nullptr));
  }
  // Open loop: a pacer thread issues calls at their scheduled times on the
  // free slots.
  std::thread pacer;
  if (rate > 0) {
    {
      absl::MutexLock lock(&free_slots.mu);
      for (auto& slot : slots) free_slots.slots.push_back(slot.get());
    }
    pacer = std::thread([&] {
      const absl::Duration interval = absl::Seconds(1) / rate;
      absl::Time next = start;
      while (!stop.load()) {
        absl::SleepFor(next - absl::Now());
        Slot* slot = nullptr;
        {
          absl::MutexLock lock(&free_slots.mu);
          if (!free_slots.slots.empty()) {
            slot = free_slots.slots.back();
            free_slots.slots.pop_back();
          }
        }
        if (slot == nullptr) {
          // Every slot is busy: this call is late, and its latency will
          // show it (it counts from `next`).
          absl::SleepFor(absl::Microseconds(50));
          continue;
        }
        slot->Issue(next);
        next += interval;
      }
      std::vector<Slot*> idle;
      {
        absl::MutexLock lock(&free_slots.mu);
        idle.swap(free_slots.slots);
      }
      for (Slot* slot : idle) slot->Start();  // counts it out
    });
  } else {
    for (auto& slot : slots) slot->Start();
  }
  absl::SleepFor(measure_from - absl::Now());
  const double cpu_before = CpuSeconds();
  const int server_pid = absl::GetFlag(FLAGS_server_pid);
  const ProcessUse server_before =
      server_pid > 0 ? ReadProcessUse(server_pid) : ProcessUse{};
  const absl::Time window_start = absl::Now();
  if (absl::GetFlag(FLAGS_count) > 0) {
    while (!stop.load()) absl::SleepFor(absl::Milliseconds(5));
  } else {
    absl::SleepFor(absl::GetFlag(FLAGS_duration));
    stop = true;
  }
  const absl::Time window_end = absl::Now();
  const double cpu = CpuSeconds() - cpu_before;
  const ProcessUse server_after =
      server_pid > 0 ? ReadProcessUse(server_pid) : ProcessUse{};
  if (pacer.joinable()) pacer.join();
  all_done.WaitForNotification();

  absl::MutexLock lock(&results.mu);
  std::vector<double>& latencies = results.latencies_ms;
  std::sort(latencies.begin(), latencies.end());
  std::vector<double>& not_ok = results.not_ok_latencies_ms;
  std::sort(not_ok.begin(), not_ok.end());
  const double seconds = absl::ToDoubleSeconds(window_end - window_start);
  const double achieved = static_cast<double>(latencies.size()) / seconds;
  std::string codes;
  for (const auto& [code, count] : results.codes) {
    absl::StrAppend(&codes, codes.empty() ? "" : ", ", "\"", code,
                    "\": ", count);
  }
  std::string messages;
  for (const auto& [code, message] : results.first_messages) {
    absl::StrAppend(&messages, messages.empty() ? "" : ", ", "\"", code,
                    "\": \"", JsonEscape(message), "\"");
  }
  // The measured calls: started in the window and answered before its end.
  const double window_calls =
      std::max(1.0, static_cast<double>(latencies.size()));
  // Answered with OK: a refusal is cheap, not served.
  const auto ok = results.codes.find("OK");
  const double ok_achieved =
      ok == results.codes.end() ? 0 : static_cast<double>(ok->second) / seconds;
  const double server_cpu_per_call_us =
      (server_after.cpu_seconds - server_before.cpu_seconds) * 1e6 /
      window_calls;
  const double server_switches_per_call =
      static_cast<double>(server_after.context_switches -
                          server_before.context_switches) /
      window_calls;
  if (absl::GetFlag(FLAGS_json)) {
    std::printf(
        "{\"label\": \"%s\", \"method\": \"%s\", \"in_flight\": %d, "
        "\"connections\": %d, \"seconds\": %.2f, \"calls\": %zu, "
        "\"calls_per_s\": %.1f, \"ok_calls_per_s\": %.1f, "
        "\"p50_ms\": %.3f, \"p90_ms\": %.3f, "
        "\"p99_ms\": %.3f, \"max_ms\": %.3f, \"codes\": {%s}, "
        "\"first_messages\": {%s}, "
        "\"not_ok_p50_ms\": %.3f, \"not_ok_p99_ms\": %.3f, "
        "\"client_cpu_s\": %.2f, \"client_cpu_per_call_us\": %.1f, "
        "\"server_cpu_per_call_us\": %.1f, "
        "\"server_context_switches_per_call\": %.2f}\n",
        absl::GetFlag(FLAGS_label).c_str(), method.c_str(), in_flight,
        connections, seconds, latencies.size(), achieved, ok_achieved,
        Percentile(latencies, 0.50), Percentile(latencies, 0.90),
        Percentile(latencies, 0.99), latencies.empty() ? 0 : latencies.back(),
        codes.c_str(), messages.c_str(), Percentile(not_ok, 0.50),
        Percentile(not_ok, 0.99), cpu,
        latencies.empty() ? 0
                          : cpu * 1e6 / static_cast<double>(latencies.size()),
        server_cpu_per_call_us, server_switches_per_call);
  } else {
    std::printf(
        "%s %s in_flight=%d: %.0f calls/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f "
        "ms  max %.2f ms  codes {%s}  client cpu %.2f s  server cpu/call "
        "%.1f us  server switches/call %.2f\n",
        absl::GetFlag(FLAGS_label).c_str(), method.c_str(), in_flight, achieved,
        Percentile(latencies, 0.50), Percentile(latencies, 0.90),
        Percentile(latencies, 0.99), latencies.empty() ? 0 : latencies.back(),
        codes.c_str(), cpu, server_cpu_per_call_us, server_switches_per_call);
  }
  return 0;
}

}  // namespace
}  // namespace suppliers::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return suppliers::bench::Main();
}
